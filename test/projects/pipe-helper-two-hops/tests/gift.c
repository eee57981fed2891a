/* The pipe comes from SAFE_PIPE (include/safe.h) → safe_pipe (lib/safe.c) → pipe(): two hops, two files. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>
#include "safe.h"

int main(void)
{
    int fds[2];
    SAFE_PIPE(fds);
    char *buf = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (buf == MAP_FAILED)
        return 1;
    memset(buf, 'x', 4096);
    struct iovec iov = { .iov_base = buf, .iov_len = 4096 };
    if (vmsplice(fds[1], &iov, 1, SPLICE_F_GIFT | SPLICE_F_MOVE) != 4096) /* verdict: move */
        return 1;
    char *dst = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (dst == MAP_FAILED)
        return 1;
    struct iovec in = { .iov_base = dst, .iov_len = 4096 };
    return vmsplice(fds[0], &in, 1, SPLICE_F_MOVE) != 4096; /* verdict: move */
}
