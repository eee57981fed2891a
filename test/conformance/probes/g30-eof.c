/*
 * Golden scenario G30: reading an empty pipe whose write ends are all closed returns 0 (end of file); after the last
 * buffered bytes have been read the next read returns 0 as well. End of file wins over "would block": with
 * SPLICE_F_NONBLOCK, and with read(2) on an O_NONBLOCK pipe, the result is 0, not EAGAIN.
 */
#include "probe.h"

int main(void) {
  probe_init("g30-eof");
  int fds[2], drained[2];
  probe_require(pipe(fds) == 0 && pipe(drained) == 0, "pipe");
  close(fds[1]);
  char *q = probe_map_destination(2);
  struct iovec reader = {q, (size_t)P};
  CALL("r-eof", vmsplice(fds[0], &reader, 1, 0));
  char *p = probe_map_filled(1);
  struct iovec writer = {p, 100};
  CALL("w", vmsplice(drained[1], &writer, 1, 0));
  close(drained[1]);
  struct iovec both = {q, (size_t)(2 * P)};
  CALL("r-rest", vmsplice(drained[0], &both, 1, 0));
  CALL("r-after", vmsplice(drained[0], &both, 1, 0));
  CALL("r-eof-nonblock", vmsplice(fds[0], &reader, 1, N));
  int nonblocking[2];
  probe_require(pipe2(nonblocking, O_NONBLOCK) == 0, "pipe2");
  close(nonblocking[1]);
  CALL("read-eof-o-nonblock", read(nonblocking[0], q, (size_t)P));
  probe_memory("q", q, 2 * P);
  probe_finish();
  return 0;
}
