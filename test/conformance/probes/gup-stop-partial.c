/*
 * VMS-PARTIAL through a GUP stop: a three-page iovec whose third page has been unmapped queues the two mapped pages
 * and returns 8192; an iovec starting in the hole fails with EFAULT. With three iovecs whose middle one points into
 * the hole, the first page is queued and the call returns 4096: the third iovec is never reached.
 */
#include "probe.h"

int main(void) {
  probe_init("gup-stop-partial");
  int fds[2];
  probe_require(pipe(fds) == 0, "pipe");
  char *p = probe_map_filled(3);
  probe_require(munmap(p + 2 * P, (size_t)P) == 0, "munmap third page");
  struct iovec writer = {p, (size_t)(3 * P)};
  CALL("w", vmsplice(fds[1], &writer, 1, 0));
  struct iovec hole = {p + 2 * P, (size_t)P};
  CALL("w-hole", vmsplice(fds[1], &hole, 1, 0));
  char *q = probe_map_destination(3);
  struct iovec reader = {q, (size_t)(3 * P)};
  CALL("r", vmsplice(fds[0], &reader, 1, N));
  probe_memory("q", q, 3 * P);
  int middle[2];
  probe_require(pipe(middle) == 0, "pipe");
  struct iovec three[3] = {{p, (size_t)P}, {p + 2 * P, (size_t)P}, {p + P, (size_t)P}};
  CALL("w-middle-hole", vmsplice(middle[1], three, 3, 0));
  char *r = probe_map_destination(2);
  struct iovec rest = {r, (size_t)(2 * P)};
  CALL("r-middle", vmsplice(middle[0], &rest, 1, N));
  probe_memory("r", r, 2 * P);
  probe_finish();
  return 0;
}
