/*
 * Golden scenarios G15 and G13 (VMS-ALIAS-ZEROPAGE, VMS-ZERO-PAGE): vmsplice of a never-written private anonymous
 * page pins the shared zero page, so a fill after the call gets a fresh frame and the reader still receives zeros.
 */
#include "probe.h"

int main(void) {
  probe_init("g15-untouched-delivers-zeros");
  int fds[2];
  probe_require(pipe(fds) == 0, "pipe");
  probe_zero_page();
  char *p = probe_map(1);
  probe_pages("p", p, 1, "before");
  struct iovec writer = {p, (size_t)P};
  CALL("w", vmsplice(fds[1], &writer, 1, 0));
  probe_pages("p", p, 1, "queued");
  memset(p, 'B', (size_t)P);
  probe_pages("p", p, 1, "filled");
  char *buffer = probe_map_destination(1);
  CALL("r", read(fds[0], buffer, (size_t)P));
  probe_memory("buf", buffer, P);
  probe_memory("p", p, P);
  probe_finish();
  return 0;
}
