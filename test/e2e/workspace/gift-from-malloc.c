/* e2e fixture: a writer gifts a heap buffer. malloc() does not return page-aligned memory, so under the rfc-v2 model
 * the gifted chunks are copied (VMS-ALIGN-SRC); the quick fix replaces malloc with a page-aligned allocation. */
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
