/*
 * Fuzzer finding (npm run fuzz), minimal reproducer written for this repository.
 * Class move-despite-call-level-missing-fact (invariant). No rewrite: the input itself.
 * Today: verdict move while missing lists nr_segs.
 */
#define _GNU_SOURCE
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

/* One iovec, but nr_segs is a parameter: 0 sends nothing, more than 1 reads past the iovec. */
int send_page(int count)
{
    long page = sysconf(_SC_PAGESIZE);
    int fds[2];
    if (pipe(fds) < 0)
        return -1;
    char *buf = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(buf, 'A', page);
    struct iovec iov = { .iov_base = buf, .iov_len = page };
    return vmsplice(fds[1], &iov, count, SPLICE_F_GIFT) < 0 ? -1 : 0;
}
