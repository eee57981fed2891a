/* send_page() is called here with a gift; plain.c calls it through a macro of plain.h (which this file does not include) with no flags. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>
#include "../include/sender.h"

int send_page(int fd, unsigned int flags)
{
    char *buf = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (buf == MAP_FAILED)
        return -1;
    memset(buf, 'x', 4096);
    struct iovec iov = { .iov_base = buf, .iov_len = 4096 };
    return vmsplice(fd, &iov, 1, flags) == 4096; /* verdict: unknown */
}

int main(void)
{
    int fds[2];
    if (pipe(fds) < 0)
        return 1;
    return !send_page(fds[1], SPLICE_F_GIFT | SPLICE_F_MOVE);
}
