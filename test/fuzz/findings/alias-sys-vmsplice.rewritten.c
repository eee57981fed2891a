#define ALIAS_1 SYS_vmsplice
/*
 * Fuzzer finding (npm run fuzz), minimal reproducer written for this repository.
 * Class syscall-number-by-spelling. Rewrite: ALIAS_1 defined as SYS_vmsplice and used in syscall().
 * Today: the call is not found at all (1 call -> 0 calls).
 */
#define _GNU_SOURCE
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

long send_page(int fds[2], struct iovec *iov)
{
    return syscall(ALIAS_1, fds[1], iov, 1, SPLICE_F_GIFT);
}
