/*
 * The fix for samples/not-pipe.c: the page goes into a pipe; splice(2) can move it on from the pipe
 * into the file.
 *
 * Try: vmsplice-lens check samples/not-pipe-fixed.c
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
    ssize_t sent = vmsplice(fds[1], &iov, 1, SPLICE_F_GIFT | SPLICE_F_MOVE); /* expect: none */ /* verdict: move */
    if (sent < 0) {
        perror("vmsplice");
        return 1;
    }
    if (splice(fds[0], NULL, out, NULL, sent, 0) < 0) {
        perror("splice");
        return 1;
    }
    printf("queued %zd bytes\n", sent);
    return 0;
}
