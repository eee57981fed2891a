/*
 * The helpers are declared in the project's header and defined nowhere the analyzer reads: fill_page() may leave the
 * page untouched, unmap or drop it, and start_worker() may fork. Neither is taken as harmless: unknown, naming them.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>
#include "../include/helpers.h"

int send_filled(int fd)
{
    char *buf = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (buf == MAP_FAILED)
        return -1;
    fill_page(buf, 4096);
    struct iovec iov = { .iov_base = buf, .iov_len = 4096 };
    return vmsplice(fd, &iov, 1, SPLICE_F_GIFT | SPLICE_F_MOVE) == 4096; /* verdict: unknown */
}

int send_after_worker(int fd)
{
    char *buf = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (buf == MAP_FAILED)
        return -1;
    memset(buf, 'x', 4096);
    start_worker();
    struct iovec iov = { .iov_base = buf, .iov_len = 4096 };
    return vmsplice(fd, &iov, 1, SPLICE_F_GIFT | SPLICE_F_MOVE) == 4096; /* verdict: unknown */
}

int main(void)
{
    int fds[2];
    if (pipe(fds) < 0)
        return 1;
    return send_filled(fds[1]) + send_after_worker(fds[1]);
}
