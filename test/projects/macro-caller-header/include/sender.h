/* A sender the program's other files call. */
int send_page(int fd, unsigned int flags);
