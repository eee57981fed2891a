/*
 * Golden scenario G10 (VMS-ALIGN-DST on the RFC): two gifted pages are read into q+100. Mainline copies byte for
 * byte: (q+100)[i] = src[i], the first 100 bytes of q and the last 3996 bytes of the third page keep 0xEE.
 */
#include "probe.h"

int main(void) {
  probe_init("g10-unaligned-destination");
  int fds[2];
  probe_require(pipe(fds) == 0, "pipe");
  char *p = probe_map_filled(2);
  struct iovec writer[2] = {{p, (size_t)P}, {p + P, (size_t)P}};
  CALL("w", vmsplice(fds[1], writer, 2, G | M));
  char *q = probe_map_destination(3);
  struct iovec reader = {q + 100, (size_t)(2 * P)};
  CALL("r", vmsplice(fds[0], &reader, 1, M));
  probe_memory("q", q, 3 * P);
  probe_pages("p", p, 2, "after");
  probe_finish();
  return 0;
}
