/*
 * splice(2) and tee(2) between pipes (spec section 3.7): a partial splice of a gifted page moves 100 bytes into the
 * second pipe and leaves 3996 in the first; on empty pipes both fail with EAGAIN under SPLICE_F_NONBLOCK.
 */
#include "probe.h"

int main(void) {
  probe_init("pipe-to-pipe-partial");
  int a[2], b[2];
  probe_require(pipe(a) == 0 && pipe(b) == 0, "pipe");
  char *p = probe_map_filled(1);
  struct iovec writer = {p, (size_t)P};
  CALL("w", vmsplice(a[1], &writer, 1, G | M));
  CALL("splice-100", splice(a[0], NULL, b[1], NULL, 100, 0));
  char *buffers = probe_map_destination(2);
  CALL("read-b", read(b[0], buffers, (size_t)P));
  CALL("read-a", read(a[0], buffers + P, (size_t)P));
  CALL("splice-empty-nonblock", splice(a[0], NULL, b[1], NULL, (size_t)P, N));
  CALL("tee-empty-nonblock", tee(a[0], b[1], (size_t)P, N));
  probe_memory("buffers", buffers, 2 * P);
  probe_finish();
  return 0;
}
