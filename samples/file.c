/*
 * A producer gifts a page of a file it mapped. Page-cache pages are not anonymous, so the RFC reader
 * copies them; the producer's mapping is torn down and refaults from the file (VMS-FILE).
 *
 * Try: vmsplice-lens check samples/file.c
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
    int data = open("/etc/hostname", O_RDONLY);
    if (data < 0) {
        perror("open");
        return 1;
    }
    char *buf = mmap(NULL, page, PROT_READ, MAP_PRIVATE, data, 0);
    if (buf == MAP_FAILED) {
        perror("mmap");
        return 1;
    }
    struct iovec iov = { .iov_base = buf, .iov_len = page };
    ssize_t sent = vmsplice(fds[1], &iov, 1, SPLICE_F_GIFT | SPLICE_F_MOVE); /* expect: VMS-FILE */ /* verdict: copy */
    if (sent < 0) {
        perror("vmsplice");
        return 1;
    }
    printf("queued %zd bytes\n", sent);
    return 0;
}
