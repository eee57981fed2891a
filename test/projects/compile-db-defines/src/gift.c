/* Built with -DHAVE_GIFT: SEND_FLAGS is the gift. */
#define _GNU_SOURCE
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>
#include "config.h"

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
    return vmsplice(fds[1], &iov, 1, SEND_FLAGS) != 4096; /* verdict: move */
}
