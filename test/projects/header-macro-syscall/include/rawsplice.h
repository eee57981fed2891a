/* Function-like macros around the raw system call, as projects without a libc wrapper write them. */
#ifndef RAWSPLICE_H
#define RAWSPLICE_H
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>
#define RAW_VMSPLICE(fd, iov, nr, flags) syscall(__NR_vmsplice, (fd), (iov), (nr), (flags))
/* The flags are fixed inside the macro: not followed into its body, so the call's verdict stays unknown. */
#define RAW_GIFT(fd, iov) syscall(__NR_vmsplice, (fd), (iov), 1, 0xa)
#define RAW_FLAGS (SPLICE_F_GIFT | SPLICE_F_MOVE)
#endif
