/* A sender other files of the program call. */
#include <stddef.h>
int push_pages(int fd, char *buf, size_t len, unsigned int flags);
