/*
 * A producer gifts its page into fds[0], the read end of the pipe. vmsplice decides the direction from
 * the descriptor, so the call reads from the pipe into the buffer (blocking while it is empty) instead
 * of sending it (VMS-WRONG-END).
 *
 * Try: vmsplice-lens check samples/wrong-end.c
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
    memset(buf, 'A', page);
    struct iovec iov = { .iov_base = buf, .iov_len = page };
    ssize_t sent = vmsplice(fds[0], &iov, 1, SPLICE_F_GIFT | SPLICE_F_MOVE); /* expect: VMS-WRONG-END */
    if (sent < 0) {
        perror("vmsplice");
        return 1;
    }
    printf("sent %zd bytes\n", sent);
    return 0;
}
