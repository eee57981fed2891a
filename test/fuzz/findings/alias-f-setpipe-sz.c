/*
 * Fuzzer finding (npm run fuzz), minimal reproducer written for this repository.
 * Class fcntl-command-by-spelling. Rewrite: ALIAS_1 defined as F_SETPIPE_SZ and used in fcntl().
 * Today: the 32-slot pipe is taken for a 16-slot one: VMS-NO-ZAP appears and 16 pages become not-delivered.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

/* 32 pages fit only because the pipe was grown to 32 slots. */
int send_pages(void)
{
    long page = sysconf(_SC_PAGESIZE);
    int fds[2];
    if (pipe(fds) < 0)
        return -1;
    if (fcntl(fds[1], F_SETPIPE_SZ, 32 * page) < 0)
        return -1;
    char *buf = mmap(NULL, 32 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    memset(buf, 'A', 32 * page);
    struct iovec iov = { .iov_base = buf, .iov_len = 32 * page };
    return vmsplice(fds[1], &iov, 1, SPLICE_F_GIFT) < 0 ? -1 : 0;
}
