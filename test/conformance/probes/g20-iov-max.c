/*
 * Golden scenario G20 (VMS-IOV-MAX): more than 1024 iovecs fail with EINVAL, but on 6.x the descriptor is checked
 * first, so a bad descriptor with 1025 iovecs fails with EBADF.
 */
#include "probe.h"

int main(void) {
  probe_init("g20-iov-max");
  int fds[2];
  probe_require(pipe(fds) == 0, "pipe");
  char *p = probe_map_filled(1);
  static struct iovec many[1025];
  for (int i = 0; i < 1025; i++) many[i] = (struct iovec){p + i % P, 1};
  CALL("w-1025", vmsplice(fds[1], many, 1025, 0));
  CALL("badfd-1025", vmsplice(-1, NULL, 1025, 0));
  probe_finish();
  return 0;
}
