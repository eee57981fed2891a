/* Calls through a header wrapper, with flags from a header macro: reported here, at the caller, with its arguments. */
#define _GNU_SOURCE
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "util.h"

int main(void)
{
    int fds[2];
    if (pipe(fds) < 0)
        return 1;
    char *buf = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (buf == MAP_FAILED)
        return 1;
    memset(buf, 'x', 4096);
    struct iovec iov = { .iov_base = buf, .iov_len = 4096 };
    if (zc_send(fds[1], &iov, 1, ZC_GIFT) != 4096) /* verdict: move */
        return 1;
    char *shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (shared == MAP_FAILED)
        return 1;
    memset(shared, 'y', 4096);
    struct iovec other = { .iov_base = shared, .iov_len = 4096 };
    return zc_send(fds[1], &other, 1, ZC_GIFT) != 4096; /* verdict: copy */
}
