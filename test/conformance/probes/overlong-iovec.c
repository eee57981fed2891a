/*
 * Spec section 3.0, step 3 [CORRECTED 6.18]: an iovec length that is negative as ssize_t fails with EINVAL, while
 * an overlong positive length, even one running past the end of the user address space, is not rejected on x86-64
 * 6.18: the total is capped and the transfer runs until GUP meets the unmapped page after the buffer.
 * With several iovecs each is range-checked with its full length (EFAULT), but only after the whole array has been
 * copied in, which is where a negative length fails (EINVAL), whatever its position.
 */
#include "probe.h"

int main(void) {
  probe_init("overlong-iovec");
  int fds[6][2];
  for (int i = 0; i < 6; i++) probe_require(pipe(fds[i]) == 0, "pipe");
  /* Four written pages followed by an unmapped page, so GUP stops after 16384 bytes. */
  char *p = probe_map_filled(5);
  probe_require(munmap(p + 4 * P, (size_t)P) == 0, "munmap guard page");
  struct iovec four_gib = {p, 1UL << 32}, past_limit = {p, 1UL << 47}, negative = {p, (size_t)-1};
  CALL("w-4gib", vmsplice(fds[0][1], &four_gib, 1, 0));
  CALL("w-past-limit", vmsplice(fds[1][1], &past_limit, 1, 0));
  CALL("w-negative", vmsplice(fds[2][1], &negative, 1, 0));
  struct iovec two_past[2] = {{p, 1UL << 47}, {p, (size_t)P}};
  struct iovec two_negative[2] = {{p, (size_t)P}, {p, (size_t)-1}};
  struct iovec past_then_negative[2] = {{p, 1UL << 47}, {p, (size_t)-1}};
  CALL("w-two-past", vmsplice(fds[3][1], two_past, 2, 0));
  CALL("w-two-negative", vmsplice(fds[4][1], two_negative, 2, 0));
  CALL("w-past-then-negative", vmsplice(fds[5][1], past_then_negative, 2, 0));
  char *q = probe_map_destination(5);
  struct iovec reader = {q, 1UL << 47};
  CALL("r-past-limit", vmsplice(fds[1][0], &reader, 1, 0));
  probe_memory("q", q, 5 * P);
  probe_finish();
  return 0;
}
