/*
 * A small program for the recorder tests (test/unit/record*.test.ts): what its vmsplice calls hand over is chosen at
 * run time, by argv and the environment, so that only a recording can tell.
 *
 *   sender [OPTION...]
 *     --alloc malloc|anon|shared|file|untouched|thp  memory of the source (default anon; untouched: anon never written;
 *                        thp: 2 MiB-aligned anon with MADV_HUGEPAGE)
 *     --flags N          vmsplice flags of the writer (default 8, SPLICE_F_GIFT)
 *     --pages N          pages in the one iovec (default 1)
 *     --offset N         byte offset of iov_base from the buffer start (default 0)
 *     --fork             fork() after filling the buffer; the child sleeps until the call is done
 *     --syscall          call syscall(SYS_vmsplice, ...) instead of vmsplice()
 *     --repeat N         call vmsplice N times at the same line (default 1)
 *     --read-move        a reader vmsplice()s the pipe into a page-aligned anon destination with SPLICE_F_MOVE
 *     --dst-offset N     byte offset of the reader's destination from a page boundary (default 0)
 *     --dst shared|anon  destination memory (default anon)
 *     --exit N           exit status (default 0)
 *     --wait-signal      block until SIGTERM arrives, then exit 143 (for signal forwarding)
 *     --thread           make the calls from a second thread
 *     --in-child         make the calls in a forked child (the parent waits and exits with its status)
 *     --reader-child     a forked child vmsplice()s the pipe with SPLICE_F_MOVE first, blocking until the parent's
 *                        write 100 ms later (the reader starts before the writer it waits for); the child unmaps
 *                        the writer's buffer first, so the writer's page is exclusively mapped again
 *     --bad-iov          pass an invalid iovec pointer (the kernel answers EFAULT; the program exits 14)
 *   Environment: SENDER_FLAGS overrides --flags; SENDER_PAGEMAP_FILE names a file the program appends the pagemap
 *   entries of the source's first page to ("before 0x...", read by the program itself just before the first call,
 *   as the conformance probes do), and of the destination's first page after the first read ("dst-after 0x...").
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdint.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

static volatile sig_atomic_t terminated;
static void on_term(int sig) {
  (void)sig;
  terminated = 1;
}

static ssize_t send_once(int fd, struct iovec *iov, unsigned int flags, int via_syscall) {
  if (via_syscall) return syscall(SYS_vmsplice, fd, iov, 1, flags);
  return vmsplice(fd, iov, 1, flags);
}

static void log_pagemap(const char *label, const void *address) {
  const char *path = getenv("SENDER_PAGEMAP_FILE");
  if (!path) return;
  long pg = sysconf(_SC_PAGESIZE);
  uint64_t entry = 0;
  int fd = open("/proc/self/pagemap", O_RDONLY);
  if (fd < 0) return;
  if (pread(fd, &entry, sizeof entry, (off_t)((uintptr_t)address / (uintptr_t)pg * sizeof entry)) != sizeof entry) entry = 0;
  close(fd);
  FILE *out = fopen(path, "a");
  if (!out) return;
  fprintf(out, "%s 0x%llx\n", label, (unsigned long long)entry);
  fclose(out);
}

static void drain(int fd, long bytes) {
  char sink[4096];
  while (bytes > 0) {
    ssize_t n = read(fd, sink, bytes < (long)sizeof sink ? (size_t)bytes : sizeof sink);
    if (n <= 0) break;
    bytes -= n;
  }
}

static const char *alloc = "anon", *dst_kind = "anon";
static unsigned int flags = 8;
static long pages = 1, offset = 0, repeat = 1, dst_offset = 0;
static int do_fork, via_syscall, read_move, status, wait_signal, in_thread, in_child, bad_iov, reader_child;

static int run(void);

static void *thread_main(void *arg) {
  (void)arg;
  return (void *)(intptr_t)run();
}

int main(int argc, char **argv) {
  for (int i = 1; i < argc; i++) {
    const char *a = argv[i];
    const char *v = i + 1 < argc ? argv[i + 1] : "0";
    if (!strcmp(a, "--alloc")) alloc = v, i++;
    else if (!strcmp(a, "--flags")) flags = (unsigned int)strtoul(v, NULL, 0), i++;
    else if (!strcmp(a, "--pages")) pages = atol(v), i++;
    else if (!strcmp(a, "--offset")) offset = atol(v), i++;
    else if (!strcmp(a, "--repeat")) repeat = atol(v), i++;
    else if (!strcmp(a, "--dst-offset")) dst_offset = atol(v), i++;
    else if (!strcmp(a, "--dst")) dst_kind = v, i++;
    else if (!strcmp(a, "--exit")) status = atoi(v), i++;
    else if (!strcmp(a, "--fork")) do_fork = 1;
    else if (!strcmp(a, "--syscall")) via_syscall = 1;
    else if (!strcmp(a, "--read-move")) read_move = 1;
    else if (!strcmp(a, "--wait-signal")) wait_signal = 1;
    else if (!strcmp(a, "--thread")) in_thread = 1;
    else if (!strcmp(a, "--in-child")) in_child = 1;
    else if (!strcmp(a, "--bad-iov")) bad_iov = 1;
    else if (!strcmp(a, "--reader-child")) reader_child = 1;
  }
  if (getenv("SENDER_FLAGS")) flags = (unsigned int)strtoul(getenv("SENDER_FLAGS"), NULL, 0);
  if (wait_signal) {
    signal(SIGTERM, on_term);
    while (!terminated) pause();
    return 143;
  }
  if (in_thread) {
    pthread_t thread;
    void *result;
    if (pthread_create(&thread, NULL, thread_main, NULL) != 0) return 17;
    pthread_join(thread, &result);
    return (int)(intptr_t)result;
  }
  if (in_child) {
    pid_t child = fork();
    if (child == 0) _exit(run());
    int child_status = 0;
    waitpid(child, &child_status, 0);
    return WIFEXITED(child_status) ? WEXITSTATUS(child_status) : 18;
  }
  return run();
}

static int run(void) {
  long pg = sysconf(_SC_PAGESIZE);
  size_t size = (size_t)(pages + 1) * (size_t)pg;
  char *buf;
  if (!strcmp(alloc, "malloc")) {
    buf = malloc(size);
  } else if (!strcmp(alloc, "shared")) {
    buf = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
  } else if (!strcmp(alloc, "file")) {
    char path[] = "/tmp/vmsplice-lens-sender-XXXXXX";
    int file = mkstemp(path);
    if (file < 0 || ftruncate(file, (off_t)size) != 0) return 10;
    unlink(path);
    buf = mmap(NULL, size, PROT_READ, MAP_PRIVATE, file, 0);
    close(file);
  } else if (!strcmp(alloc, "thp")) {
    size_t huge = 2UL << 20;
    char *raw = mmap(NULL, 2 * huge, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (raw == MAP_FAILED) return 11;
    buf = (char *)(((uintptr_t)raw + huge - 1) & ~(uintptr_t)(huge - 1));
    madvise(buf, huge, MADV_HUGEPAGE);
    size = huge;
  } else {
    buf = mmap(NULL, size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  }
  if (buf == NULL || buf == MAP_FAILED) return 11;
  if (strcmp(alloc, "untouched") && strcmp(alloc, "file")) memset(buf, 'x', size);
  if (!strcmp(alloc, "untouched")) {
    volatile char sink = buf[0]; /* an untouched read maps the shared zero page */
    (void)sink;
  }
  if (!strcmp(alloc, "file")) {
    volatile char sink = buf[0];
    (void)sink;
  }
  int fds[2];
  if (pipe(fds) != 0) return 12;
  fcntl(fds[1], F_SETPIPE_SZ, (int)(64 * pg));
  pid_t child = -1;
  int hold[2] = {-1, -1};
  if (do_fork) {
    if (pipe(hold) != 0) return 13;
    child = fork();
    if (child == 0) {
      char c;
      close(hold[1]);
      (void)read(hold[0], &c, 1); /* returns at EOF, when the parent closes its end */
      _exit(0);
    }
    close(hold[0]);
  }
  struct iovec iov = {buf + offset, (size_t)(pages * pg)};
  if (reader_child) {
    pid_t reader = fork();
    if (reader == 0) {
      munmap(buf, size); /* the writer's page stays mapped by the writer alone (no VMS-FORK) */
      char *dst = mmap(NULL, (size_t)pages * (size_t)pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      if (dst == MAP_FAILED) _exit(15);
      memset(dst, 'y', (size_t)pages * (size_t)pg);
      struct iovec into = {dst, (size_t)pages * (size_t)pg};
      _exit(vmsplice(fds[0], &into, 1, SPLICE_F_MOVE) < 0 ? 16 : 0);
    }
    usleep(100000);
    struct iovec iov = {buf + offset, (size_t)(pages * pg)};
    if (send_once(fds[1], &iov, flags, via_syscall) < 0) return 14;
    int reader_status = 0;
    waitpid(reader, &reader_status, 0);
    return WIFEXITED(reader_status) ? WEXITSTATUS(reader_status) : 19;
  }
  log_pagemap("before", buf + offset);
  for (long i = 0; i < repeat; i++) {
    ssize_t sent = send_once(fds[1], bad_iov ? (struct iovec *)8 : &iov, flags, via_syscall);
    if (sent < 0) {
      perror("vmsplice");
      return 14;
    }
    if (read_move) {
      char *dst;
      if (!strcmp(dst_kind, "shared"))
        dst = mmap(NULL, (size_t)(pages + 1) * (size_t)pg, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
      else
        dst = mmap(NULL, (size_t)(pages + 1) * (size_t)pg, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
      if (dst == MAP_FAILED) return 15;
      memset(dst, 'y', (size_t)(pages + 1) * (size_t)pg);
      struct iovec into = {dst + dst_offset, (size_t)sent};
      ssize_t got = vmsplice(fds[0], &into, 1, SPLICE_F_MOVE);
      if (got < 0) {
        perror("vmsplice read");
        return 16;
      }
      if (i == 0) log_pagemap("dst-after", dst + dst_offset);
      drain(fds[0], sent - got);
    } else {
      drain(fds[0], sent);
    }
  }
  if (do_fork) {
    close(hold[1]);
    waitpid(child, NULL, 0);
  }
  return status;
}
