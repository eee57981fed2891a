/*
 * A producer builds a three-entry iovec with an optional trailer that is empty this time. On 3.12 and
 * the RFC kernel a zero-length iovec ends the transfer, so the page after it is never sent (VMS-ZERO-
 * LEN-IOV).
 *
 * Try: vmsplice-lens check samples/zero-len-iov.c
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
    char *buf = mmap(NULL, 2 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (buf == MAP_FAILED) {
        perror("mmap");
        return 1;
    }
    memset(buf, 'E', 2 * page);
    struct iovec iov[3] = {
        { .iov_base = buf, .iov_len = page },
        { .iov_base = buf + page, .iov_len = 0 }, /* trailer slot, empty for this message */
        { .iov_base = buf + page, .iov_len = page },
    };
    ssize_t sent = vmsplice(fds[1], iov, 3, SPLICE_F_GIFT | SPLICE_F_MOVE); /* expect: VMS-ZERO-LEN-IOV */
    if (sent < 0) {
        perror("vmsplice");
        return 1;
    }
    printf("queued %zd bytes\n", sent);
    return 0;
}
