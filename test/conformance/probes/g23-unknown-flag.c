/*
 * Golden scenario G23 (VMS-FLAGS-UNKNOWN): on 6.x an unknown flag bit (0x10) fails with EINVAL, even before the
 * descriptor is looked at; the four known flags together are accepted.
 */
#include "probe.h"

int main(void) {
  probe_init("g23-unknown-flag");
  int fds[2];
  probe_require(pipe(fds) == 0, "pipe");
  char *p = probe_map_filled(1);
  struct iovec page = {p, (size_t)P};
  CALL("w-0x10", vmsplice(fds[1], &page, 1, 0x10));
  CALL("badfd-0x10", vmsplice(-1, &page, 1, 0x10));
  CALL("w-all-known", vmsplice(fds[1], &page, 1, 0xF));
  probe_finish();
  return 0;
}
