/* e2e fixture: a producer gifts one aligned page (it moves); the consumer reads it into a malloc'd buffer, 16 bytes into
 * a page. Under rfc-v2 the frame is mapped at the page boundary below the buffer: the data lands shifted and the bytes
 * before the buffer are clobbered while the call reports success (VMS-ALIGN-DST, an unsafe move). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
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
    char *dst = malloc(page);
    if (dst == NULL)
        return 1;
    struct iovec iov = { .iov_base = dst, .iov_len = page };
    ssize_t got = vmsplice(fds[0], &iov, 1, SPLICE_F_MOVE);
    return got == page ? 0 : 1;
}
