/*
 * Golden scenario G09 (VMS-DST-SHORT on the RFC): a gifted page is read first with a 100-byte iovec, then with a
 * whole page. Mainline copies 100 bytes (the rest of q keeps 0xEE), leaves the remaining 3996 bytes in the pipe, and
 * the second call copies those into the start of r.
 */
#include "probe.h"

int main(void) {
  probe_init("g09-short-reader");
  int fds[2];
  probe_require(pipe(fds) == 0, "pipe");
  char *p = probe_map_filled(1);
  for (int i = 0; i < 100; i++) p[i] = (char)0x50;
  struct iovec writer = {p, (size_t)P};
  CALL("w", vmsplice(fds[1], &writer, 1, G | M));
  char *q = probe_map_destination(1), *r = probe_map_destination(1);
  struct iovec first = {q, 100}, second = {r, (size_t)P};
  CALL("r-100", vmsplice(fds[0], &first, 1, M));
  CALL("r-rest", vmsplice(fds[0], &second, 1, M));
  probe_memory("q", q, P);
  probe_memory("r", r, P);
  probe_finish();
  return 0;
}
