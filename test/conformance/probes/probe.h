/*
 * Shared helpers for the vmsplice Lens kernel conformance probes.
 *
 * Every probe runs one scenario against the kernel of the machine it runs on and prints exactly one JSON object
 * on stdout. This header owns that output format, the guarded system-call wrapper that turns an unexpected
 * block into a "blocked" result, PFN lookups through /proc/self/pagemap, and byte-run summaries of buffers.
 * It is written for these probes only and depends on nothing but glibc.
 *
 * Output shape (read by test/conformance/kernel-probes.ts):
 *   { "probe": name, "kernel": uname release, "pageSize": P,
 *     "calls":  { id: {"returned": n} | {"errno": "EAGAIN"} | {"blocked": true, "progress": 0} },
 *       (an interrupted call that had made progress returns its count, so "blocked" always has progress 0)
 *     "memory": { label: {"length": n, "runs": [[byte, count], ...], "fnv1a": hash} },
 *     "pages":  { label: {"present": bool, "pfn": n} },
 *     "facts":  { label: number },
 *     "cannotRun": reason (only when the machine cannot run the probe) }
 * Page labels follow the convention "<buffer>[<index>]@<moment>", e.g. "p[0]@before"; the conformance test compares
 * which labels share a frame, never the raw PFNs, because the model numbers its frames differently.
 */
#ifndef VMSPLICE_LENS_PROBE_H
#define VMSPLICE_LENS_PROBE_H

#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <sys/uio.h>
#include <sys/utsname.h>
#include <sys/wait.h>
#include <unistd.h>

#define G SPLICE_F_GIFT
#define M SPLICE_F_MOVE
#define N SPLICE_F_NONBLOCK

/* How long a guarded call may sleep before it counts as blocked. Short, because a blocking call is the expected
 * outcome of some probes; the runner's own timeout is the backstop for a probe that hangs anyway. */
#define PROBE_BLOCK_MS 200

/* Every helper is static and most probes use only some of them, so unused ones must not warn under -Wall. */
#define PROBE_HELPER static __attribute__((unused))

static long P;
static const char *probe_name;
static char section_calls[16384], section_memory[65536], section_pages[16384], section_facts[4096];
static volatile sig_atomic_t probe_timer_fired;

PROBE_HELPER void probe_append(char *section, size_t size, const char *format, ...) {
  size_t used = strlen(section);
  va_list args;
  va_start(args, format);
  if (used > 0 && used + 1 < size) section[used++] = ',', section[used] = '\0';
  vsnprintf(section + used, size - used, format, args);
  va_end(args);
}

PROBE_HELPER void probe_on_timer(int signal_number) {
  (void)signal_number;
  probe_timer_fired = 1;
}

/* A probe that cannot run on this machine says why and exits with status 3, which the runner reports. */
PROBE_HELPER void probe_cannot_run(const char *reason) {
  printf("{\"probe\":\"%s\",\"cannotRun\":\"%s\"}\n", probe_name, reason);
  fflush(stdout);
  exit(3);
}

/* Setup steps that are not under test must succeed; a failure there is a broken probe, not a kernel result. */
PROBE_HELPER void probe_require(int condition, const char *what) {
  if (!condition) {
    fprintf(stderr, "%s: setup step failed: %s: %s\n", probe_name, what, strerror(errno));
    exit(2);
  }
}

PROBE_HELPER void probe_init(const char *name) {
  probe_name = name;
  P = sysconf(_SC_PAGESIZE);
  /* The timer signal must interrupt blocking calls instead of restarting them, so no SA_RESTART. */
  struct sigaction action;
  memset(&action, 0, sizeof action);
  action.sa_handler = probe_on_timer;
  sigemptyset(&action.sa_mask);
  probe_require(sigaction(SIGALRM, &action, NULL) == 0, "sigaction(SIGALRM)");
  int pagemap = open("/proc/self/pagemap", O_RDONLY);
  if (pagemap < 0) probe_cannot_run("cannot open /proc/self/pagemap (not Linux, or procfs missing)");
  close(pagemap);
  if (geteuid() != 0) probe_cannot_run("not root: /proc/self/pagemap hides PFNs from unprivileged processes");
}

