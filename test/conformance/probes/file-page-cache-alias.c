/*
 * vmsplice of file-backed pages queues the page-cache frames by reference: after a shared mapping and a clean
 * private mapping of the same file page are queued, a write(2) to the file changes what the reader receives.
 */
#include "probe.h"

int main(void) {
  probe_init("file-page-cache-alias");
  int fds[2];
  probe_require(pipe(fds) == 0, "pipe");
  char path[] = "/tmp/vmsplice-lens-probe-XXXXXX";
  int file = mkstemp(path);
  probe_require(file >= 0, "mkstemp");
  unlink(path);
  char *content = probe_map(1);
  memset(content, 'F', (size_t)P);
  probe_require(write(file, content, (size_t)P) == P, "write file");
  probe_require(lseek(file, 0, SEEK_SET) == 0, "rewind file");
  char *shared = mmap(NULL, (size_t)P, PROT_READ, MAP_SHARED, file, 0);
  char *private = mmap(NULL, (size_t)P, PROT_READ | PROT_WRITE, MAP_PRIVATE, file, 0);
  probe_require(shared != MAP_FAILED && private != MAP_FAILED, "mmap file");
  struct iovec writer = {shared, (size_t)P};
  CALL("w-shared", vmsplice(fds[1], &writer, 1, 0));
  writer.iov_base = private;
  CALL("w-private", vmsplice(fds[1], &writer, 1, 0));
  probe_pages("shared", shared, 1, "queued");
  probe_pages("private", private, 1, "queued");
  memset(content, 'G', (size_t)P);
  CALL("write-file", write(file, content, (size_t)P));
  char *q = probe_map_destination(2);
  CALL("r", read(fds[0], q, (size_t)(2 * P)));
  probe_memory("q", q, 2 * P);
  probe_memory("shared", shared, P);
  probe_memory("private", private, P);
  probe_finish();
  return 0;
}
