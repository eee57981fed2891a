/*
 * Fuzzer finding (npm run fuzz), minimal reproducer written for this repository.
 * Class madvise-advice-by-spelling. Rewrite: ALIAS_1 defined as MADV_DONTFORK and used in madvise().
 * Today: the fork() is taken to share the page, VMS-FORK appears and the verdict goes move -> copy.
 */
#define _GNU_SOURCE
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

/* MADV_DONTFORK keeps the buffer out of the child, so the fork does not make the page copy-on-write. */
int send_page(void)
{
    long page = sysconf(_SC_PAGESIZE);
    int fds[2];
    if (pipe(fds) < 0)
        return -1;
    char *buf = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    madvise(buf, page, MADV_DONTFORK);
    memset(buf, 'A', page);
    if (fork() == 0)
        _exit(0);
    struct iovec iov = { .iov_base = buf, .iov_len = page };
    return vmsplice(fds[1], &iov, 1, SPLICE_F_GIFT) < 0 ? -1 : 0;
}
