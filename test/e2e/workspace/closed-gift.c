/* e2e fixture: the same heap gift as gift-from-malloc.c, in a file the tests never open: its diagnostics come from the
 * workspace scan, and a settings change must publish them again (VMS-ALIGN-SRC under rfc-v2, VMS-GIFT-NOOP on mainline). */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <unistd.h>

int send_pages(int fds[2])
{
    long page = sysconf(_SC_PAGESIZE);
    char *buf = malloc(page);
    if (buf == NULL)
        return -1;
    memset(buf, 'A', page);
    struct iovec iov = { .iov_base = buf, .iov_len = page };
    ssize_t sent = vmsplice(fds[1], &iov, 1, SPLICE_F_GIFT | SPLICE_F_MOVE);
    return sent == page ? 0 : -1;
}

int main(void)
{
    int fds[2];
    if (pipe(fds) != 0)
        return 1;
    return send_pages(fds);
}
