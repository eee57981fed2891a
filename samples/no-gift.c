/*
 * A producer queues its page without SPLICE_F_GIFT while the consumer asks for a move. The pipe buffer
 * carries no gift, so the RFC reader copies the page (VMS-NO-GIFT on the producer's call).
 *
 * Try: vmsplice-lens check samples/no-gift.c
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
    pid_t child = fork();
    if (child < 0) {
        perror("fork");
        return 1;
    }
    if (child == 0) {
        char *src = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (src == MAP_FAILED)
            _exit(1);
        memset(src, 'S', page);
        struct iovec out = { .iov_base = src, .iov_len = page };
        ssize_t queued = vmsplice(fds[1], &out, 1, 0); /* expect: VMS-NO-GIFT */
        _exit(queued == page ? 0 : 1);
    }
    close(fds[1]);
    char *dst = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (dst == MAP_FAILED) {
        perror("mmap");
        return 1;
    }
    struct iovec iov = { .iov_base = dst, .iov_len = page };
    ssize_t got = vmsplice(fds[0], &iov, 1, SPLICE_F_MOVE); /* expect: VMS-NO-GIFT */ /* verdict: copy */
    if (got < 0) {
        perror("vmsplice");
        return 1;
    }
    waitpid(child, NULL, 0);
    printf("received %zd bytes, first byte %c\n", got, dst[0]);
    return 0;
}
