/* A sender the program's other files may call, or hand out as a callback. */
int send_page(int fd, unsigned int flags);
