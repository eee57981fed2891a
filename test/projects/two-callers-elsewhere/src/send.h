/* The sender gift.c and plain.c both call. */
int send_page(int fd, unsigned int flags);
