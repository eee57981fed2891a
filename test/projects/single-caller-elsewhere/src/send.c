/*
 * Each sender is called from exactly one other file. send_page() gets the pipe's write end and a gift from main.c,
 * which is read with this file as one unit. send_plain() gets its flags from a parameter of its caller in relay.c,
 * which is called from nowhere in the project, so they stay unknown. send_shared() is called from clash.c, which
 * defines a static setup() of its own as this file does: the two are not read as one unit.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>
#include "../include/send.h"

static char *setup(void)
{
    char *buf = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (buf == MAP_FAILED)
        return NULL;
    memset(buf, 'x', 4096);
    return buf;
}

int send_page(int fd, unsigned int flags)
{
    char *buf = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (buf == MAP_FAILED)
        return -1;
    memset(buf, 'x', 4096);
    struct iovec iov = { .iov_base = buf, .iov_len = 4096 };
    return vmsplice(fd, &iov, 1, flags) == 4096; /* verdict: move */
}

int send_plain(int fd, unsigned int flags)
{
    char *buf = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (buf == MAP_FAILED)
        return -1;
    memset(buf, 'x', 4096);
    struct iovec iov = { .iov_base = buf, .iov_len = 4096 };
    return vmsplice(fd, &iov, 1, flags) == 4096; /* verdict: unknown */
}

int send_shared(int fd, unsigned int flags)
{
    char *buf = setup();
    if (!buf)
        return -1;
    struct iovec iov = { .iov_base = buf, .iov_len = 4096 };
    return vmsplice(fd, &iov, 1, flags) == 4096; /* verdict: unknown */
}
