#define ALIAS_1 _SC_PAGESIZE
/*
 * Fuzzer finding (npm run fuzz), minimal reproducer written for this repository.
 * Class sysconf-name-by-spelling. Rewrite: ALIAS_1 defined as _SC_PAGESIZE and used in sysconf().
 * Today: the page size is no longer recognised, the length is unknown and the verdict goes move -> unknown.
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
    long page = sysconf(ALIAS_1);
    char *buf = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(buf, 'A', page);
    struct iovec iov = { .iov_base = buf, .iov_len = page };
    return vmsplice(fds[1], &iov, 1, SPLICE_F_GIFT) < 0 ? -1 : 0;
}
