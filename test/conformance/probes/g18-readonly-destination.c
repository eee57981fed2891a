/*
 * Golden scenario G18 (VMS-DST-RO on the RFC): a read-side vmsplice into a PROT_READ mapping fails with EFAULT on
 * mainline and leaves the buffer in the pipe, where a later read(2) still finds all 4096 bytes. The same holds when
 * the read-only destination already maps the zero page (it was read before).
 */
#include "probe.h"

int main(void) {
  probe_init("g18-readonly-destination");
  int fds[2];
  probe_require(pipe(fds) == 0, "pipe");
  char *p = probe_map_filled(1);
  struct iovec writer = {p, (size_t)P};
  CALL("w", vmsplice(fds[1], &writer, 1, G | M));
  char *q = mmap(NULL, (size_t)P, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  probe_require(q != MAP_FAILED, "mmap PROT_READ");
  struct iovec reader = {q, (size_t)P};
  CALL("r-readonly", vmsplice(fds[0], &reader, 1, M));
  volatile char *zero_mapped = mmap(NULL, (size_t)P, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  probe_require(zero_mapped != MAP_FAILED, "mmap PROT_READ");
  (void)zero_mapped[0];
  reader.iov_base = (char *)zero_mapped;
  CALL("r-readonly-zero-page", vmsplice(fds[0], &reader, 1, M));
  char *buffer = probe_map_destination(1);
  CALL("read-after", read(fds[0], buffer, (size_t)P));
  probe_memory("buf", buffer, P);
  probe_finish();
  return 0;
}
