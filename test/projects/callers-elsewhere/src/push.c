/* push_pages() is called here with a gift, and from bulk.c with flags 0 and a short length: not decided here. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>
#include "push.h"

int push_pages(int fd, char *buf, size_t len, unsigned int flags)
{
    struct iovec iov = { .iov_base = buf, .iov_len = len };
    fprintf(stderr, "sending %zu bytes\n", len);
    ssize_t sent = vmsplice(fd, &iov, 1, flags); /* verdict: unknown */
    if (sent < 0)
        perror("vmsplice");
    return sent == (ssize_t)len;
}

/* Called only from this file, and static: its callers here are all its callers. */
static int push_local(int fd, char *buf, size_t len, unsigned int flags)
{
    struct iovec iov = { .iov_base = buf, .iov_len = len };
    fprintf(stderr, "sending %zu bytes\n", len);
    ssize_t sent = vmsplice(fd, &iov, 1, flags); /* verdict: move */
    if (sent < 0)
        perror("vmsplice");
    return sent == (ssize_t)len;
}

int main(void)
{
    int fds[2];
    if (pipe(fds) < 0)
        return 1;
    char *buf = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (buf == MAP_FAILED)
        return 1;
    memset(buf, 'x', 8192);
    if (!push_local(fds[1], buf + 4096, 4096, SPLICE_F_GIFT | SPLICE_F_MOVE))
        return 1;
    return !push_pages(fds[1], buf, 4096, SPLICE_F_GIFT | SPLICE_F_MOVE);
}
