/*
 * splice(2) from a pipe into a regular file copies (spec section 3.7): after a gifted page is spliced into a file
 * with SPLICE_F_MOVE, the writer's later write to its page does not reach the file. Splicing an empty pipe whose
 * write end is closed returns 0.
 */
#include "probe.h"

int main(void) {
  probe_init("splice-pipe-file");
  int fds[2];
  probe_require(pipe(fds) == 0, "pipe");
  char path[] = "/tmp/vmsplice-lens-probe-XXXXXX";
  int file = mkstemp(path);
  probe_require(file >= 0, "mkstemp");
  int reader = open(path, O_RDONLY);
  probe_require(reader >= 0, "open file again");
  unlink(path);
  char *p = probe_map_filled(1);
  struct iovec writer = {p, (size_t)P};
  CALL("w", vmsplice(fds[1], &writer, 1, G | M));
  CALL("splice", splice(fds[0], NULL, file, NULL, (size_t)P, M));
  memset(p, 'B', (size_t)P);
  char *buffer = probe_map_destination(1);
  CALL("read-file", read(reader, buffer, (size_t)P));
  close(fds[1]);
  CALL("splice-eof", splice(fds[0], NULL, file, NULL, (size_t)P, 0));
  probe_memory("buf", buffer, P);
  probe_finish();
  return 0;
}
