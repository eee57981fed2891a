/*
 * A consumer unmaps its receive page and then moves a gifted page into it. Mainline fails with EFAULT;
 * the RFC installs the page where no mapping exists (VMS-DST-HOLE).
 *
 * Try: vmsplice-lens check samples/dst-hole.c
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
        /* The producer fills private anonymous pages after the fork and gifts them, one iovec per page. */
        char *src = mmap(NULL, 1 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
        if (src == MAP_FAILED)
            _exit(1);
        memset(src, 'S', 1 * page);
        struct iovec out[1];
        for (int i = 0; i < 1; i++) {
            out[i].iov_base = src + i * page;
            out[i].iov_len = page;
        }
        ssize_t gifted = vmsplice(fds[1], out, 1, SPLICE_F_GIFT | SPLICE_F_MOVE); /* expect: none */
        _exit(gifted == 1 * page ? 0 : 1);
    }
    close(fds[1]);
    char *dst = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (dst == MAP_FAILED) {
        perror("mmap");
        return 1;
    }
    if (munmap(dst, page) < 0) {
        perror("munmap");
        return 1;
    }
    struct iovec iov = { .iov_base = dst, .iov_len = page };
    ssize_t got = vmsplice(fds[0], &iov, 1, SPLICE_F_MOVE); /* expect: VMS-DST-HOLE */ /* verdict: unsafe */
    if (got < 0) {
        perror("vmsplice");
        return 1;
    }
    waitpid(child, NULL, 0);
    printf("received %zd bytes, first byte %c\n", got, dst[0]);
    return 0;
}
