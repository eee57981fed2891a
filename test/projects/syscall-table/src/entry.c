/*
 * Calls through the table's entry points. sys_vmsplice is the analyzer's built-in stub (the row is evidence);
 * compat_sys_vmsplice is vmsplice only by the table's row, an assumption: never a move on its word alone.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "../include/entry.h"

int main(void)
{
    int fds[2];
    if (pipe(fds) < 0)
        return 1;
    char *buf = mmap(NULL, 8192, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (buf == MAP_FAILED)
        return 1;
    memset(buf, 'x', 8192);
    struct iovec first = { .iov_base = buf, .iov_len = 4096 };
    if (sys_vmsplice(fds[1], &first, 1, SPLICE_F_GIFT) != 4096) /* verdict: move */
        return 1;
    struct iovec second = { .iov_base = buf + 4096, .iov_len = 4096 };
    if (compat_sys_vmsplice(fds[1], &second, 1, SPLICE_F_GIFT) != 4096) /* verdict: unknown */
        return 1;
    if (compat_sys_vmsplice(fds[1], &second, 1, 0) != 4096) /* verdict: copy */
        return 1;
    return x32_sys_vmsplice(fds[1], &second, 1, SPLICE_F_GIFT) != 4096;
}
