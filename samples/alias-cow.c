/*
 * A producer fills a page, forks, queues the page by reference and then modifies it. The write goes
 * through a copy-on-write mapping, so whether the reader sees the old or the new bytes depends on the
 * kernel and on the child (VMS-ALIAS-COW).
 *
 * Try: vmsplice-lens check samples/alias-cow.c
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
    memset(buf, 'C', page);
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
    ssize_t sent = vmsplice(fds[1], &iov, 1, 0); /* expect: VMS-ALIAS-COW */ /* verdict: copy */
    if (sent < 0) {
        perror("vmsplice");
        return 1;
    }
    memset(buf, 'D', page);
    printf("queued %zd bytes\n", sent);
    return 0;
}
