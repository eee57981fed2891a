/*
 * Two files of the project define alloc_pages(): which one this program links is the build's choice, and one leaves
 * the page untouched. Neither is read into this file's unit: unknown.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <sys/uio.h>
#include <unistd.h>
#include "../include/alloc.h"

int main(void)
{
    int fds[2];
    if (pipe(fds) < 0)
        return 1;
    char *buf = alloc_pages(4096);
    if (!buf)
        return 1;
    struct iovec iov = { .iov_base = buf, .iov_len = 4096 };
    return vmsplice(fds[1], &iov, 1, SPLICE_F_GIFT | SPLICE_F_MOVE) != 4096; /* verdict: unknown */
}
