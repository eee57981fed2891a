/*
 * Default pipe capacity is 16 slots, not 64 KiB: one vmsplice of 20 one-page iovecs queues 16 pages, and on a fresh
 * pipe 20 iovecs of 100 bytes queue only 16 short buffers (1600 bytes), because a short buffer takes a whole slot.
 * With 32 slots, one 20-page iovec is queued whole although 6.x pins at most 16 pages per batch.
 */
#include "probe.h"

int main(void) {
  probe_init("capacity-16-slots");
  int fds[2], short_fds[2];
  probe_require(pipe(fds) == 0 && pipe(short_fds) == 0, "pipe");
  CALL("size", fcntl(fds[1], F_GETPIPE_SZ));
  char *p = probe_map_filled(20);
  struct iovec pages[20], shorts[20];
  for (int i = 0; i < 20; i++) pages[i] = (struct iovec){p + i * P, (size_t)P};
  for (int i = 0; i < 20; i++) shorts[i] = (struct iovec){p + i * P, 100};
  CALL("w-pages", vmsplice(fds[1], pages, 20, 0));
  CALL("w-more", vmsplice(fds[1], pages, 1, N));
  CALL("w-shorts", vmsplice(short_fds[1], shorts, 20, 0));
  char *q = probe_map_destination(20);
  struct iovec reader = {q, (size_t)(20 * P)};
  CALL("r-pages", vmsplice(fds[0], &reader, 1, N));
  probe_memory("q", q, 20 * P);
  int wide[2];
  probe_require(pipe(wide) == 0, "pipe");
  CALL("set-32-slots", fcntl(wide[1], F_SETPIPE_SZ, (int)(32 * P)));
  struct iovec whole = {p, (size_t)(20 * P)};
  CALL("w-20-pages", vmsplice(wide[1], &whole, 1, 0));
  probe_finish();
  return 0;
}
