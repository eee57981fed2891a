/* A channel whose pipe is made by channel_init() in init.c. */
struct channel {
    int p[2];
};
void channel_init(struct channel *ch);
