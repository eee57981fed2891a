/* Entry points generated from arch/x86/syscalls/syscall_64.tbl: declared here, defined by no C file of the project. */
#include <sys/types.h>
#include <sys/uio.h>

long sys_vmsplice(int fd, const struct iovec *iov, unsigned long nr_segs, unsigned int flags);
long compat_sys_vmsplice(int fd, const struct iovec *iov, unsigned long nr_segs, unsigned int flags);
/* A look-alike no table row names: not vmsplice, never reported. */
long x32_sys_vmsplice(int fd, const struct iovec *iov, unsigned long nr_segs, unsigned int flags);
