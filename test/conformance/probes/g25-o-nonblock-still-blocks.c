/*
 * Golden scenarios G25 (second call) and G24 (note), VMS-NONBLOCK-FD: O_NONBLOCK on the pipe, from pipe2 or from
 * F_SETFL, does not make vmsplice nonblocking. Without SPLICE_F_NONBLOCK a write into a full pipe and a read from an
 * empty pipe both sleep; the probe's timer interrupts them and they are reported as blocked.
 */
#include "probe.h"

int main(void) {
  probe_init("g25-o-nonblock-still-blocks");
  int full[2], empty[2], set[2], plain[2];
  probe_require(pipe2(full, O_NONBLOCK) == 0 && pipe2(empty, O_NONBLOCK) == 0, "pipe2");
  probe_require(pipe(set) == 0 && pipe(plain) == 0, "pipe");
  probe_require(fcntl(set[0], F_SETFL, O_NONBLOCK) == 0 && fcntl(set[1], F_SETFL, O_NONBLOCK) == 0, "F_SETFL");
  probe_fill_pipe("fill-pipe2", full[1], 'F');
  probe_fill_pipe("fill-setfl", set[1], 'F');
  char *p = probe_map_filled(1);
  char *q = probe_map_destination(1);
  struct iovec writer = {p, (size_t)P}, reader = {q, (size_t)P};
  CALL("w-full-pipe2", vmsplice(full[1], &writer, 1, 0));
  CALL("w-full-setfl", vmsplice(set[1], &writer, 1, 0));
  CALL("r-empty-pipe2", vmsplice(empty[0], &reader, 1, 0));
  CALL("r-empty-plain", vmsplice(plain[0], &reader, 1, 0));
  CALL("read-empty-pipe2", read(empty[0], q, (size_t)P));
  probe_memory("q", q, P);
  probe_finish();
  return 0;
}
