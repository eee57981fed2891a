/*
 * VMS-ALIAS-COW with the forked child writing first: the writer queues its page, the child breaks copy-on-write by
 * writing 'C', then the writer writes 'B'. On 6.x the writer's frame is no longer shared with the child but the pipe
 * still references it, so the writer's write copies too (refcount-based reuse): the writer moves to a new frame and
 * the reader receives the original 'A'. The child sends its page contents back through a pipe.
 */
#include "probe.h"

int main(void) {
  probe_init("alias-cow-child-writes");
  int fds[2], go[2], done[2];
  probe_require(pipe(fds) == 0 && pipe(go) == 0 && pipe(done) == 0, "pipe");
  char *p = probe_map(1);
  memset(p, 'A', (size_t)P);
  pid_t child = fork();
  probe_require(child >= 0, "fork");
  if (child == 0) {
    char token;
    alarm(10);
    if (read(go[0], &token, 1) != 1) _exit(1);
    memset(p, 'C', (size_t)P);
    if (write(done[1], p, (size_t)P) != P) _exit(1);
    _exit(0);
  }
  probe_pages("p", p, 1, "before");
  struct iovec writer = {p, (size_t)P};
  CALL("w", vmsplice(fds[1], &writer, 1, 0));
  probe_require(write(go[1], "g", 1) == 1, "wake child");
  char *child_page = probe_map(1);
  probe_require(read(done[0], child_page, (size_t)P) == P, "child page");
  probe_require(waitpid(child, NULL, 0) == child, "waitpid");
  probe_pages("p", p, 1, "child-wrote");
  memset(p, 'B', (size_t)P);
  probe_pages("p", p, 1, "after");
  char *q = probe_map_destination(1);
  CALL("r", read(fds[0], q, (size_t)P));
  probe_memory("q", q, P);
  probe_memory("p", p, P);
  probe_memory("child-p", child_page, P);
  probe_finish();
  return 0;
}
