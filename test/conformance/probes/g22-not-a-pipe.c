/*
 * Golden scenario G22 (VMS-NOT-PIPE): vmsplice on a regular file opened read-write fails with EBADF, but on 6.x a
 * zero total length returns 0 before the pipe check. A descriptor opened with O_PATH (neither readable nor writable)
 * fails with EBADF even with a zero total length, because the open mode is checked before the length. The pipe
 * size fcntls refuse a regular file with EBADF too.
 */
#include "probe.h"

int main(void) {
  probe_init("g22-not-a-pipe");
  char path[] = "/tmp/vmsplice-lens-probe-XXXXXX";
  int file = mkstemp(path);
  probe_require(file >= 0, "mkstemp");
  unlink(path);
  char *p = probe_map_filled(1);
  struct iovec page = {p, (size_t)P}, empty = {p, 0};
  CALL("file-page", vmsplice(file, &page, 1, 0));
  CALL("file-zero", vmsplice(file, &empty, 1, 0));
  char proc_path[64];
  snprintf(proc_path, sizeof proc_path, "/proc/self/fd/%d", file);
  int path_only = open(proc_path, O_PATH);
  probe_require(path_only >= 0, "open O_PATH");
  CALL("opath-page", vmsplice(path_only, &page, 1, 0));
  CALL("opath-zero", vmsplice(path_only, &empty, 1, 0));
  CALL("file-getpipe-sz", fcntl(file, F_GETPIPE_SZ));
  CALL("file-setpipe-sz", fcntl(file, F_SETPIPE_SZ, (int)P));
  probe_finish();
  return 0;
}
