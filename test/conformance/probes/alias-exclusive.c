/*
 * VMS-ALIAS-WRITE when the writer's PTE was write-protected without sharing the page: after mprotect(PROT_READ) and
 * back to read-write, or after a fork that did not copy the mapping (MADV_DONTFORK), the page is still exclusively
 * the writer's, so 6.x reuses it in place on the write fault even though the pipe holds a reference (the 5.19+
 * "anon exclusive" rule, not a refcount test). The reader sees the later 'B' and the frame never changes.
 * The flag is lost when a fork shares the page and regained when a write fault reuses it: after the only child
 * exited, a page rewritten before vmsplice is exclusive again ('B' reaches the reader), while a page not rewritten
 * stays shared-once, so the write after vmsplice copies (the pipe's reference fails the reference-count test) and
 * the reader gets the old bytes.
 */
#include "probe.h"

int main(void) {
  probe_init("alias-exclusive");
  int fds[2];
  probe_require(pipe(fds) == 0, "pipe");
  char *p = probe_map(1);
  memset(p, 'A', (size_t)P);
  probe_pages("p", p, 1, "before");
  struct iovec writer = {p, (size_t)P};
  CALL("w-mprotect", vmsplice(fds[1], &writer, 1, 0));
  probe_require(mprotect(p, (size_t)P, PROT_READ) == 0 && mprotect(p, (size_t)P, PROT_READ | PROT_WRITE) == 0, "mprotect");
  memset(p, 'B', (size_t)P);
  probe_pages("p", p, 1, "after");
  char *q = probe_map_destination(2);
  CALL("r-mprotect", read(fds[0], q, (size_t)P));

  char *d = probe_map(1);
  memset(d, 'A', (size_t)P);
  probe_require(madvise(d, (size_t)P, MADV_DONTFORK) == 0, "madvise MADV_DONTFORK");
  pid_t child = fork();
  probe_require(child >= 0, "fork");
  if (child == 0) _exit(0);
  probe_require(waitpid(child, NULL, 0) == child, "waitpid");
  probe_pages("d", d, 1, "before");
  writer.iov_base = d;
  CALL("w-dontfork", vmsplice(fds[1], &writer, 1, 0));
  memset(d, 'B', (size_t)P);
  probe_pages("d", d, 1, "after");
  CALL("r-dontfork", read(fds[0], q + P, (size_t)P));
  probe_memory("q", q, 2 * P);

  char *again = probe_map(1), *once = probe_map(1);
  memset(again, 'A', (size_t)P);
  memset(once, 'A', (size_t)P);
  pid_t sharer = fork();
  probe_require(sharer >= 0, "fork");
  if (sharer == 0) _exit(0);
  probe_require(waitpid(sharer, NULL, 0) == sharer, "waitpid");
  memset(again, 'a', (size_t)P);
  probe_pages("again", again, 1, "rewritten");
  writer.iov_base = again;
  CALL("w-again", vmsplice(fds[1], &writer, 1, 0));
  probe_require(mprotect(again, (size_t)P, PROT_READ) == 0 && mprotect(again, (size_t)P, PROT_READ | PROT_WRITE) == 0, "mprotect");
  memset(again, 'B', (size_t)P);
  probe_pages("again", again, 1, "after");
  probe_pages("once", once, 1, "before");
  writer.iov_base = once;
  CALL("w-once", vmsplice(fds[1], &writer, 1, 0));
  probe_require(mprotect(once, (size_t)P, PROT_READ) == 0 && mprotect(once, (size_t)P, PROT_READ | PROT_WRITE) == 0, "mprotect");
  memset(once, 'B', (size_t)P);
  probe_pages("once", once, 1, "after");
  char *r = probe_map_destination(2);
  CALL("r-fork-exited", read(fds[0], r, (size_t)(2 * P)));
  probe_memory("r", r, 2 * P);
  probe_finish();
  return 0;
}
