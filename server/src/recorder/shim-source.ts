/**
 * The C source of the recorder's LD_PRELOAD shim, embedded so that the bundled CLI carries it (cli/record.ts compiles it
 * with the system gcc into a cache directory at record time; nothing is built at install time).
 *
 * The shim interposes `vmsplice()` and `syscall()` (only `number == SYS_vmsplice` is observed; every other syscall is
 * forwarded untouched). Before the real call it reads, for every page each iovec touches, the raw /proc/self/pagemap
 * entry and (when readable) the /proc/kpageflags word of its frame, the smaps entry of the mapping holding it, the
 * descriptor's fstat mode and /proc/self/fdinfo flags, F_GETPIPE_SZ and the thread count; after the call it reads the
 * pagemap entries again, and the return value and errno. It appends one JSON line per call to the file named by
 * VMSPLICE_LENS_TRACE (O_APPEND, one write() per line, so lines from threads and forked children never interleave) and
 * a "process" line when a process loads it. The interpretation of the raw words is done in TypeScript (observe.ts),
 * where it is tested; the shim only copies what the kernel says.
 */
export const SHIM_VERSION = 1;

export const SHIM_SOURCE = String.raw`/* vmsplice-lens record shim v1 (generated; see server/src/recorder/shim-source.ts) */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <execinfo.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/types.h>
#include <sys/uio.h>
#include <time.h>
#include <unistd.h>

#define MAX_PAGES_PER_CALL 16384

typedef ssize_t (*vmsplice_fn)(int, const struct iovec *, unsigned long, unsigned int);
typedef long (*syscall_fn)(long, ...);

static __thread int in_shim;
static long page_size = 4096;
static uint64_t zero_entry;
static int zero_known;

struct buf {
  char *data;
  size_t len, cap;
  int failed;
};

static void put(struct buf *b, const char *text, size_t n) {
  if (b->failed) return;
  if (b->len + n + 1 > b->cap) {
    size_t cap = b->cap ? b->cap : 8192;
    while (b->len + n + 1 > cap) cap *= 2;
    char *data = realloc(b->data, cap);
    if (!data) {
      b->failed = 1;
      return;
    }
    b->data = data;
    b->cap = cap;
  }
  memcpy(b->data + b->len, text, n);
  b->len += n;
  b->data[b->len] = 0;
}

static void putf(struct buf *b, const char *format, ...) {
  char small[256];
  va_list args;
  va_start(args, format);
  int n = vsnprintf(small, sizeof small, format, args);
  va_end(args);
  if (n > 0) put(b, small, (size_t)n < sizeof small ? (size_t)n : sizeof small - 1);
}

static void put_string(struct buf *b, const char *text) {
  put(b, "\"", 1);
  for (const unsigned char *c = (const unsigned char *)text; *c; c++) {
    if (*c == '"' || *c == '\\') {
      char esc[2] = {'\\', (char)*c};
      put(b, esc, 2);
    } else if (*c < 0x20 || *c >= 0x7f) {
      putf(b, "\\u%04x", *c);
    } else {
      put(b, (const char *)c, 1);
    }
  }
  put(b, "\"", 1);
}

static int read_u64(int fd, uint64_t index, uint64_t *value) {
  return pread(fd, value, sizeof *value, (off_t)(index * sizeof *value)) == (ssize_t)sizeof *value ? 0 : -1;
}

/* A whole /proc file as a malloc'd, NUL-terminated string. */
static char *slurp(const char *path) {
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return NULL;
  size_t cap = 65536, len = 0;
  char *text = malloc(cap);
  while (text) {
    if (len + 4096 > cap) {
      char *grown = realloc(text, cap * 2);
      if (!grown) {
        free(text);
        text = NULL;
        break;
      }
      text = grown;
      cap *= 2;
    }
    ssize_t n = read(fd, text + len, cap - len - 1);
    if (n <= 0) break;
    len += (size_t)n;
  }
  close(fd);
  if (text) text[len] = 0;
  return text;
}

struct mapping {
  unsigned long start, end, offset;
  char perms[8];
  char path[512];
  char vmflags[160];
  int index; /* position in the line's "maps" array, -1 until a page uses it */
};

/* /proc/self/smaps as mappings (each header line with its VmFlags line); /proc/self/maps when smaps is unreadable. */
static int read_maps(struct mapping **out) {
  char *text = slurp("/proc/self/smaps");
  if (!text) text = slurp("/proc/self/maps");
  *out = NULL;
  if (!text) return 0;
  int count = 0, cap = 256;
  struct mapping *maps = calloc((size_t)cap, sizeof *maps);
  for (char *line = text; maps && line && *line;) {
    char *next = strchr(line, '\n');
    if (next) *next++ = 0;
    unsigned long start, end, offset;
    char perms[8];
    int consumed = 0;
    if (sscanf(line, "%lx-%lx %7s %lx %*s %*s%n", &start, &end, perms, &offset, &consumed) == 4 && consumed > 0) {
      if (count == cap) {
        struct mapping *grown = realloc(maps, (size_t)cap * 2 * sizeof *maps);
        if (!grown) break;
        maps = grown;
        memset(maps + cap, 0, (size_t)cap * sizeof *maps);
        cap *= 2;
      }
      struct mapping *m = &maps[count++];
      m->start = start;
      m->end = end;
      m->offset = offset;
      snprintf(m->perms, sizeof m->perms, "%s", perms);
      const char *path = line + consumed;
      while (*path == ' ') path++;
      snprintf(m->path, sizeof m->path, "%s", path);
      m->vmflags[0] = 0;
      m->index = -1;
    } else if (count > 0 && strncmp(line, "VmFlags:", 8) == 0) {
      const char *flags = line + 8;
      while (*flags == ' ') flags++;
      snprintf(maps[count - 1].vmflags, sizeof maps[count - 1].vmflags, "%s", flags);
    }
    line = next;
  }
  free(text);
  *out = maps;
  return maps ? count : 0;
}

static struct mapping *find_map(struct mapping *maps, int count, unsigned long address) {
  for (int i = 0; i < count; i++)
    if (address >= maps[i].start && address < maps[i].end) return &maps[i];
  return NULL;
}

/* The pagemap entry of the shared zero page: a fresh private anonymous page that is only read maps it. */
static void learn_zero_page(int pagemap) {
  if (zero_known || pagemap < 0) return;
  volatile char *probe = mmap(NULL, (size_t)page_size, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (probe == MAP_FAILED) return;
  (void)probe[0];
  uint64_t entry = 0;
  if (read_u64(pagemap, (uintptr_t)probe / (uint64_t)page_size, &entry) == 0 && (entry >> 63) & 1) {
    zero_entry = entry & ((1ULL << 55) - 1);
    zero_known = 1;
  }
  munmap((void *)probe, (size_t)page_size);
}

static void write_line(struct buf *b) {
  const char *path = getenv("VMSPLICE_LENS_TRACE");
  if (!path || b->failed || !b->data) return;
  put(b, "\n", 1);
  int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return;
  size_t done = 0;
  while (done < b->len) {
    ssize_t n = write(fd, b->data + done, b->len - done);
    if (n <= 0) break;
    done += (size_t)n;
  }
  close(fd);
}

static void put_fd(struct buf *b, int fd) {
  struct stat st;
  const char *kind = "unknown";
  int have = fstat(fd, &st) == 0;
  if (have) {
    if (S_ISFIFO(st.st_mode)) kind = "fifo";
    else if (S_ISREG(st.st_mode)) kind = "file";
    else if (S_ISCHR(st.st_mode)) kind = "char";
    else if (S_ISSOCK(st.st_mode)) kind = "socket";
    else if (S_ISDIR(st.st_mode)) kind = "dir";
    else if (S_ISBLK(st.st_mode)) kind = "block";
  }
  putf(b, ",\"fdinfo\":{\"stat\":\"%s\"", have ? kind : "ebadf");
  if (have) putf(b, ",\"ino\":%llu,\"dev\":%llu", (unsigned long long)st.st_ino, (unsigned long long)st.st_dev);
  char path[64], target[256];
  snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
  ssize_t n = readlink(path, target, sizeof target - 1);
  if (n > 0) {
    target[n] = 0;
    put(b, ",\"target\":", 10);
    put_string(b, target);
  }
  snprintf(path, sizeof path, "/proc/self/fdinfo/%d", fd);
  char *info = slurp(path);
  if (info) {
    char *flags = strstr(info, "flags:");
    if (flags) putf(b, ",\"flags\":%lu", strtoul(flags + 6, NULL, 8));
    free(info);
  }
#ifdef F_GETPIPE_SZ
  if (have && S_ISFIFO(st.st_mode)) {
    int saved = errno;
    int size = fcntl(fd, F_GETPIPE_SZ);
    errno = saved;
    if (size > 0) putf(b, ",\"pipeSize\":%d", size);
  }
#endif
  put(b, "}", 1);
}

static int count_threads(void) {
  char *status = slurp("/proc/self/status");
  int threads = 0;
  if (status) {
    char *line = strstr(status, "\nThreads:");
    if (line) threads = atoi(line + 9);
    free(status);
  }
  return threads;
}

static void put_frame(struct buf *b, void *address, struct mapping *maps, int count) {
  putf(b, "{\"addr\":\"0x%lx\"", (unsigned long)(uintptr_t)address);
  struct mapping *m = find_map(maps, count, (unsigned long)(uintptr_t)address);
  if (m) {
    putf(b, ",\"mapStart\":\"0x%lx\",\"mapOffset\":\"0x%lx\",\"object\":", m->start, m->offset);
    put_string(b, m->path);
  }
  put(b, "}", 1);
}

#define CALLER_FRAMES 4

/*
 * The caller (the return address of the interposed call) and, from the unwinder (backtrace(), .eh_frame), up to
 * CALLER_FRAMES return addresses above it: who called the function that made the call, so that a call inside a
 * wrapper can be shown at the wrapper's call sites too (where the static analyzer reports it).
 */
static void put_caller(struct buf *b, void *caller, struct mapping *maps, int count) {
  put(b, ",\"caller\":", 10);
  put_frame(b, caller, maps, count);
  void *frames[CALLER_FRAMES + 8];
  int n = backtrace(frames, CALLER_FRAMES + 8);
  int at = -1;
  for (int i = 0; i < n; i++)
    if (frames[i] == caller) {
      at = i;
      break;
    }
  if (at < 0) return;
  put(b, ",\"callers\":[", 12);
  for (int i = at + 1, printed = 0; i < n && printed < CALLER_FRAMES; i++, printed++) {
    if (printed) put(b, ",", 1);
    put_frame(b, frames[i], maps, count);
  }
  put(b, "]", 1);
}

/*
 * Observes one vmsplice call: arguments, descriptor, every page of every iovec (pagemap entry and kpageflags word before
 * the call, pagemap entry after it), the mappings they lie in; then performs the call through 'call'.
 */
struct pending {
  struct buf b;
  uint64_t *before_index; /* page numbers, in the order they were printed */
  int pages;
  int pagemap;
};

static void observe_before(struct pending *p, const char *via, void *caller, int fd, const struct iovec *iov,
                           unsigned long nr_segs, unsigned int flags) {
  struct buf *b = &p->b;
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  int pagemap = open("/proc/self/pagemap", O_RDONLY | O_CLOEXEC);
  int kpageflags = open("/proc/kpageflags", O_RDONLY | O_CLOEXEC);
  p->pagemap = pagemap;
  learn_zero_page(pagemap);
  struct mapping *maps = NULL;
  int count = read_maps(&maps);
  putf(b, "{\"type\":\"call\",\"v\":1,\"pid\":%d,\"tid\":%ld,\"time\":%lld.%09ld,\"via\":\"%s\"", (int)getpid(),
       (long)syscall(SYS_gettid), (long long)now.tv_sec, now.tv_nsec, via);
  putf(b, ",\"fd\":%d,\"nrSegs\":%lu,\"flags\":%u,\"pageSize\":%ld,\"threads\":%d", fd, nr_segs, flags, page_size,
       count_threads());
  putf(b, ",\"pagemap\":%s,\"kpageflags\":%s", pagemap >= 0 ? "true" : "false", kpageflags >= 0 ? "true" : "false");
  if (zero_known) putf(b, ",\"zeroPfn\":\"0x%llx\"", (unsigned long long)zero_entry);
  put_caller(b, caller, maps, count);
  put_fd(b, fd);
  /*
   * The iovec array is copied with process_vm_readv on this very process, never dereferenced: a bad pointer (the
   * kernel answers EFAULT) must not crash the program under the recorder.
   */
  unsigned long segs = nr_segs > 1024 ? 1025 : nr_segs;
  struct iovec *copy = segs ? malloc(segs * sizeof *copy) : NULL;
  if (segs > 0) {
    struct iovec local = {copy, segs * sizeof *copy};
    struct iovec remote = {(void *)iov, segs * sizeof *copy};
    ssize_t got = copy ? process_vm_readv(getpid(), &local, 1, &remote, 1, 0) : -1;
    if (got != (ssize_t)(segs * sizeof *copy)) {
      putf(b, ",\"iovUnreadable\":%d", got < 0 ? errno : 0);
      segs = 0;
    }
  }
  put(b, ",\"iov\":[", 8);
  int used_maps = 0;
  int budget = MAX_PAGES_PER_CALL;
  p->before_index = malloc(sizeof(uint64_t) * MAX_PAGES_PER_CALL);
  p->pages = 0;
  for (unsigned long i = 0; i < segs; i++) {
    unsigned long base = (unsigned long)(uintptr_t)copy[i].iov_base;
    unsigned long len = (unsigned long)copy[i].iov_len;
    putf(b, "%s{\"base\":\"0x%lx\",\"len\":%lu,\"pages\":[", i ? "," : "", base, len);
    unsigned long first = base / (unsigned long)page_size;
    unsigned long last = len ? (base + len - 1) / (unsigned long)page_size : first;
    int truncated = 0;
    for (unsigned long page = first; len && page <= last; page++) {
      if (budget == 0) {
        truncated = 1;
        break;
      }
      budget--;
      uint64_t entry = 0, kflags = 0;
      int have_entry = pagemap >= 0 && read_u64(pagemap, page, &entry) == 0;
      int have_flags = 0;
      uint64_t pfn = entry & ((1ULL << 55) - 1);
      if (have_entry && (entry >> 63) & 1 && pfn && kpageflags >= 0) have_flags = read_u64(kpageflags, pfn, &kflags) == 0;
      struct mapping *m = find_map(maps, count, page * (unsigned long)page_size);
      if (m && m->index < 0) m->index = used_maps++;
      put(b, page == first ? "{" : ",{", page == first ? 1 : 2);
      if (have_entry) putf(b, "\"pm\":\"0x%llx\"", (unsigned long long)entry);
      else put(b, "\"pm\":null", 9);
      if (have_flags) putf(b, ",\"kf\":\"0x%llx\"", (unsigned long long)kflags);
      else put(b, ",\"kf\":null", 10);
      putf(b, ",\"map\":%d}", m ? m->index : -1);
      if (p->pages < MAX_PAGES_PER_CALL && p->before_index) p->before_index[p->pages++] = page;
    }
    putf(b, "]%s}", truncated ? ",\"truncated\":true" : "");
  }
  put(b, "]", 1);
  free(copy);
  if (nr_segs > segs) putf(b, ",\"iovNotRead\":%lu", nr_segs - segs);
  put(b, ",\"maps\":[", 9);
  for (int index = 0; index < used_maps; index++) {
    for (int i = 0; i < count; i++) {
      if (maps[i].index != index) continue;
      putf(b, "%s{\"start\":\"0x%lx\",\"end\":\"0x%lx\",\"perms\":\"%s\",\"offset\":\"0x%lx\",\"path\":", index ? "," : "",
           maps[i].start, maps[i].end, maps[i].perms, maps[i].offset);
      put_string(b, maps[i].path);
      put(b, ",\"vmflags\":", 11);
      put_string(b, maps[i].vmflags);
      put(b, "}", 1);
    }
  }
  put(b, "]", 1);
  free(maps);
  if (kpageflags >= 0) close(kpageflags);
}

static void observe_after(struct pending *p, long result, int error) {
  struct buf *b = &p->b;
  struct timespec now;
  clock_gettime(CLOCK_REALTIME, &now);
  putf(b, ",\"end\":%lld.%09ld,\"ret\":%ld,\"errno\":%d,\"after\":[", (long long)now.tv_sec, now.tv_nsec, result,
       result < 0 ? error : 0);
  for (int i = 0; i < p->pages; i++) {
    uint64_t entry = 0;
    if (p->pagemap >= 0 && read_u64(p->pagemap, p->before_index[i], &entry) == 0)
      putf(b, "%s\"0x%llx\"", i ? "," : "", (unsigned long long)entry);
    else
      putf(b, "%snull", i ? "," : "");
  }
  put(b, "]}", 2);
  if (p->pagemap >= 0) close(p->pagemap);
  free(p->before_index);
  write_line(b);
  free(b->data);
}

static vmsplice_fn real_vmsplice;
static syscall_fn real_syscall;

static void resolve(void) {
  if (!real_vmsplice) real_vmsplice = (vmsplice_fn)dlsym(RTLD_NEXT, "vmsplice");
  if (!real_syscall) real_syscall = (syscall_fn)dlsym(RTLD_NEXT, "syscall");
}

/* A "process" line: when the shim is loaded (exec) and in every forked child (pthread_atfork). */
static void announce(const char *how) {
  const char *path = getenv("VMSPLICE_LENS_TRACE");
  if (!path) return;
  char exe[512], line[1024];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  exe[n > 0 ? n : 0] = 0;
  for (char *c = exe; *c; c++)
    if (*c == '"' || *c == '\\' || (unsigned char)*c < 0x20) *c = '?';
  int length = snprintf(line, sizeof line, "{\"type\":\"process\",\"v\":1,\"pid\":%d,\"ppid\":%d,\"how\":\"%s\",\"exe\":\"%s\"}\n",
                        (int)getpid(), (int)getppid(), how, exe);
  if (length <= 0 || length >= (int)sizeof line) return;
  int fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0) return;
  ssize_t written = write(fd, line, (size_t)length);
  (void)written;
  close(fd);
}

static void forked_child(void) { announce("fork"); }

__attribute__((constructor)) static void shim_start(void) {
  long size = sysconf(_SC_PAGESIZE);
  if (size > 0) page_size = size;
  resolve();
  /* The unwinder is loaded now (libgcc_s), not inside the first interposed call. */
  void *warm[2];
  backtrace(warm, 2);
  announce("exec");
  pthread_atfork(NULL, NULL, forked_child);
}

static ssize_t traced(const char *via, void *caller, int fd, const struct iovec *iov, unsigned long nr_segs,
                      unsigned int flags) {
  resolve();
  if (in_shim || !getenv("VMSPLICE_LENS_TRACE")) {
    if (via[0] == 'v' && real_vmsplice) return real_vmsplice(fd, iov, nr_segs, flags);
    return real_syscall ? real_syscall(SYS_vmsplice, (long)fd, (long)(uintptr_t)iov, (long)nr_segs, (long)flags, 0L, 0L)
                        : -1;
  }
  in_shim = 1;
  int saved = errno;
  struct pending p = {0};
  observe_before(&p, via, caller, fd, iov, nr_segs, flags);
  errno = saved;
  long result;
  if (via[0] == 'v' && real_vmsplice)
    result = real_vmsplice(fd, iov, nr_segs, flags);
  else
    result = real_syscall ? real_syscall(SYS_vmsplice, (long)fd, (long)(uintptr_t)iov, (long)nr_segs, (long)flags, 0L, 0L)
                          : -1;
  int error = errno;
  observe_after(&p, result, error);
  in_shim = 0;
  errno = error;
  return result;
}

ssize_t vmsplice(int fd, const struct iovec *iov, size_t nr_segs, unsigned int flags) {
  return traced("vmsplice", __builtin_extract_return_addr(__builtin_return_address(0)), fd, iov, nr_segs, flags);
}

long syscall(long number, ...) {
  va_list args;
  va_start(args, number);
  long a = va_arg(args, long), b = va_arg(args, long), c = va_arg(args, long);
  long d = va_arg(args, long), e = va_arg(args, long), f = va_arg(args, long);
  va_end(args);
  if (number == SYS_vmsplice)
    return traced("syscall", __builtin_extract_return_addr(__builtin_return_address(0)), (int)a,
                  (const struct iovec *)(uintptr_t)b, (unsigned long)c, (unsigned int)d);
  resolve();
  return real_syscall(number, a, b, c, d, e, f);
}
`;
