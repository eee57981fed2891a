/* send_page() is called from gift.c with a gift and from plain.c with flags 0: two callers in two other files. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>
#include "send.h"

int send_page(int fd, unsigned int flags)
{
    char *buf = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (buf == MAP_FAILED)
        return -1;
    memset(buf, 'x', 4096);
    struct iovec iov = { .iov_base = buf, .iov_len = 4096 };
    return vmsplice(fd, &iov, 1, flags) == 4096; /* verdict: unknown */
}
