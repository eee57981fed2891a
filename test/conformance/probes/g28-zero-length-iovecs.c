/*
 * Golden scenario G28 (VMS-ZERO-LEN-IOV): 6.x skips zero-length iovecs on both sides instead of stopping there as
 * 3.12 did: a leading, a middle and a trailing empty iovec are all skipped.
 */
#include "probe.h"

int main(void) {
  probe_init("g28-zero-length-iovecs");
  int fds[2];
  probe_require(pipe(fds) == 0, "pipe");
  char *p = probe_map_filled(2);
  struct iovec leading[2] = {{p, 0}, {p, (size_t)P}};
  struct iovec middle[3] = {{p, (size_t)P}, {p, 0}, {p + P, (size_t)P}};
  CALL("w-leading", vmsplice(fds[1], leading, 2, 0));
  CALL("w-middle", vmsplice(fds[1], middle, 3, 0));
  char *q = probe_map_destination(3);
  struct iovec reader[4] = {{q, 0}, {q, (size_t)P}, {q + P, 0}, {q + P, (size_t)(2 * P)}};
  CALL("r", vmsplice(fds[0], reader, 4, 0));
  probe_memory("q", q, 3 * P);
  probe_finish();
  return 0;
}
