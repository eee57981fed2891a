/*
 * Golden scenario G35 (VMS-RFC-SPLICE-MOVE-ZAP on the RFC): splice from a 64 KiB file into a pipe with
 * SPLICE_F_MOVE returns 65536 on mainline and touches nothing of the caller's memory. Into a pipe with two free
 * slots the same splice moves two pages (8192), and into a full pipe with SPLICE_F_NONBLOCK it fails with EAGAIN.
 */
#include "probe.h"

int main(void) {
  probe_init("g35-splice-file");
  int fds[2];
  probe_require(pipe(fds) == 0, "pipe");
  char path[] = "/tmp/vmsplice-lens-probe-XXXXXX";
  int file = mkstemp(path);
  probe_require(file >= 0, "mkstemp");
  unlink(path);
  char *content = probe_map(16);
  memset(content, 'F', (size_t)(16 * P));
  probe_require(write(file, content, (size_t)(16 * P)) == 16 * P, "write file");
  char *p = probe_map_filled(1);
  probe_pages("p", p, 1, "before");
  probe_require(lseek(file, 0, SEEK_SET) == 0, "rewind file");
  CALL("splice", splice(file, NULL, fds[1], NULL, (size_t)(16 * P), SPLICE_F_MOVE));
  probe_pages("p", p, 1, "after");
  char *q = probe_map_destination(16);
  CALL("read", read(fds[0], q, (size_t)(16 * P)));
  int nearly_full[2];
  probe_require(pipe(nearly_full) == 0, "pipe");
  CALL("fill-14", write(nearly_full[1], content, (size_t)(14 * P)));
  probe_require(lseek(file, 0, SEEK_SET) == 0, "rewind file");
  CALL("splice-two-free", splice(file, NULL, nearly_full[1], NULL, (size_t)(16 * P), SPLICE_F_MOVE));
  CALL("splice-full-nonblock", splice(file, NULL, nearly_full[1], NULL, (size_t)(16 * P), SPLICE_F_MOVE | N));
  probe_memory("q", q, 16 * P);
  probe_memory("p", p, P);
  probe_finish();
  return 0;
}
