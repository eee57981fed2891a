/*
 * The fix for samples/rfc-splice-move-zap.c: no SPLICE_F_MOVE (it has done nothing for file-to-pipe
 * splices since 2.6.21).
 *
 * Try: vmsplice-lens check samples/rfc-splice-move-zap-fixed.c
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

int main(int argc, char **argv)
{
    long page = sysconf(_SC_PAGESIZE);
    const char *path = argc > 1 ? argv[1] : "/etc/services";
    int file = open(path, O_RDONLY);
    if (file < 0) {
        perror("open");
        return 1;
    }
    int fds[2];
    if (pipe(fds) < 0) {
        perror("pipe");
        return 1;
    }
    /* Pull one page of the file into the pipe, then take it into our own memory. */
    ssize_t filled = splice(file, NULL, fds[1], NULL, page, SPLICE_F_MORE); /* expect: none */
    if (filled < 0) {
        perror("splice");
        return 1;
    }
    char *dst = mmap(NULL, page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (dst == MAP_FAILED) {
        perror("mmap");
        return 1;
    }
    struct iovec iov = { .iov_base = dst, .iov_len = filled };
    ssize_t got = vmsplice(fds[0], &iov, 1, 0);
    if (got < 0) {
        perror("vmsplice");
        return 1;
    }
    fwrite(dst, 1, got, stdout);
    return 0;
}
