/*
 * Golden scenario G19 (VMS-DST-HOLE on the RFC): the destination is a page that was just unmapped, with a mapping
 * directly above it. Mainline fails with EFAULT and the gifted page stays in the pipe.
 */
#include "probe.h"

int main(void) {
  probe_init("g19-hole-destination");
  int fds[2];
  probe_require(pipe(fds) == 0, "pipe");
  char *p = probe_map_filled(1);
  struct iovec writer = {p, (size_t)P};
  CALL("w", vmsplice(fds[1], &writer, 1, G | M));
  char *region = probe_map_destination(2);
  probe_require(munmap(region, (size_t)P) == 0, "munmap hole");
  struct iovec reader = {region, (size_t)P};
  CALL("r-hole", vmsplice(fds[0], &reader, 1, M));
  CALL("read-after", read(fds[0], region + P, (size_t)P));
  probe_memory("above", region + P, P);
  probe_finish();
  return 0;
}
