/*
 * Golden scenario G34 (VMS-RFC-TEE-ALIAS on the RFC): a gifted page is moved whole from pipe A to pipe B with
 * splice (variant S) or duplicated into B with tee (variant T). Mainline copies on every read, so in variant T the
 * reader's later writes to its destination never show up in B.
 */
#include "probe.h"

int main(void) {
  probe_init("g34-splice-tee");
  int a[2], b[2], c[2], d[2];
  probe_require(pipe(a) == 0 && pipe(b) == 0 && pipe(c) == 0 && pipe(d) == 0, "pipe");
  char *p = probe_map_filled(2);
  struct iovec first = {p, (size_t)P}, second = {p + P, (size_t)P};
  CALL("s-w", vmsplice(a[1], &first, 1, G | M));
  CALL("s-splice", splice(a[0], NULL, b[1], NULL, (size_t)P, 0));
  char *q = probe_map_destination(2);
  struct iovec reader = {q, (size_t)P};
  CALL("s-r", vmsplice(b[0], &reader, 1, M));
  CALL("t-w", vmsplice(c[1], &second, 1, G | M));
  CALL("t-tee", tee(c[0], d[1], (size_t)P, 0));
  reader.iov_base = q + P;
  CALL("t-r", vmsplice(c[0], &reader, 1, M));
  memset(q + P, 'R', (size_t)P);
  char *buffer = probe_map_destination(1);
  CALL("t-read-b", read(d[0], buffer, (size_t)P));
  probe_memory("q", q, 2 * P);
  probe_memory("buf", buffer, P);
  probe_finish();
  return 0;
}
