/* Two programs of this project each define open_channel(): one makes a pipe, the other a socket pair. */
int open_channel(int fds[2]);
