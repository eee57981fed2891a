/*
 * The fix for samples/mainline-copy.c on mainline: accept the one copy and say so. The producer queues
 * its page by reference and the consumer reads it with read(2); for real zero-copy the two processes
 * would share a memfd mapping.
 *
 * Try: vmsplice-lens check samples/mainline-copy-fixed.c
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
        ssize_t queued = vmsplice(fds[1], &out, 1, 0); /* expect mainline-6.x: none */
        _exit(queued == page ? 0 : 1);
    }
    close(fds[1]);
    char *dst = malloc(page);
    if (dst == NULL) {
        perror("malloc");
        return 1;
    }
    ssize_t got = read(fds[0], dst, page);
    if (got < 0) {
        perror("read");
        return 1;
    }
    waitpid(child, NULL, 0);
    printf("received %zd bytes by copy\n", got);
    return 0;
}
