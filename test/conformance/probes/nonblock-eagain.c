/*
 * SPLICE_F_NONBLOCK both ways (G24 first call, G25 first call): reading an empty pipe and writing a full one return
 * EAGAIN at once. With one slot free, a two-page call under SPLICE_F_NONBLOCK queues one page and returns 4096.
 */
#include "probe.h"

int main(void) {
  probe_init("nonblock-eagain");
  int fds[2];
  probe_require(pipe(fds) == 0, "pipe");
  char *q = probe_map_destination(1);
  struct iovec reader = {q, (size_t)P};
  CALL("r-empty", vmsplice(fds[0], &reader, 1, N));
  probe_fill_pipe("fill", fds[1], 'F');
  char *p = probe_map_filled(1);
  struct iovec writer = {p, (size_t)P};
  CALL("w-full", vmsplice(fds[1], &writer, 1, N));
  CALL("w-full-gift", vmsplice(fds[1], &writer, 1, N | G | M));
  int partial[2];
  probe_require(pipe(partial) == 0, "pipe");
  char *filler = probe_map(15);
  memset(filler, 'W', (size_t)(15 * P));
  CALL("fill-15", write(partial[1], filler, (size_t)(15 * P)));
  char *two = probe_map_filled(2);
  struct iovec pages[2] = {{two, (size_t)P}, {two + P, (size_t)P}};
  CALL("w-one-free", vmsplice(partial[1], pages, 2, N));
  probe_memory("q", q, P);
  probe_finish();
  return 0;
}
