/*
 * Golden scenario G36 (VMS-FILE on the RFC): a MAP_PRIVATE file page holding 'F' is written with 'Z' (copy on write)
 * and gifted; the reader gets 'Z' copied and the writer still reads 'Z'. A second, never-written private file page
 * delivers the file's 'F' and stays mapped to the page cache.
 */
#include "probe.h"

int main(void) {
  probe_init("g36-private-file");
  int fds[2];
  probe_require(pipe(fds) == 0, "pipe");
  char path[] = "/tmp/vmsplice-lens-probe-XXXXXX";
  int file = mkstemp(path);
  probe_require(file >= 0, "mkstemp");
  unlink(path);
  char *content = probe_map(2);
  memset(content, 'F', (size_t)(2 * P));
  probe_require(write(file, content, (size_t)(2 * P)) == 2 * P, "write file");
  char *p = mmap(NULL, (size_t)(2 * P), PROT_READ | PROT_WRITE, MAP_PRIVATE, file, 0);
  probe_require(p != MAP_FAILED, "mmap private file");
  memset(p, 'Z', (size_t)P);
  probe_pages("p", p, 1, "before");
  struct iovec written = {p, (size_t)P}, clean = {p + P, (size_t)P};
  CALL("w-written", vmsplice(fds[1], &written, 1, G | M));
  CALL("w-clean", vmsplice(fds[1], &clean, 1, G | M));
  char *q = probe_map_destination(2);
  struct iovec reader = {q, (size_t)(2 * P)};
  CALL("r", vmsplice(fds[0], &reader, 1, M));
  probe_pages("p", p, 1, "after");
  probe_memory("p", p, 2 * P);
  probe_memory("q", q, 2 * P);
  probe_finish();
  return 0;
}
