/*
 * A producer queues a page by reference (flags 0) and immediately reuses the buffer for the next
 * message. The pipe holds the producer's own page, so the reader sees the new bytes instead of the
 * ones that were sent (VMS-ALIAS-WRITE).
 *
 * Try: vmsplice-lens check samples/alias-write.c
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
    char *buf = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (buf == MAP_FAILED) {
        perror("mmap");
        return 1;
    }
    memset(buf, '1', page);
    struct iovec iov = { .iov_base = buf, .iov_len = page };
    ssize_t sent = vmsplice(fds[1], &iov, 1, 0); /* expect: VMS-ALIAS-WRITE */ /* verdict: copy */
    if (sent < 0) {
        perror("vmsplice");
        return 1;
    }
    /* The next message overwrites the page that is still queued in the pipe. */
    memset(buf, '2', page);
    printf("queued %zd bytes\n", sent);
    return 0;
}
