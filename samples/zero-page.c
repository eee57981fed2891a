/*
 * A producer gifts a freshly mapped page it never wrote. The kernel pins the shared zero page, which
 * is not an anonymous page of this process, so the reader gets a copy of zeros (VMS-ZERO-PAGE).
 *
 * Try: vmsplice-lens check samples/zero-page.c
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
    char *buf = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (buf == MAP_FAILED) {
        perror("mmap");
        return 1;
    }
    struct iovec iov = { .iov_base = buf, .iov_len = page };
    ssize_t sent = vmsplice(fds[1], &iov, 1, SPLICE_F_GIFT | SPLICE_F_MOVE); /* expect: VMS-ZERO-PAGE */ /* verdict: copy */
    if (sent < 0) {
        perror("vmsplice");
        return 1;
    }
    printf("queued %zd bytes\n", sent);
    return 0;
}