PROBE_HELPER void probe_arm(void) {
  struct itimerval timer = {{0, 0}, {0, PROBE_BLOCK_MS * 1000}};
  probe_timer_fired = 0;
  setitimer(ITIMER_REAL, &timer, NULL);
}

PROBE_HELPER void probe_disarm(void) {
  struct itimerval timer = {{0, 0}, {0, 0}};
  setitimer(ITIMER_REAL, &timer, NULL);
}

/* Records a call outcome; probes also call it directly for results a child process measured and sent back. */
PROBE_HELPER void probe_record(const char *id, long result, int error) {
  /* Only a call the timer actually interrupted counts as blocked: a call that was merely slow (a loaded machine)
   * completes normally even if the timer fires meanwhile, because a signal interrupts sleeps, not running code. */
  int blocked = probe_timer_fired && result < 0 && error == EINTR;
  probe_timer_fired = 0;
  if (blocked)
    probe_append(section_calls, sizeof section_calls, "\"%s\":{\"blocked\":true,\"progress\":0}", id);
  else if (result < 0)
    probe_append(section_calls, sizeof section_calls, "\"%s\":{\"errno\":\"%s\"}", id, strerrorname_np(error));
  else
    probe_append(section_calls, sizeof section_calls, "\"%s\":{\"returned\":%ld}", id, result);
}

/* Runs one system call under the block timer and records its outcome under `id`; evaluates to the result. */
#define CALL(id, expression)                \
  ({                                        \
    probe_arm();                            \
    errno = 0;                              \
    long probe_result_ = (long)(expression); \
    int probe_errno_ = errno;               \
    probe_disarm();                         \
    probe_record((id), probe_result_, probe_errno_); \
    errno = probe_errno_;                   \
    probe_result_;                          \
  })

/* Reads the pagemap entry of the page containing `address`: bit 63 is "present", bits 0-54 the PFN. */
PROBE_HELPER uint64_t probe_pagemap_entry(const void *address) {
  int pagemap = open("/proc/self/pagemap", O_RDONLY);
  probe_require(pagemap >= 0, "open pagemap");
  uint64_t entry = 0;
  off_t offset = (off_t)((uintptr_t)address / (uintptr_t)P) * 8;
  probe_require(pread(pagemap, &entry, sizeof entry, offset) == (ssize_t)sizeof entry, "pread pagemap");
  close(pagemap);
  return entry;
}

/* Records one page observation; also used for PFNs that a child process measured and sent to the parent. */
PROBE_HELPER void probe_page_entry(const char *label, uint64_t entry) {
  int present = (int)((entry >> 63) & 1);
  unsigned long long pfn = present ? (unsigned long long)(entry & ((1ULL << 55) - 1)) : 0;
  if (present && pfn == 0) probe_cannot_run("pagemap shows present pages with PFN 0: no CAP_SYS_ADMIN");
  probe_append(section_pages, sizeof section_pages, "\"%s\":{\"present\":%s,\"pfn\":%llu}", label, present ? "true" : "false", pfn);
}

PROBE_HELPER void probe_page(const char *label, const void *address) {
  probe_page_entry(label, probe_pagemap_entry(address));
}

/* Records `count` consecutive pages starting at `base` as "<name>[<i>]@<moment>". */
PROBE_HELPER void probe_pages(const char *name, const void *base, int count, const char *moment) {
  for (int i = 0; i < count; i++) {
    char label[64];
    snprintf(label, sizeof label, "%s[%d]@%s", name, i, moment);
    probe_page(label, (const char *)base + (long)i * P);
  }
}

