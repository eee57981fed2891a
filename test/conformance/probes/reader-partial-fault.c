/*
 * A read-side vmsplice whose destination runs into an unmapped page: the first queued page is copied, the copy of
 * the second faults, and the call returns 4096 instead of EFAULT; the second buffer stays in the pipe. The same
 * happens when the second of two reader iovecs has a NULL base.
 */
#include "probe.h"

int main(void) {
  probe_init("reader-partial-fault");
  int fds[2];
  probe_require(pipe(fds) == 0, "pipe");
  char *p = probe_map_filled(2);
  struct iovec writer[2] = {{p, (size_t)P}, {p + P, (size_t)P}};
  CALL("w", vmsplice(fds[1], writer, 2, 0));
  char *region = probe_map_destination(2);
  probe_require(munmap(region + P, (size_t)P) == 0, "munmap second page");
  struct iovec reader = {region, (size_t)(2 * P)};
  CALL("r", vmsplice(fds[0], &reader, 1, 0));
  char *buffer = probe_map_destination(1);
  CALL("read-rest", read(fds[0], buffer, (size_t)P));
  CALL("w-again", vmsplice(fds[1], writer, 2, 0));
  char *s = probe_map_destination(1);
  struct iovec null_second[2] = {{s, (size_t)P}, {NULL, (size_t)P}};
  CALL("r-null-second", vmsplice(fds[0], null_second, 2, 0));
  CALL("read-after-null", read(fds[0], buffer, (size_t)P));
  probe_memory("s", s, P);
  probe_memory("region", region, P);
  probe_memory("buf", buffer, P);
  probe_finish();
  return 0;
}
