/*
 * The buffer comes from alloc_pages() in alloc.c, the one file of the project that defines it: alloc.c is read into
 * this file's unit, and its mapping and fill make a private, written page.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/uio.h>
#include <unistd.h>
#include "alloc.h"
int main(void)
{
    int fds[2];
    if (pipe(fds) < 0)
        return 1;
    char *buf = alloc_pages(4096);
    if (!buf)
        return 1;
    struct iovec iov = { .iov_base = buf, .iov_len = 4096 };
    return vmsplice(fds[1], &iov, 1, SPLICE_F_GIFT | SPLICE_F_MOVE) != 4096; /* verdict: move */
}
