/* Calls of wrappers defined in another file are reported here, at the caller, with the caller's arguments. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "../include/zc.h"

int main(void)
{
    int fds[2];
    if (pipe(fds) < 0)
        return 1;
    char *buf = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (buf == MAP_FAILED)
        return 1;
    memset(buf, 'x', 8192);
    struct iovec first = { .iov_base = buf, .iov_len = 4096 };
    if (zc_gift(fds[1], &first, 1, SPLICE_F_GIFT | SPLICE_F_MOVE) != 4096) /* verdict: move */
        return 1;
    /* The flags are the wrapper's own, in zc.c: not followed across files, so unknown. */
    struct iovec second = { .iov_base = buf + 4096, .iov_len = 4096 };
    return zc_gift_fixed(fds[1], &second, 1) != 4096; /* verdict: unknown */
}
