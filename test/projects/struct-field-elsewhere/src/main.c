/* ch.p is filled in init.c: its write end is known, but matched across files by struct and field, so never a move. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>
#include "channel.h"

int main(void)
{
    struct channel ch;
    channel_init(&ch);
    char *buf = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (buf == MAP_FAILED)
        return 1;
    memset(buf, 'x', 8192);
    struct iovec gift = { .iov_base = buf, .iov_len = 4096 };
    if (vmsplice(ch.p[1], &gift, 1, SPLICE_F_GIFT | SPLICE_F_MOVE) != 4096) /* verdict: unknown */
        return 1;
    struct iovec plain = { .iov_base = buf + 4096, .iov_len = 4096 };
    return vmsplice(ch.p[1], &plain, 1, 0) != 4096; /* verdict: copy */
}
