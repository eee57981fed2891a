/*
 * The fix for samples/fork.c: madvise(MADV_DONTFORK) keeps the gift buffer out of the child, so only
 * the producer maps it.
 *
 * Try: vmsplice-lens check samples/fork-fixed.c
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <sys/wait.h>
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
    if (madvise(buf, page, MADV_DONTFORK) < 0) {
        perror("madvise");
        return 1;
    }
    memset(buf, 'F', page);
    pid_t helper = fork();
    if (helper < 0) {
        perror("fork");
        return 1;
    }
    if (helper == 0) {
        sleep(60);
        _exit(0);
    }
    struct iovec iov = { .iov_base = buf, .iov_len = page };
    ssize_t sent = vmsplice(fds[1], &iov, 1, SPLICE_F_GIFT | SPLICE_F_MOVE); /* expect: none */ /* verdict: move */
    if (sent < 0) {
        perror("vmsplice");
        return 1;
    }
    printf("queued %zd bytes\n", sent);
    return 0;
}
