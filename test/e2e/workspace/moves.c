/* e2e fixture: a producer gifts one page-aligned, written page and the consumer receives it into page-aligned memory
 * with SPLICE_F_MOVE: under rfc-v2 the page moves (no copy, nothing unsafe). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

int main(void)
{
    long page = sysconf(_SC_PAGESIZE);
    int fds[2];
    if (pipe(fds) < 0)
        return 1;
    if (fork() == 0) {
        char *src = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (src == MAP_FAILED)
            _exit(1);
        memset(src, 'S', page);
        struct iovec out = { .iov_base = src, .iov_len = page };
        ssize_t gifted = vmsplice(fds[1], &out, 1, SPLICE_F_GIFT | SPLICE_F_MOVE);
        _exit(gifted == page ? 0 : 1);
    }
    close(fds[1]);
    char *dst = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (dst == MAP_FAILED)
        return 1;
    struct iovec iov = { .iov_base = dst, .iov_len = page };
    ssize_t got = vmsplice(fds[0], &iov, 1, SPLICE_F_MOVE);
    return got == page ? 0 : 1;
}
