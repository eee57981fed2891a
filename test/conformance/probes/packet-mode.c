/*
 * Packet-mode pipes (pipe2 with O_DIRECT, spec section 3.7): write(2) makes one packet per call, read(2) discards
 * the unread rest of a packet, but a read-side vmsplice ignores packet boundaries and merges packets into one
 * iovec. Buffers queued by vmsplice are never packets on 6.x, so a short read(2) of them keeps the rest.
 */
#include "probe.h"

int main(void) {
  probe_init("packet-mode");
  int fds[2];
  probe_require(pipe2(fds, O_DIRECT) == 0, "pipe2 O_DIRECT");
  char *bytes = probe_map(1);
  memset(bytes, 'A', 100);
  memset(bytes + 100, 'B', 100);
  memset(bytes + 200, 'C', 100);
  memset(bytes + 300, 'D', 100);
  CALL("write-a", write(fds[1], bytes, 100));
  CALL("write-b", write(fds[1], bytes + 100, 100));
  char *q = probe_map_destination(1);
  struct iovec reader = {q, (size_t)P};
  CALL("r-merged", vmsplice(fds[0], &reader, 1, 0));
  CALL("write-c", write(fds[1], bytes + 200, 100));
  char *buffers = probe_map_destination(4);
  CALL("read-c-short", read(fds[0], buffers, 50));
  CALL("write-d", write(fds[1], bytes + 300, 100));
  CALL("read-d", read(fds[0], buffers + P, (size_t)P));
  char *p = probe_map_filled(1);
  struct iovec writer = {p, (size_t)P};
  CALL("w", vmsplice(fds[1], &writer, 1, 0));
  CALL("read-w-short", read(fds[0], buffers + 2 * P, 50));
  CALL("read-w-rest", read(fds[0], buffers + 3 * P, (size_t)P));
  probe_memory("q", q, P);
  probe_memory("buffers", buffers, 4 * P);
  probe_finish();
  return 0;
}
