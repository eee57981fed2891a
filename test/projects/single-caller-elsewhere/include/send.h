/* The senders of send.c; each is called from one other file of the program. */
int send_page(int fd, unsigned int flags);
int send_plain(int fd, unsigned int flags);
int send_shared(int fd, unsigned int flags);
