/*
 * A producer gifts 32 pages in one call into a default pipe of 16 slots. Only the first 16 chunks are
 * queued (and unmapped); the rest are neither queued nor unmapped, and only the return value says so
 * (VMS-NO-ZAP).
 *
 * Try: vmsplice-lens check samples/no-zap.c
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
    char *buf = mmap(NULL, 32 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (buf == MAP_FAILED) {
        perror("mmap");
        return 1;
    }
    memset(buf, 'Z', 32 * page);
    struct iovec iov[32];
    for (int i = 0; i < 32; i++) {
        iov[i].iov_base = buf + i * page;
        iov[i].iov_len = page;
    }
    ssize_t sent = vmsplice(fds[1], iov, 32, SPLICE_F_GIFT | SPLICE_F_MOVE); /* expect: VMS-NO-ZAP */ /* verdict: move */
    if (sent < 0) {
        perror("vmsplice");
        return 1;
    }
    printf("queued %zd bytes\n", sent);
    return 0;
}
