/* Another caller of push_pages(): no gift, and not a whole page. */
#include "push.h"

int push_header(int fd, char *header)
{
    return push_pages(fd, header, 100, 0);
}
