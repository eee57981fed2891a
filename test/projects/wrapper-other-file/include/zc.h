/* Prototypes of the zero-copy helpers defined in src/zc.c. */
#include <sys/types.h>
#include <sys/uio.h>
ssize_t zc_gift(int fd, const struct iovec *iov, unsigned long count, unsigned int flags);
ssize_t zc_gift_fixed(int fd, const struct iovec *iov, unsigned long count);
