/*
 * A program tries to vmsplice a page straight into a regular file. vmsplice only works on pipes: the
 * call fails with EBADF (VMS-NOT-PIPE).
 *
 * Try: vmsplice-lens check samples/not-pipe.c
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
    int out = open("/tmp/vmsplice-lens-out.bin", O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (out < 0) {
        perror("open");
        return 1;
    }
    char *buf = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (buf == MAP_FAILED) {
        perror("mmap");
        return 1;
    }
    memset(buf, 'A', page);
    struct iovec iov = { .iov_base = buf, .iov_len = page };
    ssize_t sent = vmsplice(out, &iov, 1, SPLICE_F_GIFT | SPLICE_F_MOVE); /* expect: VMS-NOT-PIPE */
    if (sent < 0) {
        perror("vmsplice");
        return 1;
    }
    printf("queued %zd bytes\n", sent);
    return 0;
}
