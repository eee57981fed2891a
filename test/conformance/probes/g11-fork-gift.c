/*
 * Golden scenario G11 (VMS-FORK on the RFC): the writer forks while its page is written, the child stays alive, and
 * the writer gifts the page. On mainline the reader gets a copy and both processes keep the shared frame intact.
 * After the reader's call the child sends its own pagemap entry and page contents through a pipe, so the test can
 * see that the frame is still shared copy-on-write and still holds the pattern.
 */
#include "probe.h"

int main(void) {
  probe_init("g11-fork-gift");
  int fds[2], go[2], report[2];
  probe_require(pipe(fds) == 0 && pipe(go) == 0 && pipe(report) == 0, "pipe");
  char *p = probe_map_filled(1);
  probe_pages("p", p, 1, "before");
  pid_t child = fork();
  probe_require(child >= 0, "fork");
  if (child == 0) {
    char token;
    alarm(10);
    if (read(go[0], &token, 1) != 1) _exit(1);
    uint64_t entry = probe_pagemap_entry(p);
    if (write(report[1], &entry, sizeof entry) != (ssize_t)sizeof entry) _exit(1);
    if (write(report[1], p, (size_t)P) != P) _exit(1);
    _exit(0);
  }
  struct iovec writer = {p, (size_t)P};
  CALL("w", vmsplice(fds[1], &writer, 1, G | M));
  char *q = probe_map_destination(1);
  struct iovec reader = {q, (size_t)P};
  CALL("r", vmsplice(fds[0], &reader, 1, M));
  probe_pages("p", p, 1, "after");
  probe_pages("q", q, 1, "after");
  probe_memory("p", p, P);
  probe_memory("q", q, P);
  probe_require(write(go[1], "g", 1) == 1, "wake child");
  uint64_t child_entry;
  char *child_page = probe_map(1);
  probe_require(read(report[0], &child_entry, sizeof child_entry) == (ssize_t)sizeof child_entry, "child entry");
  probe_require(read(report[0], child_page, (size_t)P) == P, "child page");
  probe_require(waitpid(child, NULL, 0) == child, "waitpid");
  probe_page_entry("child-p[0]@after", child_entry);
  probe_memory("child-p", child_page, P);
  probe_finish();
  return 0;
}
