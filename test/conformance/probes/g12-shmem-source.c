/*
 * Golden scenario G12 (VMS-SHMEM on the RFC): gifting a MAP_SHARED|MAP_ANONYMOUS page on mainline queues it by
 * reference; the reader gets a copy and the writer keeps its shmem frame.
 */
#include "probe.h"

int main(void) {
  probe_init("g12-shmem-source");
  int fds[2];
  probe_require(pipe(fds) == 0, "pipe");
  char *p = mmap(NULL, (size_t)P, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  probe_require(p != MAP_FAILED, "mmap shared anonymous");
  memset(p, 0x10, (size_t)P);
  probe_pages("p", p, 1, "before");
  struct iovec writer = {p, (size_t)P};
  CALL("w", vmsplice(fds[1], &writer, 1, G | M));
  char *q = probe_map_destination(1);
  struct iovec reader = {q, (size_t)P};
  CALL("r", vmsplice(fds[0], &reader, 1, M));
  probe_pages("p", p, 1, "after");
  probe_pages("q", q, 1, "after");
  probe_memory("p", p, P);
  probe_memory("q", q, P);
  probe_finish();
  return 0;
}
