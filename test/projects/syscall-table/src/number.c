/*
 * syscall() with a bare number: 278 is vmsplice in every row of the project's tables, and no other syscall's, so it
 * is reported, with the rows as an assumption (the build may target an ABI the tables do not list). 275 is splice.
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

#define VMS_NR 278

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
    if (syscall(278, fds[1], &iov, 1, SPLICE_F_GIFT) != 4096) /* verdict: unknown */
        return 1;
    if (syscall(VMS_NR, fds[1], &iov, 1, 0) != 4096) /* verdict: copy */
        return 1;
    return syscall(275, fds[0], NULL, fds[1], NULL, 4096, 0) < 0;
}
