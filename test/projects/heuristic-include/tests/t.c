/* wrap.h is found only heuristically: a move that depends on it is unknown; a copy stays a copy. */
#define _GNU_SOURCE
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>
#include "wrap.h"

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
    if (vmsplice(fds[1], &iov, 1, WRAP_FLAGS) != 4096) /* verdict: unknown */
        return 1;
    int plain[2];
    if (pipe(plain) < 0)
        return 1;
    return vmsplice(plain[1], &iov, 1, NO_FLAGS) != 4096; /* verdict: copy */
}
