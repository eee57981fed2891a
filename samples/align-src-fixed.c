/*
 * The fix for samples/align-src.c: the block comes from posix_memalign with the runtime page size as
 * the alignment, so the gifted page is one whole, page-aligned chunk that a SPLICE_F_MOVE reader can
 * take without a copy.
 *
 * Try: vmsplice-lens check samples/align-src-fixed.c
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

int main(void)
{
    long page = sysconf(_SC_PAGESIZE);
    int fds[2];
    if (pipe(fds) < 0) {
        perror("pipe");
        return 1;
    }
    void *block = NULL;
    int error = posix_memalign(&block, page, page);
    if (error != 0) {
        fprintf(stderr, "posix_memalign: %s\n", strerror(error));
        return 1;
    }
    char *buf = block;
    memset(buf, 'A', page);
    struct iovec iov = { .iov_base = buf, .iov_len = page };
    ssize_t sent = vmsplice(fds[1], &iov, 1, SPLICE_F_GIFT | SPLICE_F_MOVE); /* expect: none */ /* verdict: move */
    if (sent < 0) {
        perror("vmsplice");
        return 1;
    }
    printf("queued %zd bytes\n", sent);
    return 0;
}
