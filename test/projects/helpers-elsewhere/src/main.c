/*
 * Each sender maps a page, hands it to a helper of helpers.c, and gifts it: the helper's body, read with this file,
 * decides the verdict. fill_if_large() writes on some paths only, and its condition is not followed: unknown.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>
#include "../include/helpers.h"

static char *map_page(void)
{
    char *p = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    return p;
}

int send_filled(int fd)
{
    char *buf = map_page();
    if (!buf)
        return -1;
    fill_page(buf, 4096);
    struct iovec iov = { .iov_base = buf, .iov_len = 4096 };
    return vmsplice(fd, &iov, 1, SPLICE_F_GIFT | SPLICE_F_MOVE) == 4096; /* verdict: move */
}

int send_maybe_filled(int fd)
{
    char *buf = map_page();
    if (!buf)
        return -1;
    fill_if_large(buf, 4096);
    struct iovec iov = { .iov_base = buf, .iov_len = 4096 };
    return vmsplice(fd, &iov, 1, SPLICE_F_GIFT | SPLICE_F_MOVE) == 4096; /* verdict: unknown */
}

int send_retired(int fd)
{
    char *buf = map_page();
    if (!buf)
        return -1;
    memset(buf, 'x', 4096);
    retire(buf, 4096);
    struct iovec iov = { .iov_base = buf, .iov_len = 4096 };
    return vmsplice(fd, &iov, 1, SPLICE_F_GIFT | SPLICE_F_MOVE) == 4096; /* verdict: unknown */
}

int send_after_worker(int fd)
{
    char *buf = map_page();
    if (!buf)
        return -1;
    memset(buf, 'x', 4096);
    start_worker();
    struct iovec iov = { .iov_base = buf, .iov_len = 4096 };
    return vmsplice(fd, &iov, 1, SPLICE_F_GIFT | SPLICE_F_MOVE) == 4096; /* verdict: copy */
}

int main(void)
{
    int fds[2];
    if (pipe(fds) < 0)
        return 1;
    return send_filled(fds[1]) + send_maybe_filled(fds[1]) + send_retired(fds[1]) + send_after_worker(fds[1]);
}
