/* The one caller of send_shared() has a static setup() of its own, as send.c has. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <unistd.h>
#include "../include/send.h"

static int setup(int fds[2])
{
    return pipe(fds);
}

int send_shared_gift(void)
{
    int fds[2];
    if (setup(fds) < 0)
        return 1;
    return !send_shared(fds[1], SPLICE_F_GIFT | SPLICE_F_MOVE);
}
