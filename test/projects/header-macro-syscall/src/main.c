/* Calls through function-like macros of a project header: reported at the caller with its arguments. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include "rawsplice.h"

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
    if (RAW_VMSPLICE(fds[1], &iov, 1, RAW_FLAGS) != 4096) /* verdict: move */
        return 1;
    char *shared = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (shared == MAP_FAILED)
        return 1;
    memset(shared, 'y', 4096);
    struct iovec other = { .iov_base = shared, .iov_len = 4096 };
    if (RAW_VMSPLICE(fds[1], &other, 1, RAW_FLAGS) != 4096) /* verdict: copy */
        return 1;
    return RAW_GIFT(fds[1], &iov) != 4096; /* verdict: unknown */
}
