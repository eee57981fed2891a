/*
 * VMS-ALIAS-COW on 6.x: after fork the writer's page is write-protected. The writer queues it (flags 0) and then
 * writes 'B' into it; the write fault must copy because the pipe holds a reference, so the writer gets a new frame
 * and the reader receives the old bytes 'A' (a snapshot). Checked first with the only child already exited before
 * the vmsplice call (the writer is then the page's only mapper), then with a second child alive.
 */
#include "probe.h"

int main(void) {
  probe_init("alias-cow");
  int alive_pipe[2], exited_pipe[2], go[2];
  probe_require(pipe(alive_pipe) == 0 && pipe(exited_pipe) == 0 && pipe(go) == 0, "pipe");
  char *alive = probe_map(1), *exited = probe_map(1);
  memset(alive, 'A', (size_t)P);
  memset(exited, 'A', (size_t)P);

  pid_t exited_child = fork();
  probe_require(exited_child >= 0, "fork");
  if (exited_child == 0) _exit(0);
  probe_require(waitpid(exited_child, NULL, 0) == exited_child, "waitpid exited child");
  probe_pages("exited", exited, 1, "before");
  struct iovec writer = {exited, (size_t)P};
  CALL("w-exited", vmsplice(exited_pipe[1], &writer, 1, 0));
  memset(exited, 'B', (size_t)P);
  probe_pages("exited", exited, 1, "after");

  pid_t alive_child = fork();
  probe_require(alive_child >= 0, "fork");
  if (alive_child == 0) {
    char token;
    alarm(10);
    _exit(read(go[0], &token, 1) == 1 ? 0 : 1);
  }
  probe_pages("alive", alive, 1, "before");
  writer = (struct iovec){alive, (size_t)P};
  CALL("w-alive", vmsplice(alive_pipe[1], &writer, 1, 0));
  memset(alive, 'B', (size_t)P);
  probe_pages("alive", alive, 1, "after");

  char *q = probe_map_destination(2);
  CALL("r-alive", read(alive_pipe[0], q, (size_t)P));
  CALL("r-exited", read(exited_pipe[0], q + P, (size_t)P));
  probe_memory("q", q, 2 * P);
  probe_memory("alive", alive, P);
  probe_memory("exited", exited, P);
  probe_require(write(go[1], "g", 1) == 1, "wake child");
  probe_require(waitpid(alive_child, NULL, 0) == alive_child, "waitpid");
  probe_finish();
  return 0;
}
