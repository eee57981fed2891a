/*
 * Golden scenario G01 on the real kernel: a writer gifts four written pages (G|M, one iovec per page) and a reader
 * asks for a move into four written pages. Mainline copies: the reader's frames keep their own PFNs, the writer's
 * frames stay mapped and intact. Writer and reader are the same process; mainline does not distinguish them.
 */
#include "probe.h"

int main(void) {
  probe_init("g01-read-side-copies");
  int fds[2];
  probe_require(pipe(fds) == 0, "pipe");
  char *p = probe_map_filled(4);
  char *q = probe_map_destination(4);
  probe_pages("p", p, 4, "before");
  probe_pages("q", q, 4, "before");
  struct iovec writer[4];
  for (int i = 0; i < 4; i++) writer[i] = (struct iovec){p + i * P, (size_t)P};
  CALL("w", vmsplice(fds[1], writer, 4, G | M));
  struct iovec reader = {q, (size_t)(4 * P)};
  CALL("r", vmsplice(fds[0], &reader, 1, M));
  probe_pages("p", p, 4, "after");
  probe_pages("q", q, 4, "after");
  probe_memory("p", p, 4 * P);
  probe_memory("q", q, 4 * P);
  probe_finish();
  return 0;
}
