/*
 * Golden scenario G01 with writer and reader in different processes, as the spec's fixtures have them: the reader is
 * forked before the writer maps anything, so the two share no memory. The reader measures its own destination
 * frames and sends them, its call result and its bytes back through a pipe; mainline copies across processes too.
 */
#include "probe.h"

struct reader_report {
  long result;
  int error;
  uint64_t before[4], after[4];
};

int main(void) {
  probe_init("g01-cross-process");
  int fds[2], ready[2], go[2], report[2];
  probe_require(pipe(fds) == 0 && pipe(ready) == 0 && pipe(go) == 0 && pipe(report) == 0, "pipe");
  pid_t reader = fork();
  probe_require(reader >= 0, "fork");
  if (reader == 0) {
    struct reader_report message;
    char token;
    alarm(10);
    char *q = probe_map_destination(4);
    for (int i = 0; i < 4; i++) message.before[i] = probe_pagemap_entry(q + i * P);
    if (write(ready[1], "r", 1) != 1 || read(go[0], &token, 1) != 1) _exit(1);
    struct iovec destination = {q, (size_t)(4 * P)};
    message.result = vmsplice(fds[0], &destination, 1, M);
    message.error = errno;
    for (int i = 0; i < 4; i++) message.after[i] = probe_pagemap_entry(q + i * P);
    if (write(report[1], &message, sizeof message) != (ssize_t)sizeof message) _exit(1);
    if (write(report[1], q, (size_t)(4 * P)) != 4 * P) _exit(1);
    _exit(0);
  }
  char token;
  probe_require(read(ready[0], &token, 1) == 1, "reader ready");
  char *p = probe_map_filled(4);
  probe_pages("p", p, 4, "before");
  struct iovec writer[4];
  for (int i = 0; i < 4; i++) writer[i] = (struct iovec){p + i * P, (size_t)P};
  CALL("w", vmsplice(fds[1], writer, 4, G | M));
  probe_require(write(go[1], "g", 1) == 1, "start reader");
  struct reader_report message;
  char *received = probe_map(4);
  probe_require(read(report[0], &message, sizeof message) == (ssize_t)sizeof message, "reader report");
  for (long done = 0; done < 4 * P;) {
    ssize_t got = read(report[0], received + done, (size_t)(4 * P - done));
    probe_require(got > 0, "reader bytes");
    done += got;
  }
  probe_require(waitpid(reader, NULL, 0) == reader, "waitpid");
  probe_record("r", message.result, message.error);
  for (int i = 0; i < 4; i++) {
    char label[32];
    snprintf(label, sizeof label, "q[%d]@before", i);
    probe_page_entry(label, message.before[i]);
    snprintf(label, sizeof label, "q[%d]@after", i);
    probe_page_entry(label, message.after[i]);
  }
  probe_pages("p", p, 4, "after");
  probe_memory("p", p, 4 * P);
  probe_memory("q", received, 4 * P);
  probe_finish();
  return 0;
}
