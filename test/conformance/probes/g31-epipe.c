/*
 * Golden scenario G31: with every read end closed, a gifting vmsplice fails with EPIPE; SIGPIPE is sent too, which a
 * handler counts (an ignored SIGPIPE gives the same EPIPE). write(2) behaves the same way.
 */
#include "probe.h"

static volatile sig_atomic_t sigpipe_count;

static void on_sigpipe(int signal_number) {
  (void)signal_number;
  sigpipe_count++;
}

int main(void) {
  probe_init("g31-epipe");
  int fds[2];
  probe_require(pipe(fds) == 0, "pipe");
  close(fds[0]);
  char *p = probe_map_filled(1);
  struct iovec writer = {p, (size_t)P};
  probe_require(signal(SIGPIPE, SIG_IGN) != SIG_ERR, "ignore SIGPIPE");
  CALL("w-ignored", vmsplice(fds[1], &writer, 1, G | M));
  struct sigaction action;
  memset(&action, 0, sizeof action);
  action.sa_handler = on_sigpipe;
  probe_require(sigaction(SIGPIPE, &action, NULL) == 0, "sigaction(SIGPIPE)");
  sigpipe_count = 0;
  CALL("w-handled", vmsplice(fds[1], &writer, 1, G | M));
  probe_fact("w-handled.SIGPIPE", sigpipe_count);
  sigpipe_count = 0;
  CALL("write-handled", write(fds[1], p, (size_t)P));
  probe_fact("write-handled.SIGPIPE", sigpipe_count);
  probe_pages("p", p, 1, "after");
  probe_memory("p", p, P);
  probe_finish();
  return 0;
}
