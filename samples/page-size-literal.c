/*
 * A producer hard-codes 4096 as the page size. That is right on x86-64, but on 16 KiB or 64 KiB page
 * kernels (arm64, ppc64) every gift is shorter than a page and is copied (VMS-PAGE-SIZE-LITERAL; at
 * 16384: VMS-LEN-PAGE).
 *
 * Try: vmsplice-lens check samples/page-size-literal.c
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#define PAGE 4096

int main(void)
{
    int fds[2];
    if (pipe(fds) < 0) {
        perror("pipe");
        return 1;
    }
    char *buf = mmap(NULL, PAGE, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (buf == MAP_FAILED) {
        perror("mmap");
        return 1;
    }
    memset(buf, 'L', PAGE);
    struct iovec iov = { .iov_base = buf, .iov_len = PAGE };
    ssize_t sent = vmsplice(fds[1], &iov, 1, SPLICE_F_GIFT | SPLICE_F_MOVE); /* expect: VMS-PAGE-SIZE-LITERAL */ /* verdict: move */ /* expect 16384: VMS-PAGE-SIZE-LITERAL VMS-LEN-PAGE */ /* verdict 16384: copy */
    if (sent < 0) {
        perror("vmsplice");
        return 1;
    }
    return 0;
}
