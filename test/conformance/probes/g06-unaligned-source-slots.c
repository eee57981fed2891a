/*
 * Golden scenarios G06 and G07 (VMS-ALIGN-SRC): an unaligned source iovec is cut at page boundaries, so one page of
 * data at p+100 takes two slots (3996 + 100 bytes) and three pages at p+100 take four. The probe counts the slots by
 * filling the rest of the pipe with one-page iovecs under SPLICE_F_NONBLOCK.
 */
#include "probe.h"

int main(void) {
  probe_init("g06-unaligned-source-slots");
  int one[2], three[2];
  probe_require(pipe(one) == 0 && pipe(three) == 0, "pipe");
  char *p = probe_map_filled(4);
  char *filler = probe_map_filled(16);
  struct iovec fill[16];
  for (int i = 0; i < 16; i++) fill[i] = (struct iovec){filler + i * P, (size_t)P};
  struct iovec unaligned = {p + 100, (size_t)P};
  CALL("w-one", vmsplice(one[1], &unaligned, 1, G | M));
  CALL("fill-one", vmsplice(one[1], fill, 16, N));
  unaligned.iov_len = (size_t)(3 * P);
  CALL("w-three", vmsplice(three[1], &unaligned, 1, G | M));
  CALL("fill-three", vmsplice(three[1], fill, 16, N));
  char *q = probe_map_destination(3);
  struct iovec reader = {q, (size_t)(3 * P)};
  CALL("r-three", vmsplice(three[0], &reader, 1, M));
  probe_memory("q", q, 3 * P);
  probe_pages("p", p, 4, "after");
  probe_memory("p", p, 4 * P);
  probe_finish();
  return 0;
}
