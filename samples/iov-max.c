/*
 * A producer passes its whole 2048-entry scatter list to one vmsplice call. More than 1024 iovecs fail
 * with EINVAL (VMS-IOV-MAX).
 *
 * Try: vmsplice-lens check samples/iov-max.c
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#define RECORDS 2048

static struct iovec iov[RECORDS];

int main(void)
{
    long page = sysconf(_SC_PAGESIZE);
    int fds[2];
    if (pipe(fds) < 0) {
        perror("pipe");
        return 1;
    }
    char *buf = mmap(NULL, RECORDS * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (buf == MAP_FAILED) {
        perror("mmap");
        return 1;
    }
    memset(buf, 'X', RECORDS * page);
    for (int i = 0; i < RECORDS; i++) {
        iov[i].iov_base = buf + i * page;
        iov[i].iov_len = page;
    }
    ssize_t sent = vmsplice(fds[1], iov, RECORDS, SPLICE_F_GIFT | SPLICE_F_MOVE); /* expect: VMS-IOV-MAX */
    if (sent < 0) {
        perror("vmsplice");
        return 1;
    }
    return 0;
}
