/*
 * Golden scenario G27 plus F_SETPIPE_SZ rounding: the default pipe takes 65536 bytes of a 256-page iovec; after
 * F_SETPIPE_SZ(1 MiB) a fresh pipe takes 1048576. Sizes round up to a power-of-two number of pages (5000 -> 8192,
 * 1 -> one page), shrinking below the occupancy fails with EBUSY, and an unprivileged process asking for more than
 * /proc/sys/fs/pipe-max-size gets EPERM (probed in a child that drops to uid 65534).
 */
#include "probe.h"

int main(void) {
  probe_init("g27-setpipe-sz");
  probe_require_pipe_max_size(1048576);
  int small[2], large[2];
  probe_require(pipe(small) == 0 && pipe(large) == 0, "pipe");
  char *p = probe_map_filled(256);
  struct iovec writer = {p, (size_t)(256 * P)};
  CALL("w-default", vmsplice(small[1], &writer, 1, 0));
  CALL("set-1mib", fcntl(large[1], F_SETPIPE_SZ, 1048576));
  CALL("get-1mib", fcntl(large[1], F_GETPIPE_SZ));
  CALL("w-1mib", vmsplice(large[1], &writer, 1, 0));
  CALL("shrink-busy", fcntl(small[1], F_SETPIPE_SZ, (int)P));
  int other[2];
  probe_require(pipe(other) == 0, "pipe");
  CALL("set-5000", fcntl(other[1], F_SETPIPE_SZ, 5000));
  CALL("set-1", fcntl(other[0], F_SETPIPE_SZ, 1));
  CALL("get-1", fcntl(other[0], F_GETPIPE_SZ));
  int report[2];
  probe_require(pipe(report) == 0, "pipe");
  pid_t child = fork();
  probe_require(child >= 0, "fork");
  if (child == 0) {
    int result = 0;
    if (setresgid(65534, 65534, 65534) != 0 || setresuid(65534, 65534, 65534) != 0) result = -1000;
    else result = fcntl(other[1], F_SETPIPE_SZ, 2 * 1048576) < 0 ? -errno : fcntl(other[1], F_GETPIPE_SZ);
    if (write(report[1], &result, sizeof result) != (ssize_t)sizeof result) _exit(1);
    _exit(0);
  }
  int unprivileged = 0;
  probe_require(read(report[0], &unprivileged, sizeof unprivileged) == (ssize_t)sizeof unprivileged, "child report");
  probe_require(waitpid(child, NULL, 0) == child, "waitpid");
  probe_require(unprivileged != -1000, "drop privileges in child");
  probe_record("unprivileged-set-2mib", unprivileged < 0 ? -1 : unprivileged, -unprivileged);
  probe_finish();
  return 0;
}
