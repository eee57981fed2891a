/*
 * write(2) merges small writes into the last pipe page (6.x CAN_MERGE), but never into a page queued by vmsplice:
 * that page is the writer's own memory. The probe writes 100 bytes, queues one page, writes 100 more, and counts the
 * free slots by filling the rest with one-page iovecs under SPLICE_F_NONBLOCK (three slots used: 13 remain). The
 * source page must be unchanged and the reader must see the three pieces in order.
 */
#include "probe.h"

int main(void) {
  probe_init("write-merge");
  int fds[2];
  probe_require(pipe(fds) == 0, "pipe");
  char *scratch = probe_map(1);
  memset(scratch, 'A', 100);
  memset(scratch + 100, 'B', 100);
  memset(scratch + 200, 'C', 100);
  CALL("write-a", write(fds[1], scratch, 100));
  CALL("write-b", write(fds[1], scratch + 100, 100));
  char *p = probe_map_filled(1);
  struct iovec writer = {p, (size_t)P};
  CALL("w", vmsplice(fds[1], &writer, 1, 0));
  CALL("write-c", write(fds[1], scratch + 200, 100));
  char *filler = probe_map_filled(16);
  struct iovec fill[16];
  for (int i = 0; i < 16; i++) fill[i] = (struct iovec){filler + i * P, (size_t)P};
  CALL("fill", vmsplice(fds[1], fill, 16, N));
  char *q = probe_map_destination(2);
  CALL("r", read(fds[0], q, (size_t)(2 * P)));
  probe_memory("p", p, P);
  probe_memory("q", q, 2 * P);
  probe_finish();
  return 0;
}
