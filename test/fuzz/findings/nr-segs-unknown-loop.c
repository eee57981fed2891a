/*
 * Fuzzer finding (npm run fuzz), minimal reproducer written for this repository.
 * Class move-despite-call-level-missing-fact (invariant). No rewrite: the input itself.
 * Today: verdict move while missing lists the loop count and nr_segs.
 */
#define _GNU_SOURCE
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

/* n comes from the caller: neither the loop count nor nr_segs is known. */
int send_pages(int n)
{
    long page = sysconf(_SC_PAGESIZE);
    int fds[2];
    if (pipe(fds) < 0)
        return -1;
    char *buf = mmap(NULL, 16 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(buf, 'A', 16 * page);
    struct iovec iov[16];
    for (int i = 0; i < n; i++) {
        iov[i].iov_base = buf + i * page;
        iov[i].iov_len = page;
    }
    return vmsplice(fds[1], iov, n, SPLICE_F_GIFT) < 0 ? -1 : 0;
}