/* Records the PFN of the shared zero page under the label "zero-page", from a fresh read-faulted mapping. */
PROBE_HELPER void probe_zero_page(void) {
  volatile char *page = mmap(NULL, (size_t)P, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  probe_require(page != MAP_FAILED, "mmap zero-page witness");
  (void)page[0];
  probe_page("zero-page", (const void *)page);
  munmap((void *)page, (size_t)P);
}

/* Summarises `length` bytes as byte runs plus a 32-bit FNV-1a hash; runs are omitted beyond 256 of them. */
PROBE_HELPER void probe_memory(const char *label, const void *address, long length) {
  const unsigned char *bytes = address;
  uint32_t hash = 2166136261u;
  for (long i = 0; i < length; i++) hash = (hash ^ bytes[i]) * 16777619u;
  char runs[8192] = "";
  int run_count = 0;
  for (long i = 0; i < length && run_count <= 256;) {
    long j = i;
    while (j < length && bytes[j] == bytes[i]) j++;
    if (run_count < 256) probe_append(runs, sizeof runs, "[%u,%ld]", bytes[i], j - i);
    run_count++;
    i = j;
  }
  if (run_count > 256)
    probe_append(section_memory, sizeof section_memory, "\"%s\":{\"length\":%ld,\"fnv1a\":%u}", label, length, hash);
  else
    probe_append(section_memory, sizeof section_memory, "\"%s\":{\"length\":%ld,\"runs\":[%s],\"fnv1a\":%u}", label, length, runs, hash);
}

PROBE_HELPER void probe_fact(const char *label, long value) {
  probe_append(section_facts, sizeof section_facts, "\"%s\":%ld", label, value);
}

PROBE_HELPER void probe_finish(void) {
  struct utsname machine;
  probe_require(uname(&machine) == 0, "uname");
  printf("{\"probe\":\"%s\",\"kernel\":\"%s\",\"machine\":\"%s\",\"pageSize\":%ld,\"calls\":{%s},\"memory\":{%s},\"pages\":{%s},\"facts\":{%s}}\n",
         probe_name, machine.release, machine.machine, P, section_calls, section_memory, section_pages, section_facts);
  fflush(stdout);
}

/* The model assumes the default /proc/sys/fs/pipe-max-size; a machine configured otherwise cannot run the probe. */
PROBE_HELPER void probe_require_pipe_max_size(long expected) {
  FILE *file = fopen("/proc/sys/fs/pipe-max-size", "r");
  long value = -1;
  if (!file || fscanf(file, "%ld", &value) != 1) probe_cannot_run("cannot read /proc/sys/fs/pipe-max-size");
  fclose(file);
  if (value != expected) probe_cannot_run("/proc/sys/fs/pipe-max-size is not the default 1048576 the model assumes");
}

/* A private anonymous read-write mapping of `pages` pages, page-aligned. */
PROBE_HELPER char *probe_map(int pages) {
  char *address = mmap(NULL, (size_t)(pages * P), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  probe_require(address != MAP_FAILED, "mmap private anonymous");
  return address;
}

/* The spec's A(n): every page written with its own byte, 0x10 + i for page i. */
PROBE_HELPER char *probe_map_filled(int pages) {
  char *address = probe_map(pages);
  for (int i = 0; i < pages; i++) memset(address + (long)i * P, 0x10 + i, (size_t)P);
  return address;
}

/* A reader destination: A(n) filled with 0xEE, as the spec's fixtures say. */
PROBE_HELPER char *probe_map_destination(int pages) {
  char *address = probe_map(pages);
  memset(address, 0xEE, (size_t)(pages * P));
  return address;
}

/* Fills an empty default-size pipe with write(2) in nonblocking mode, so the probe never blocks here, and records
 * the bytes written under `id`: the same as one blocking 64 KiB write(2), which is how the .vmsim twins say it. */
PROBE_HELPER long probe_fill_pipe(const char *id, int write_end, char byte) {
  static char chunk[65536];
  memset(chunk, byte, sizeof chunk);
  int flags = fcntl(write_end, F_GETFL);
  probe_require(fcntl(write_end, F_SETFL, flags | O_NONBLOCK) == 0, "F_SETFL O_NONBLOCK");
  long total = 0;
  for (;;) {
    ssize_t written = write(write_end, chunk, sizeof chunk);
    if (written < 0) break;
    total += written;
  }
  probe_require(errno == EAGAIN, "fill pipe until EAGAIN");
  probe_require(fcntl(write_end, F_SETFL, flags) == 0, "restore F_SETFL");
  probe_record(id, total, 0);
  return total;
}

#endif
