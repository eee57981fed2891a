/*
 * The pipe holds its own references: after two pages are queued, MADV_DONTNEED on the first and munmap of the
 * second take them away from the writer (it now reads zeros, and the first page is absent), but the reader still
 * receives the original bytes of both.
 */
#include "probe.h"

int main(void) {
  probe_init("unmap-after-queue");
  int fds[2];
  probe_require(pipe(fds) == 0, "pipe");
  char *p = probe_map_filled(2);
  struct iovec writer[2] = {{p, (size_t)P}, {p + P, (size_t)P}};
  CALL("w", vmsplice(fds[1], writer, 2, 0));
  probe_pages("p", p, 1, "queued");
  probe_require(madvise(p, (size_t)P, MADV_DONTNEED) == 0, "madvise MADV_DONTNEED");
  probe_require(munmap(p + P, (size_t)P) == 0, "munmap");
  probe_pages("p", p, 1, "dropped");
  probe_memory("p", p, P);
  char *q = probe_map_destination(2);
  CALL("r", read(fds[0], q, (size_t)(2 * P)));
  probe_memory("q", q, 2 * P);
  probe_finish();
  return 0;
}
