/*
 * Golden scenario G32 (VMS-RFC-STALE-GIFT on the RFC): F_SETPIPE_SZ(P) leaves a single slot. A gifted page is read,
 * then a MOVE-only page reuses the slot; mainline clears slot flags, copies both, and both writers stay intact.
 */
#include "probe.h"

int main(void) {
  probe_init("g32-one-slot-pipe");
  int fds[2];
  probe_require(pipe(fds) == 0, "pipe");
  CALL("set-size", fcntl(fds[1], F_SETPIPE_SZ, (int)P));
  char *p1 = probe_map_filled(1), *p2 = probe_map(1);
  memset(p2, 0x21, (size_t)P);
  probe_pages("p1", p1, 1, "before");
  probe_pages("p2", p2, 1, "before");
  struct iovec writer = {p1, (size_t)P};
  CALL("w1", vmsplice(fds[1], &writer, 1, G | M));
  CALL("w1-full", vmsplice(fds[1], &writer, 1, N));
  char *q1 = probe_map_destination(1), *q2 = probe_map_destination(1);
  struct iovec reader = {q1, (size_t)P};
  CALL("r1", vmsplice(fds[0], &reader, 1, 0));
  writer.iov_base = p2;
  CALL("w2", vmsplice(fds[1], &writer, 1, M));
  reader.iov_base = q2;
  CALL("r2", vmsplice(fds[0], &reader, 1, M));
  probe_pages("p1", p1, 1, "after");
  probe_pages("p2", p2, 1, "after");
  probe_pages("q1", q1, 1, "after");
  probe_pages("q2", q2, 1, "after");
  probe_memory("q1", q1, P);
  probe_memory("q2", q2, P);
  probe_memory("p1", p1, P);
  probe_memory("p2", p2, P);
  probe_finish();
  return 0;
}
