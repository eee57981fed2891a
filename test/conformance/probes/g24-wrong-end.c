/*
 * Golden scenario G24 second call (VMS-WRONG-END): vmsplice on the read end, with the writer's intent and flags,
 * reads from the pipe and overwrites the buffer that was meant to be sent.
 */
#include "probe.h"

int main(void) {
  probe_init("g24-wrong-end");
  int fds[2];
  probe_require(pipe(fds) == 0, "pipe");
  char *data = probe_map(1);
  memset(data, 'X', (size_t)P);
  CALL("fill", write(fds[1], data, (size_t)P));
  char *p = probe_map_filled(1);
  struct iovec wrong = {p, (size_t)P};
  CALL("w-wrong-end", vmsplice(fds[0], &wrong, 1, G));
  probe_memory("p", p, P);
  CALL("again-nonblock", vmsplice(fds[0], &wrong, 1, G | N));
  probe_finish();
  return 0;
}
