/*
 * Fuzzer finding (npm run fuzz), minimal reproducer written for this repository.
 * Class madvise-advice-by-spelling. Rewrite: ALIAS_1 defined as MADV_MERGEABLE and used in madvise().
 * Today: VMS-KSM is lost and the verdict goes copy -> move (a wrong move).
 */
#define _GNU_SOURCE
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

int send_page(void)
{
    int fds[2];
    if (pipe(fds) < 0)
        return -1;
    long page = sysconf(_SC_PAGESIZE);
    char *buf = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    madvise(buf, page, MADV_MERGEABLE);
    memset(buf, 'A', page);
    struct iovec iov = { .iov_base = buf, .iov_len = page };
    return vmsplice(fds[1], &iov, 1, SPLICE_F_GIFT) < 0 ? -1 : 0;
}
