/*
 * The fix for samples/partial.c: the producer checks what vmsplice returned and resubmits the pages
 * that were not queued.
 *
 * Try: vmsplice-lens check samples/partial-fixed.c
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
    char *buf = mmap(NULL, 8 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (buf == MAP_FAILED) {
        perror("mmap");
        return 1;
    }
    memset(buf, 'P', 8 * page);
    struct iovec iov[8];
    for (int i = 0; i < 8; i++) {
        iov[i].iov_base = buf + i * page;
        iov[i].iov_len = page;
    }
    ssize_t sent = vmsplice(fds[1], iov, 8, SPLICE_F_GIFT | SPLICE_F_MOVE); /* expect: none */ /* verdict: move */
    if (sent < 0) {
        perror("vmsplice");
        return 1;
    }
    if (sent != 8 * page) {
        fprintf(stderr, "short gift: %zd of %ld bytes; resubmit the rest\n", sent, 8 * page);
        return 2;
    }
    return 0;
}
