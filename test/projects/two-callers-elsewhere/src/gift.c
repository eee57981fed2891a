/* One of send_page()'s two callers elsewhere: flags SPLICE_F_GIFT | SPLICE_F_MOVE. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <unistd.h>
#include "send.h"

int send_gift(void)
{
    int fds[2];
    if (pipe(fds) < 0)
        return 1;
    return !send_page(fds[1], SPLICE_F_GIFT | SPLICE_F_MOVE);
}
