/*
 * Fuzzer finding (npm run fuzz), minimal reproducer written for this repository.
 * Class pipe-end-by-spelling. Rewrite: a comment between fds and [0] in vmsplice()'s descriptor.
 * Today: as with spacing, the earlier read() is not matched, VMS-OFFSET-CONSUMED is lost, copy -> move.
 */
#define _GNU_SOURCE
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

int receive(void)
{
    int fds[2];
    char header[64];
    if (pipe(fds) < 0)
        return -1;
    if (read(fds[0], header, sizeof header) < 0)
        return -1;
    char *dst = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    struct iovec iov = { .iov_base = dst, .iov_len = 4096 };
    return vmsplice(fds/* end */[0], &iov, 1, SPLICE_F_MOVE) < 0 ? -1 : 0;
}
