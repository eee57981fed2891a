/*
 * Fuzzer finding (npm run fuzz), minimal reproducer written for this repository.
 * Class page-move-after-unknown-length (invariant). No rewrite: the input itself.
 * Today: call verdict unknown (right), but segment 1's page is move although segment 0's length is unknown.
 */
#define _GNU_SOURCE
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

/*
 * The first iovec's length comes from the caller: if it is 0 the RFC stops there (the second page is not sent),
 * if it is 16 pages or more the pipe is full. Either way the second segment's page is not known to move.
 */
int send_pages(size_t head)
{
    long page = sysconf(_SC_PAGESIZE);
    int fds[2];
    if (pipe(fds) < 0)
        return -1;
    char *buf = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(buf, 'A', 2 * page);
    struct iovec iov[2] = { { .iov_base = buf, .iov_len = head }, { .iov_base = buf + page, .iov_len = page } };
    return vmsplice(fds[1], iov, 2, SPLICE_F_GIFT) < 0 ? -1 : 0;
}
