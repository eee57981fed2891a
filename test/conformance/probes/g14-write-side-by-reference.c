/*
 * Golden scenario G14 (VMS-ALIAS-WRITE): the writing vmsplice queues the writer's own frame, so bytes written into
 * the buffer after the call returns, but before the reader consumes the pipe, are what the reader receives.
 */
#include "probe.h"

int main(void) {
  probe_init("g14-write-side-by-reference");
  int fds[2];
  probe_require(pipe(fds) == 0, "pipe");
  char *p = probe_map(1);
  memset(p, 'A', (size_t)P);
  probe_pages("p", p, 1, "before");
  struct iovec writer = {p, (size_t)P};
  CALL("w", vmsplice(fds[1], &writer, 1, 0));
  memset(p, 'B', (size_t)P);
  probe_pages("p", p, 1, "after");
  char *buffer = probe_map_destination(1);
  CALL("r", read(fds[0], buffer, (size_t)P));
  probe_memory("buf", buffer, P);
  probe_finish();
  return 0;
}
