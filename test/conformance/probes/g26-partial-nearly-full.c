/*
 * Golden scenario G26 (VMS-PARTIAL): with 14 of 16 slots taken by write(2), a vmsplice of four one-page iovecs
 * queues two pages, returns 8192 and does not wait. The reader then sees the 14 written pages and pages 0-1 of p.
 */
#include "probe.h"

int main(void) {
  probe_init("g26-partial-nearly-full");
  int fds[2];
  probe_require(pipe(fds) == 0, "pipe");
  char *filler = probe_map(14);
  memset(filler, 'W', (size_t)(14 * P));
  CALL("fill", write(fds[1], filler, (size_t)(14 * P)));
  char *p = probe_map_filled(4);
  probe_pages("p", p, 4, "before");
  struct iovec writer[4];
  for (int i = 0; i < 4; i++) writer[i] = (struct iovec){p + i * P, (size_t)P};
  CALL("w", vmsplice(fds[1], writer, 4, G | M));
  probe_pages("p", p, 4, "after");
  char *q = probe_map_destination(17);
  CALL("r", read(fds[0], q, (size_t)(17 * P)));
  probe_memory("q", q, 17 * P);
  probe_memory("p", p, 4 * P);
  probe_finish();
  return 0;
}
