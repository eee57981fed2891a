/* Thin wrappers over vmsplice: their callers are in other files, so their own lines are not decided here. */
#define _GNU_SOURCE
#include <fcntl.h>
#include "../include/zc.h"

ssize_t zc_gift(int fd, const struct iovec *iov, unsigned long count, unsigned int flags)
{
    return vmsplice(fd, iov, count, flags); /* verdict: unknown */
}

ssize_t zc_gift_fixed(int fd, const struct iovec *iov, unsigned long count)
{
    return vmsplice(fd, iov, count, SPLICE_F_GIFT | SPLICE_F_MOVE); /* verdict: unknown */
}
