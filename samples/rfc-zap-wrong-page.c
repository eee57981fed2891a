/*
 * A producer gifts three pages of payload that start 100 bytes into its buffer, after a header. The
 * full-page chunks make the RFC unmap the page at the iovec's base, the first page, which holds the
 * header that was never gifted (VMS-RFC-ZAP-WRONG-PAGE); every chunk is then copied: the first is not
 * page-aligned (VMS-ALIGN-SRC), the middle ones are still mapped (VMS-RFC-IOV-BASE), the tail is short
 * (VMS-LEN-PAGE).
 *
 * Try: vmsplice-lens check samples/rfc-zap-wrong-page.c
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
    char *buf = mmap(NULL, 4 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (buf == MAP_FAILED) {
        perror("mmap");
        return 1;
    }
    memset(buf, 'W', 4 * page);
    struct iovec iov = { .iov_base = buf + 100, .iov_len = 3 * page };
    ssize_t sent = vmsplice(fds[1], &iov, 1, SPLICE_F_GIFT | SPLICE_F_MOVE); /* expect: VMS-RFC-ZAP-WRONG-PAGE VMS-ALIGN-SRC VMS-RFC-IOV-BASE VMS-LEN-PAGE */ /* verdict: copy */
    if (sent < 0) {
        perror("vmsplice");
        return 1;
    }
    printf("queued %zd bytes\n", sent);
    return 0;
}
