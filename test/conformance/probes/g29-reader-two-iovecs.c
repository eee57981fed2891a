/*
 * Golden scenario G29: the pipe holds exactly one page and the write end stays open. A read-side vmsplice with two
 * one-page iovecs returns 4096 at once on 6.x (3.12 would block for the second iovec); with SPLICE_F_NONBLOCK too.
 */
#include "probe.h"

int main(void) {
  probe_init("g29-reader-two-iovecs");
  int fds[2];
  probe_require(pipe(fds) == 0, "pipe");
  char *p = probe_map_filled(2);
  struct iovec writer = {p, (size_t)P};
  char *q = probe_map_destination(4);
  struct iovec reader[2] = {{q, (size_t)P}, {q + P, (size_t)P}};
  struct iovec reader_nonblock[2] = {{q + 2 * P, (size_t)P}, {q + 3 * P, (size_t)P}};
  CALL("w1", vmsplice(fds[1], &writer, 1, 0));
  CALL("r-blocking-flags", vmsplice(fds[0], reader, 2, 0));
  writer.iov_base = p + P;
  CALL("w2", vmsplice(fds[1], &writer, 1, 0));
  CALL("r-nonblock", vmsplice(fds[0], reader_nonblock, 2, N));
  probe_memory("q", q, 4 * P);
  probe_finish();
  return 0;
}
