/*
 * F_SETPIPE_SZ edge cases (spec section 2.4): 0 rounds up to one page, three pages round up to four, a size above
 * 2^31 fails with EINVAL, and without CAP_SYS_RESOURCE a size above pipe-max-size fails with EPERM even for root.
 * The probe drops CAP_SYS_RESOURCE from its effective set first, so the result does not depend on whether the
 * machine's root has it (the development machine's root does not; a CI root may). Shrinking a pipe that holds two
 * buffers works down to two slots and fails with EBUSY below that.
 */
#include "probe.h"
#include <linux/capability.h>
#include <sys/syscall.h>

static void drop_sys_resource(void) {
  struct __user_cap_header_struct header = {_LINUX_CAPABILITY_VERSION_3, 0};
  struct __user_cap_data_struct data[2];
  probe_require(syscall(SYS_capget, &header, data) == 0, "capget");
  data[CAP_SYS_RESOURCE / 32].effective &= ~(1U << (CAP_SYS_RESOURCE % 32));
  probe_require(syscall(SYS_capset, &header, data) == 0, "capset");
}

int main(void) {
  probe_init("setpipe-sz-edges");
  probe_require_pipe_max_size(1048576);
  drop_sys_resource();
  int fds[2];
  probe_require(pipe(fds) == 0, "pipe");
  CALL("set-0", fcntl(fds[1], F_SETPIPE_SZ, 0));
  CALL("set-3-pages", fcntl(fds[1], F_SETPIPE_SZ, (int)(3 * P)));
  CALL("get", fcntl(fds[0], F_GETPIPE_SZ));
  CALL("set-over-2gib", fcntl(fds[1], F_SETPIPE_SZ, 0x80000001U));
  CALL("set-2mib-unprivileged", fcntl(fds[1], F_SETPIPE_SZ, 2 * 1048576));
  CALL("get-after", fcntl(fds[1], F_GETPIPE_SZ));
  char *p = probe_map_filled(2);
  struct iovec writer[2] = {{p, (size_t)P}, {p + P, 100}};
  CALL("w", vmsplice(fds[1], writer, 2, 0));
  CALL("shrink-to-2", fcntl(fds[1], F_SETPIPE_SZ, (int)(2 * P)));
  CALL("shrink-to-1", fcntl(fds[1], F_SETPIPE_SZ, (int)P));
  char *q = probe_map_destination(2);
  CALL("read", read(fds[0], q, (size_t)(2 * P)));
  probe_memory("q", q, 2 * P);
  probe_finish();
  return 0;
}
