/*
 * Source and destination address checks on mainline: a PROT_NONE source page and a NULL iovec base fail with EFAULT
 * (GUP cannot read them), a written page made read-only with mprotect is queued as usual (vmsplice only reads it),
 * and a NULL destination fails with EFAULT and leaves the data in the pipe.
 */
#include "probe.h"

int main(void) {
  probe_init("source-permissions");
  int fds[2];
  probe_require(pipe(fds) == 0, "pipe");
  char *none = mmap(NULL, (size_t)P, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  probe_require(none != MAP_FAILED, "mmap PROT_NONE");
  struct iovec source = {none, (size_t)P};
  CALL("w-prot-none", vmsplice(fds[1], &source, 1, 0));
  char *readonly = probe_map_filled(1);
  probe_require(mprotect(readonly, (size_t)P, PROT_READ) == 0, "mprotect PROT_READ");
  source.iov_base = readonly;
  CALL("w-readonly", vmsplice(fds[1], &source, 1, 0));
  source.iov_base = NULL;
  CALL("w-null", vmsplice(fds[1], &source, 1, 0));
  struct iovec reader = {NULL, (size_t)P};
  CALL("r-null", vmsplice(fds[0], &reader, 1, 0));
  char *q = probe_map_destination(1);
  reader.iov_base = q;
  CALL("r", vmsplice(fds[0], &reader, 1, 0));
  probe_memory("q", q, P);
  probe_finish();
  return 0;
}
