/* splice_flags starts as a gift, but parse_options() in options.c may clear it: the verdict depends on the run. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>
#include "options.h"

unsigned int splice_flags = SPLICE_F_GIFT | SPLICE_F_MOVE;

int main(int argc, char **argv)
{
    int fds[2];
    if (pipe(fds) < 0)
        return 1;
    parse_options(argc, argv);
    char *buf = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (buf == MAP_FAILED)
        return 1;
    memset(buf, 'x', 4096);
    struct iovec iov = { .iov_base = buf, .iov_len = 4096 };
    return vmsplice(fds[1], &iov, 1, splice_flags) != 4096; /* verdict: unknown */
}
