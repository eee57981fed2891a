/*
 * A producer gifts a malloc'd page. glibc's malloc returns 16-byte aligned memory, so the block
 * straddles two pages: under the RFC kernel the first chunk does not start a page (VMS-ALIGN-SRC) and
 * the second is only the short tail (VMS-LEN-PAGE), so the reader copies both.
 *
 * Try: vmsplice-lens check samples/align-src.c
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
    char *buf = malloc(page);
    if (buf == NULL) {
        perror("malloc");
        return 1;
    }
    memset(buf, 'A', page);
    struct iovec iov = { .iov_base = buf, .iov_len = page };
    ssize_t sent = vmsplice(fds[1], &iov, 1, SPLICE_F_GIFT | SPLICE_F_MOVE); /* expect: VMS-ALIGN-SRC VMS-LEN-PAGE */ /* verdict: copy */
    if (sent < 0) {
        perror("vmsplice");
        return 1;
    }
    printf("queued %zd bytes\n", sent);
    return 0;
}
