/*
 * The fix for samples/thp-split.c: MADV_NOHUGEPAGE keeps the gift buffer in small pages.
 *
 * Try: vmsplice-lens check samples/thp-split-fixed.c
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
    size_t huge = 2 * 1024 * 1024;
    char *buf = mmap(NULL, huge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (buf == MAP_FAILED) {
        perror("mmap");
        return 1;
    }
    if (madvise(buf, huge, MADV_NOHUGEPAGE) < 0)
        perror("madvise");
    memset(buf, 'T', huge);
    struct iovec iov = { .iov_base = buf, .iov_len = page };
    ssize_t sent = vmsplice(fds[1], &iov, 1, SPLICE_F_GIFT | SPLICE_F_MOVE); /* expect: none */ /* verdict: move */
    if (sent < 0) {
        perror("vmsplice");
        return 1;
    }
    printf("queued %zd bytes\n", sent);
    return 0;
}
