/*
 * Golden scenario G21: with zero iovecs a bad descriptor still fails with EBADF on 6.x (3.12 returned 0 before looking
 * at the descriptor), and a good pipe end returns 0 without touching the NULL array. Also a zero-length iovec on the
 * read end of an empty pipe returns 0 instead of blocking (the total is checked before waiting).
 */
#include "probe.h"

int main(void) {
  probe_init("g21-zero-segments");
  int fds[2];
  probe_require(pipe(fds) == 0, "pipe");
  CALL("badfd-0", vmsplice(-1, NULL, 0, 0));
  CALL("w-0", vmsplice(fds[1], NULL, 0, 0));
  CALL("r-0", vmsplice(fds[0], NULL, 0, 0));
  char *q = probe_map_destination(1);
  struct iovec empty = {q, 0};
  CALL("r-zero-length", vmsplice(fds[0], &empty, 1, 0));
  probe_finish();
  return 0;
}
