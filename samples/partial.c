/*
 * A producer gifts eight pages and ignores the return value. vmsplice can queue fewer bytes than asked
 * (a full pipe, a pipe smaller than the request, an unmapped page), and the rest is silently not sent
 * (VMS-PARTIAL).
 *
 * Try: vmsplice-lens check samples/partial.c
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
    vmsplice(fds[1], iov, 8, SPLICE_F_GIFT | SPLICE_F_MOVE); /* expect: VMS-PARTIAL */ /* verdict: move */
    puts("sent (maybe)");
    return 0;
}
