/*
 * A producer uses the long-documented SPLICE_F_GIFT alone and reads its buffer back afterwards. On the
 * RFC kernel the gift now unmaps the page, so the read-back sees zeros (VMS-RFC-GIFT-ONLY-ZAP).
 *
 * Try: vmsplice-lens check samples/rfc-gift-only-zap.c
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
    ssize_t sent = vmsplice(fds[1], &iov, 1, SPLICE_F_GIFT); /* expect: VMS-RFC-GIFT-ONLY-ZAP */ /* verdict: move */
    if (sent < 0) {
        perror("vmsplice");
        return 1;
    }
    unsigned sum = 0;
    for (long i = 0; i < page; i++)
        sum += (unsigned char)buf[i];
    printf("checksum %u\n", sum);
    printf("queued %zd bytes\n", sent);
    return 0;
}
