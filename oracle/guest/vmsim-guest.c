/*
 * vmsim-guest: replays compiled .vmsim scenarios inside the oracle's QEMU guest
 * and prints what the real kernel did, one machine-readable line per step.
 *
 * It owns only the guest side of the oracle: it reads the script the harness
 * compiled from .vmsim files (oracle/lib/compile.ts writes it, the format is
 * described there), runs every scenario in a fresh supervisor process, runs
 * each scenario process (W, R, a forked C, ...) as a real process driven over
 * two control pipes, and reports return values, errno, signals, the PFN of
 * every page of the acting process before and after each call (from
 * /proc/self/pagemap, which shows PFNs to root only), its RssAnon, and at the
 * end what every live process reads in every mapping.
 * It judges nothing: the harness compares these facts with the simulator.
 * It is built with `gcc -static` and depends on nothing but libc.
 *
 * Result lines start with "VMSORACLE " followed by one JSON object and go to
 * the second serial port (/dev/ttyS1, or stdout when it is missing), so kernel
 * messages on the console can never split them. Markers that place kernel
 * messages (the rss-counter line printed when a reader's address space is
 * freed) within a scenario go into the kernel log itself through /dev/kmsg.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <setjmp.h>
#include <time.h>
#include <unistd.h>
#include <linux/capability.h>

#define PAGE 4096UL
#define MAX_PROCS 8
#define MAX_MAPS 16
#define MAX_PIPES 8
#define MAX_FILES 8
#define MAX_NAMED 8
#define MAX_LINES 512
#define MAX_TOKENS 128
#define LAYOUT_BASE 0x10000000UL
/* A call that has not returned after this many seconds is reported as blocked. */
#define BLOCK_SECONDS 2
/* A scenario process that does not answer a command within this time is reported as hung. */
#define REPLY_TIMEOUT_MS 20000

/* ---- output -------------------------------------------------------------- */

/* A growable text buffer; every output line is built in one and written with
 * a single write(2) so kernel console messages cannot split it. */
struct text {
	char *data;
	size_t len, cap;
};

static void text_add(struct text *t, const char *fmt, ...)
{
	va_list ap;
	for (;;) {
		size_t room = t->cap - t->len;
		int n;
		va_start(ap, fmt);
		n = vsnprintf(t->data ? t->data + t->len : NULL, t->data ? room : 0, fmt, ap);
		va_end(ap);
		if (n >= 0 && t->data && (size_t)n < room) {
			t->len += (size_t)n;
			return;
		}
		t->cap = t->cap * 2 + (size_t)(n > 0 ? n : 0) + 256;
		t->data = realloc(t->data, t->cap);
		if (!t->data)
			_exit(99);
	}
}

static void write_all(int fd, const char *data, size_t len)
{
	while (len) {
		ssize_t n = write(fd, data, len);
		if (n < 0) {
			if (errno == EINTR)
				continue;
			return;
		}
		data += n;
		len -= (size_t)n;
	}
}

static int results_fd = 1;
static int kmsg_fd = -1;

static void emit(const char *scenario, const char *body)
{
	struct text line = { 0 };
	text_add(&line, "VMSORACLE {\"s\":\"%s\",%s}\n", scenario, body);
	write_all(results_fd, line.data, line.len);
	free(line.data);
}

/* One line in the kernel log, ordered with the kernel's own messages. */
static void mark(const char *scenario, const char *event, const char *process)
{
	char line[160];
	int n = snprintf(line, sizeof line, "VMSORACLE-MARK %s %s %s\n", scenario, event, process);
	if (kmsg_fd >= 0 && n > 0)
		write_all(kmsg_fd, line, (size_t)n);
}

/* After a reaped process: a dead task's final context switch can come after
 * its parent's wait returns (wakeup preemption), and its address space may
 * then be held lazily by the idle task until a user task runs again. Sleeping
 * lets both happen, so the exit's kernel messages precede the next marker. */
static void settle(void)
{
	struct timespec pause = { 0, 20 * 1000 * 1000 };
	nanosleep(&pause, NULL);
}

static const char *errno_name(int e)
{
	switch (e) {
	case EBADF: return "EBADF";
	case EINVAL: return "EINVAL";
	case EAGAIN: return "EAGAIN";
	case ENOMEM: return "ENOMEM";
	case EFAULT: return "EFAULT";
	case EPIPE: return "EPIPE";
	case EPERM: return "EPERM";
	case EBUSY: return "EBUSY";
	case EINTR: return "EINTR";
	case ENOENT: return "ENOENT";
	case EEXIST: return "EEXIST";
	case ENOSYS: return "ENOSYS";
	case EACCES: return "EACCES";
	case ESPIPE: return "ESPIPE";
	default: return "EOTHER";
	}
}

/* ---- script -------------------------------------------------------------- */

struct line {
	int ntok;
	char *tok[MAX_TOKENS];
};

static struct line lines[MAX_LINES];
static int nlines;

static void load_script(const char *path)
{
	FILE *f = fopen(path, "r");
	char buf[4096];
	if (!f) {
		dprintf(1, "VMSORACLE-ERROR cannot open %s: %s\n", path, strerror(errno));
		exit(2);
	}
	while (fgets(buf, sizeof buf, f) && nlines < MAX_LINES) {
		struct line *l = &lines[nlines];
		char *save = NULL, *tok = strtok_r(buf, " \t\r\n", &save);
		l->ntok = 0;
		while (tok && l->ntok < MAX_TOKENS) {
			l->tok[l->ntok++] = strdup(tok);
			tok = strtok_r(NULL, " \t\r\n", &save);
		}
		if (l->ntok)
			nlines++;
	}
	fclose(f);
}

static long num(const char *s)
{
	return strtol(s, NULL, 0);
}

/* ---- per-scenario machine state (shared by fork into every process) ----- */

struct proc {
	char name[32];
	char parent[32]; /* "-" for processes the supervisor starts itself */
	int privileged, sigpipe_ignored;
	int cmd[2], reply[2];
	pid_t pid;
	int alive, started;
};

struct pipe_ent {
	char name[32];
	int fd[2];
};

struct file_ent {
	char name[32];
	char path[64];
};

struct mapping {
	char name[32];
	unsigned long addr;
	size_t len;
	int prot;
	unsigned char *mapped; /* one flag per page: 0 after munmap */
	int used;
};

struct named_fd {
	char name[32];
	int fd;
};

static const char *scenario_id = "?";
static struct proc procs[MAX_PROCS];
static int nprocs;
static struct pipe_ent pipes[MAX_PIPES];
static int npipes;
static struct file_ent files[MAX_FILES];
static int nfiles;

/* Process-local state (each process has its own copy after fork). */
static struct mapping maps[MAX_MAPS];
static struct named_fd named[MAX_NAMED];
static unsigned long layout_next = LAYOUT_BASE;
static struct proc *self;
static volatile sig_atomic_t alarm_fired, sigpipe_count;

static struct proc *find_proc(const char *name)
{
	for (int i = 0; i < nprocs; i++)
		if (!strcmp(procs[i].name, name))
			return &procs[i];
	return NULL;
}

static struct mapping *find_map(const char *name)
{
	for (int i = 0; i < MAX_MAPS; i++)
		if (maps[i].used && !strcmp(maps[i].name, name))
			return &maps[i];
	return NULL;
}

static struct file_ent *find_file(const char *name)
{
	for (int i = 0; i < nfiles; i++)
		if (!strcmp(files[i].name, name))
			return &files[i];
	return NULL;
}

/* Resolves "pipe:NAME:END", "named:NAME" or "num:N" to a descriptor number. */
static int resolve_fd(const char *ref)
{
	if (!strncmp(ref, "pipe:", 5)) {
		char name[32];
		const char *colon = strrchr(ref, ':');
		size_t n = (size_t)(colon - (ref + 5));
		if (n >= sizeof name)
			return -1;
		memcpy(name, ref + 5, n);
		name[n] = 0;
		for (int i = 0; i < npipes; i++)
			if (!strcmp(pipes[i].name, name))
				return pipes[i].fd[num(colon + 1) ? 1 : 0];
		return -1;
	}
	if (!strncmp(ref, "named:", 6)) {
		for (int i = 0; i < MAX_NAMED; i++)
			if (named[i].name[0] && !strcmp(named[i].name, ref + 6))
				return named[i].fd;
		return -1;
	}
	if (!strncmp(ref, "num:", 4))
		return (int)num(ref + 4);
	return -1;
}

/* Resolves a mapping name plus byte offset to an address; "NULL" is 0 plus the offset. */
static unsigned long resolve_addr(const char *mapname, const char *offset)
{
	struct mapping *m;
	if (!strcmp(mapname, "NULL"))
		return (unsigned long)num(offset);
	m = find_map(mapname);
	return m ? m->addr + (unsigned long)num(offset) : 0;
}

/* ---- memory facts --------------------------------------------------------- */

/* PFN of the page containing addr: -1 when no PTE is present (or swapped). */
static long long pfn_of(unsigned long addr)
{
	uint64_t entry = 0;
	int fd = open("/proc/self/pagemap", O_RDONLY);
	long long result = -1;
	if (fd < 0)
		return -3;
	if (pread(fd, &entry, sizeof entry, (off_t)(addr / PAGE * 8)) == (ssize_t)sizeof entry &&
	    (entry >> 63) & 1)
		result = (long long)(entry & ((1ULL << 55) - 1));
	close(fd);
	return result;
}

static long rss_anon_kb(void)
{
	char buf[4096];
	long kb = -1;
	int fd = open("/proc/self/status", O_RDONLY);
	ssize_t n;
	char *p;
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	p = strstr(buf, "RssAnon:");
	if (p)
		kb = strtol(p + 8, NULL, 10);
	return kb;
}

/* AnonHugePages of the whole process in KiB: a drop across a call means a
 * transparent huge page was split (or unmapped) by it. */
static long anon_huge_kb(void)
{
	static char buf[8192];
	long kb = -1;
	int fd = open("/proc/self/smaps_rollup", O_RDONLY);
	ssize_t n;
	char *p;
	if (fd < 0)
		return -1;
	n = read(fd, buf, sizeof buf - 1);
	close(fd);
	if (n <= 0)
		return -1;
	buf[n] = 0;
	p = strstr(buf, "AnonHugePages:");
	if (p)
		kb = strtol(p + 14, NULL, 10);
	return kb;
}

/* Appends "name":[pfn,...] for every mapping; -2 marks a page that was munmapped. */
static void add_pfns(struct text *t)
{
	int first = 1;
	text_add(t, "{");
	for (int i = 0; i < MAX_MAPS; i++) {
		struct mapping *m = &maps[i];
		if (!m->used)
			continue;
		text_add(t, "%s\"%s\":[", first ? "" : ",", m->name);
		for (size_t pg = 0; pg < m->len / PAGE; pg++)
			text_add(t, "%s%lld", pg ? "," : "", m->mapped[pg] ? pfn_of(m->addr + pg * PAGE) : -2LL);
		text_add(t, "]");
		first = 0;
	}
	text_add(t, "}");
}

/* Run-length text of one page: "ee*100,10*3996". Reading faults the page in,
 * which is what a program reading its memory afterwards sees. */
static void add_page_rle(struct text *t, const unsigned char *page)
{
	size_t i = 0;
	int first = 1;
	while (i < PAGE) {
		size_t j = i;
		while (j < PAGE && page[j] == page[i])
			j++;
		text_add(t, "%s%02x*%zu", first ? "" : ",", page[i], j - i);
		first = 0;
		i = j;
	}
}

/* ---- process side ------------------------------------------------------- */

static void on_alarm(int sig)
{
	(void)sig;
	alarm_fired = 1;
}

static void on_sigpipe(int sig)
{
	(void)sig;
	sigpipe_count++;
}

static void install_handlers(void)
{
	struct sigaction sa;
	memset(&sa, 0, sizeof sa);
	/* No SA_RESTART: a call still sleeping when the alarm fires returns EINTR. */
	sa.sa_handler = on_alarm;
	sigaction(SIGALRM, &sa, NULL);
	/* SIGPIPE is counted, never fatal: the simulator reports EPIPE plus the signal. */
	sa.sa_handler = on_sigpipe;
	sigaction(SIGPIPE, &sa, NULL);
}

static int parse_prot(const char *s)
{
	long bits = num(s);
	int prot = PROT_NONE;
	if (bits & 1)
		prot |= PROT_READ;
	if (bits & 2)
		prot |= PROT_WRITE;
	if (bits & 4)
		prot |= PROT_EXEC;
	return prot;
}

static int parse_map_flags(const char *s, int *ok)
{
	char buf[256];
	char *save = NULL, *tok;
	int flags = 0;
	*ok = 1;
	snprintf(buf, sizeof buf, "%s", s);
	for (tok = strtok_r(buf, "|", &save); tok; tok = strtok_r(NULL, "|", &save)) {
		if (!strcmp(tok, "MAP_PRIVATE"))
			flags |= MAP_PRIVATE;
		else if (!strcmp(tok, "MAP_SHARED"))
			flags |= MAP_SHARED;
		else if (!strcmp(tok, "MAP_ANONYMOUS") || !strcmp(tok, "MAP_ANON"))
			flags |= MAP_ANONYMOUS;
		else if (!strcmp(tok, "MAP_HUGETLB"))
			flags |= MAP_HUGETLB;
		else if (!strcmp(tok, "MAP_POPULATE"))
			flags |= MAP_POPULATE;
		else if (!strcmp(tok, "MAP_NORESERVE"))
			flags |= MAP_NORESERVE;
		else
			*ok = 0;
	}
	return flags;
}

static int parse_advice(const char *s)
{
	if (!strcmp(s, "MADV_DONTNEED")) return MADV_DONTNEED;
	if (!strcmp(s, "MADV_HUGEPAGE")) return MADV_HUGEPAGE;
	if (!strcmp(s, "MADV_NOHUGEPAGE")) return MADV_NOHUGEPAGE;
	if (!strcmp(s, "MADV_DONTFORK")) return MADV_DONTFORK;
	if (!strcmp(s, "MADV_MERGEABLE")) return MADV_MERGEABLE;
	return -1;
}

/* Length argument: -1 means "to the end of the mapping". */
static size_t span(struct mapping *m, unsigned long addr, const char *len)
{
	long n = num(len);
	if (n >= 0)
		return (size_t)n;
	return m ? m->addr + m->len - addr : 0;
}

static void result_errno(struct text *t, long ret, int err)
{
	if (ret < 0)
		text_add(t, "\"errno\":\"%s\"", errno_name(err));
	else
		text_add(t, "\"ret\":%ld", ret);
}

/* The calls whose page effects are recorded: PFNs before and after, RssAnon. */
static void run_call(struct line *l, int at, struct text *out)
{
	const char *cmd = l->tok[at];
	long ret = -1;
	int err = 0;
	long rss_before, rss_after, thp_before, thp_after;
	struct text before = { 0 };
	struct iovec iov[MAX_TOKENS / 3 + 1];
	unsigned char *scratch = NULL;

	add_pfns(&before);
	rss_before = rss_anon_kb();
	thp_before = anon_huge_kb();
	alarm_fired = 0;
	sigpipe_count = 0;

	if (!strcmp(cmd, "vmsplice")) {
		int fd = resolve_fd(l->tok[at + 1]);
		long nr = num(l->tok[at + 2]);
		long flags = num(l->tok[at + 3]);
		long niov = num(l->tok[at + 4]);
		for (long k = 0; k < niov && k < (long)(sizeof iov / sizeof iov[0]); k++) {
			iov[k].iov_base = (void *)resolve_addr(l->tok[at + 5 + 3 * k], l->tok[at + 6 + 3 * k]);
			iov[k].iov_len = (size_t)num(l->tok[at + 7 + 3 * k]);
		}
		alarm(BLOCK_SECONDS);
		ret = syscall(SYS_vmsplice, fd, niov < 0 ? NULL : iov, (unsigned long)nr, (unsigned int)flags);
		err = errno;
		alarm(0);
	} else if (!strcmp(cmd, "read") || !strcmp(cmd, "write")) {
		int fd = resolve_fd(l->tok[at + 1]);
		void *addr;
		size_t len;
		if (!strcmp(l->tok[at + 2], "-")) {
			len = (size_t)num(l->tok[at + 3]);
			scratch = malloc(len);
			memset(scratch, (int)num(l->tok[at + 4]), len);
			addr = scratch;
		} else {
			addr = (void *)resolve_addr(l->tok[at + 2], l->tok[at + 3]);
			len = (size_t)num(l->tok[at + 4]);
		}
		alarm(BLOCK_SECONDS);
		ret = cmd[0] == 'r' ? read(fd, addr, len) : write(fd, addr, len);
		err = errno;
		alarm(0);
	} else if (!strcmp(cmd, "splice") || !strcmp(cmd, "tee")) {
		int in = resolve_fd(l->tok[at + 1]), outfd = resolve_fd(l->tok[at + 2]);
		size_t len = (size_t)num(l->tok[at + 3]);
		unsigned int flags = (unsigned int)num(l->tok[at + 4]);
		alarm(BLOCK_SECONDS);
		ret = cmd[0] == 's' ? splice(in, NULL, outfd, NULL, len, flags) : tee(in, outfd, len, flags);
		err = errno;
		alarm(0);
	}
	rss_after = rss_anon_kb();
	thp_after = anon_huge_kb();
	if (ret < 0 && err == EINTR && alarm_fired)
		text_add(out, "\"blocked\":true");
	else
		result_errno(out, ret, err);
	if (sigpipe_count)
		text_add(out, ",\"signal\":\"SIGPIPE\"");
	text_add(out, ",\"rss\":[%ld,%ld],\"thp\":[%ld,%ld],\"before\":%s,\"after\":", rss_before, rss_after, thp_before, thp_after, before.data);
	add_pfns(out);
	free(before.data);
	free(scratch);
}

static void do_mmap(struct line *l, int at, struct text *out)
{
	const char *name = l->tok[at + 1];
	size_t len = (size_t)num(l->tok[at + 2]);
	int prot = parse_prot(l->tok[at + 3]), ok;
	int flags = parse_map_flags(l->tok[at + 4], &ok);
	const char *file = l->tok[at + 5];
	unsigned long align = (unsigned long)num(l->tok[at + 6]);
	unsigned long addr;
	int fd = -1, slot = -1;
	void *p;

	if (!ok) {
		text_add(out, "\"unsupported\":\"mmap flags %s\"", l->tok[at + 4]);
		return;
	}
	if (align < PAGE)
		align = PAGE;
	/* The simulator's layout: increasing addresses, each mapping aligned and
	 * one unmapped page after the previous one, so mappings never merge. */
	addr = (layout_next + align - 1) / align * align;
	if (strcmp(file, "-")) {
		struct file_ent *f = find_file(file);
		fd = f ? open(f->path, (prot & PROT_WRITE) && (flags & MAP_SHARED) ? O_RDWR : O_RDONLY) : -1;
		if (fd < 0) {
			text_add(out, "\"errno\":\"%s\"", errno_name(errno));
			return;
		}
		flags &= ~MAP_ANONYMOUS;
	}
	p = mmap((void *)addr, len, prot, flags | MAP_FIXED_NOREPLACE, fd, 0);
	if (fd >= 0)
		close(fd);
	if (p == MAP_FAILED) {
		text_add(out, "\"errno\":\"%s\"", errno_name(errno));
		return;
	}
	for (int i = 0; i < MAX_MAPS; i++)
		if (!maps[i].used) {
			slot = i;
			break;
		}
	if (slot < 0) {
		text_add(out, "\"unsupported\":\"too many mappings\"");
		return;
	}
	snprintf(maps[slot].name, sizeof maps[slot].name, "%s", name);
	maps[slot].addr = (unsigned long)p;
	maps[slot].len = (len + PAGE - 1) / PAGE * PAGE;
	maps[slot].prot = prot;
	maps[slot].mapped = malloc(maps[slot].len / PAGE);
	memset(maps[slot].mapped, 1, maps[slot].len / PAGE);
	maps[slot].used = 1;
	layout_next = maps[slot].addr + maps[slot].len + PAGE;
	text_add(out, "\"ret\":0,\"addr\":%lu", maps[slot].addr);
}

static void do_fill(struct line *l, int at, struct text *out)
{
	struct mapping *m = find_map(l->tok[at + 1]);
	unsigned long addr = resolve_addr(l->tok[at + 1], l->tok[at + 2]);
	size_t len = span(m, addr, l->tok[at + 3]);
	long value = num(l->tok[at + 4]);
	if (!m) {
		text_add(out, "\"unsupported\":\"no mapping %s\"", l->tok[at + 1]);
		return;
	}
	for (size_t i = 0; i < len; i++) {
		unsigned long a = addr + i;
		/* "pattern": page i of the mapping holds byte 0x10 + i. */
		*(volatile unsigned char *)a = (unsigned char)(value < 0 ? 0x10 + (a - m->addr) / PAGE : (unsigned long)value);
	}
	text_add(out, "\"ret\":0");
}

static void do_dump(struct text *out)
{
	int first = 1;
	text_add(out, "\"rssAnon\":%ld,\"maps\":{", rss_anon_kb());
	for (int i = 0; i < MAX_MAPS; i++) {
		struct mapping *m = &maps[i];
		if (!m->used)
			continue;
		text_add(out, "%s\"%s\":{\"data\":[", first ? "" : ",", m->name);
		for (size_t pg = 0; pg < m->len / PAGE; pg++) {
			text_add(out, "%s\"", pg ? "," : "");
			if (!m->mapped[pg])
				text_add(out, "unmapped");
			else if (!(m->prot & PROT_READ))
				text_add(out, "unreadable");
			else
				add_page_rle(out, (const unsigned char *)(m->addr + pg * PAGE));
			text_add(out, "\"");
		}
		text_add(out, "],\"pfn\":[");
		for (size_t pg = 0; pg < m->len / PAGE; pg++)
			text_add(out, "%s%lld", pg ? "," : "", m->mapped[pg] ? pfn_of(m->addr + pg * PAGE) : -2LL);
		text_add(out, "]}");
		first = 0;
	}
	text_add(out, "}");
}

static sigjmp_buf peek_jump;

static void on_peek_fault(int sig)
{
	(void)sig;
	siglongjmp(peek_jump, 1);
}

/* Whether /proc/self/maps lists a mapping that contains addr. */
static int in_vma(unsigned long addr)
{
	char line[512];
	FILE *f = fopen("/proc/self/maps", "r");
	int found = 0;
	if (!f)
		return -1;
	while (fgets(line, sizeof line, f)) {
		unsigned long start, end;
		if (sscanf(line, "%lx-%lx", &start, &end) == 2 && addr >= start && addr < end)
			found = 1;
	}
	fclose(f);
	return found;
}

/* Hazard probes only: reads one page whether or not a VMA covers it (a fault
 * is caught and reported), with its PFN and whether /proc/self/maps shows it. */
static void do_peek(unsigned long addr, struct text *out)
{
	static unsigned char copy[PAGE];
	struct sigaction sa, old;
	volatile int faulted = 0;
	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_peek_fault;
	sigaction(SIGSEGV, &sa, &old);
	if (sigsetjmp(peek_jump, 1) == 0)
		memcpy(copy, (const void *)(addr / PAGE * PAGE), PAGE);
	else
		faulted = 1;
	sigaction(SIGSEGV, &old, NULL);
	text_add(out, "\"peek\":\"");
	if (faulted)
		text_add(out, "fault");
	else
		add_page_rle(out, copy);
	text_add(out, "\",\"inVma\":%s,\"pfn\":%lld", in_vma(addr) == 1 ? "true" : "false", pfn_of(addr));
}

static void proc_loop(void);

/* Executes one command line in this process and returns the reply fragment. */
static void proc_execute(struct line *l, struct text *out)
{
	/* Command lines sent to a process are "CMD args..." (the step header is stripped). */
	const char *cmd = l->tok[0];
	struct mapping *m;

	if (!strcmp(cmd, "vmsplice") || !strcmp(cmd, "read") || !strcmp(cmd, "write") ||
	    !strcmp(cmd, "splice") || !strcmp(cmd, "tee")) {
		run_call(l, 0, out);
	} else if (!strcmp(cmd, "mmap")) {
		do_mmap(l, 0, out);
	} else if (!strcmp(cmd, "fill")) {
		do_fill(l, 0, out);
	} else if (!strcmp(cmd, "touch")) {
		unsigned long addr = resolve_addr(l->tok[1], l->tok[2]);
		size_t len;
		m = find_map(l->tok[1]);
		len = span(m, addr, l->tok[3]);
		for (unsigned long a = addr / PAGE * PAGE; a < addr + len; a += PAGE)
			(void)*(volatile unsigned char *)a;
		text_add(out, "\"ret\":0");
	} else if (!strcmp(cmd, "munmap") || !strcmp(cmd, "mprotect") || !strcmp(cmd, "madvise") ||
		   !strcmp(cmd, "mlock")) {
		unsigned long addr = resolve_addr(l->tok[1], l->tok[2]);
		size_t len;
		int r;
		m = find_map(l->tok[1]);
		len = span(m, addr, l->tok[3]);
		if (!strcmp(cmd, "munmap")) {
			r = munmap((void *)addr, len);
			if (!r && m)
				for (unsigned long a = addr / PAGE * PAGE; a < addr + len; a += PAGE)
					if (a >= m->addr && a < m->addr + m->len)
						m->mapped[(a - m->addr) / PAGE] = 0;
		} else if (!strcmp(cmd, "mprotect")) {
			r = mprotect((void *)addr, len, parse_prot(l->tok[4]));
			if (!r && m)
				m->prot = parse_prot(l->tok[4]);
		} else if (!strcmp(cmd, "madvise")) {
			int advice = parse_advice(l->tok[4]);
			if (advice < 0) {
				text_add(out, "\"unsupported\":\"%s\"", l->tok[4]);
				return;
			}
			r = madvise((void *)addr, len, advice);
		} else {
			r = mlock((void *)addr, len);
		}
		result_errno(out, r, errno);
	} else if (!strcmp(cmd, "open")) {
		struct file_ent *f = find_file(l->tok[2]);
		int mode = !strcmp(l->tok[3], "O_RDONLY") ? O_RDONLY
			 : !strcmp(l->tok[3], "O_WRONLY") ? O_WRONLY
			 : !strcmp(l->tok[3], "O_PATH") ? O_PATH : O_RDWR;
		int fd = f ? open(f->path, mode) : -1;
		if (fd >= 0)
			for (int i = 0; i < MAX_NAMED; i++)
				if (!named[i].name[0]) {
					snprintf(named[i].name, sizeof named[i].name, "%s", l->tok[1]);
					named[i].fd = fd;
					break;
				}
		result_errno(out, fd, errno);
	} else if (!strcmp(cmd, "fcntl")) {
		int fd = resolve_fd(l->tok[1]);
		long r;
		if (!strcmp(l->tok[2], "F_SETPIPE_SZ"))
			r = fcntl(fd, F_SETPIPE_SZ, (int)num(l->tok[3]));
		else if (!strcmp(l->tok[2], "F_GETPIPE_SZ"))
			r = fcntl(fd, F_GETPIPE_SZ);
		else {
			long bits = num(l->tok[3]);
			int fl = fcntl(fd, F_GETFL);
			r = fl < 0 ? fl : fcntl(fd, F_SETFL, (fl & ~O_NONBLOCK) | ((bits & 1) ? O_NONBLOCK : 0));
		}
		result_errno(out, r, errno);
	} else if (!strcmp(cmd, "close")) {
		int fd = resolve_fd(l->tok[1]);
		close(fd);
		text_add(out, "\"ret\":0");
	} else if (!strcmp(cmd, "fork")) {
		struct proc *child = find_proc(l->tok[1]);
		pid_t pid;
		if (!child) {
			text_add(out, "\"unsupported\":\"undeclared process %s\"", l->tok[1]);
			return;
		}
		pid = fork();
		if (pid == 0) {
			self = child;
			proc_loop();
			_exit(0);
		}
		child->pid = pid;
		result_errno(out, pid, errno);
		if (pid > 0)
			text_add(out, ",\"pid\":%d", pid);
	} else if (!strcmp(cmd, "reap")) {
		int status;
		pid_t r = waitpid((pid_t)num(l->tok[1]), &status, 0);
		result_errno(out, r, errno);
	} else if (!strcmp(cmd, "compact")) {
		/* Hazard probes only: ask the kernel to compact all memory now, which
		 * migrates movable pages and so walks their reverse maps. */
		int fd = open("/proc/sys/vm/compact_memory", O_WRONLY);
		long r = fd < 0 ? -1 : write(fd, "1", 1);
		int e = errno;
		if (fd >= 0)
			close(fd);
		result_errno(out, r, e);
	} else if (!strcmp(cmd, "peek")) {
		do_peek(resolve_addr(l->tok[1], l->tok[2]), out);
	} else if (!strcmp(cmd, "dump")) {
		do_dump(out);
	} else {
		text_add(out, "\"unsupported\":\"%s\"", cmd);
	}
}

static int read_line_fd(int fd, char *buf, size_t cap)
{
	size_t n = 0;
	while (n + 1 < cap) {
		char c;
		ssize_t r = read(fd, &c, 1);
		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			return -1;
		if (c == '\n')
			break;
		buf[n++] = c;
	}
	buf[n] = 0;
	return (int)n;
}

static void proc_loop(void)
{
	char buf[4096];
	install_handlers();
	for (;;) {
		struct line l;
		struct text out = { 0 };
		char *save = NULL, *tok;
		if (read_line_fd(self->cmd[0], buf, sizeof buf) < 0)
			_exit(3);
		l.ntok = 0;
		for (tok = strtok_r(buf, " ", &save); tok && l.ntok < MAX_TOKENS; tok = strtok_r(NULL, " ", &save))
			l.tok[l.ntok++] = tok;
		if (!l.ntok)
			continue;
		if (!strcmp(l.tok[0], "exit")) {
			write_all(self->reply[1], "\"ret\":0\n", 8);
			_exit(0);
		}
		text_add(&out, "");
		proc_execute(&l, &out);
		text_add(&out, "\n");
		write_all(self->reply[1], out.data, out.len);
		free(out.data);
	}
}

/* ---- supervisor side ------------------------------------------------------ */

/* Sends one command to a process and waits for its one-line reply. */
static int ask(struct proc *p, const char *command, char *reply, size_t cap)
{
	struct pollfd pfd = { .fd = p->reply[0], .events = POLLIN };
	size_t len = strlen(command);
	write_all(p->cmd[1], command, len);
	write_all(p->cmd[1], "\n", 1);
	if (poll(&pfd, 1, REPLY_TIMEOUT_MS) <= 0) {
		snprintf(reply, cap, "\"hung\":true");
		return -1;
	}
	if (read_line_fd(p->reply[0], reply, cap) < 0) {
		snprintf(reply, cap, "\"died\":true");
		return -1;
	}
	return 0;
}

/* An unprivileged scenario process keeps CAP_SYS_ADMIN (pagemap shows PFNs only
 * with it) but loses CAP_SYS_RESOURCE, the capability the pipe size limits check. */
static void drop_sys_resource(void)
{
	struct __user_cap_header_struct header = { _LINUX_CAPABILITY_VERSION_3, 0 };
	struct __user_cap_data_struct data[2];
	unsigned int word = CAP_SYS_RESOURCE / 32, bit = 1u << (CAP_SYS_RESOURCE % 32);
	if (syscall(SYS_capget, &header, data))
		return;
	data[word].effective &= ~bit;
	data[word].permitted &= ~bit;
	data[word].inheritable &= ~bit;
	syscall(SYS_capset, &header, data);
}

static void start_proc(struct proc *p)
{
	pid_t pid = fork();
	if (pid == 0) {
		self = p;
		if (!p->privileged)
			drop_sys_resource();
		proc_loop();
		_exit(0);
	}
	p->pid = pid;
	p->alive = 1;
	p->started = 1;
}

/* Waits until an exited process is gone (its address space torn down, so any
 * "Bad rss-counter state" line is already on the console): the supervisor
 * reaps its own children, a fork child is reaped by its parent when that is
 * still running, else by this subreaper. */
static void reap_proc(struct proc *p, char *reply, size_t cap)
{
	struct proc *parent = find_proc(p->parent);
	p->alive = 0;
	if (parent && parent->alive) {
		char reap[64];
		snprintf(reap, sizeof reap, "reap %d", p->pid);
		ask(parent, reap, reply, cap);
	} else {
		waitpid(p->pid, NULL, 0);
	}
}

static void join_tokens(struct line *l, int from, char *buf, size_t cap)
{
	size_t n = 0;
	buf[0] = 0;
	for (int i = from; i < l->ntok && n + 1 < cap; i++)
		n += (size_t)snprintf(buf + n, cap - n, "%s%s", i > from ? " " : "", l->tok[i]);
}

/* Runs the scenario whose header is at line index `start`; returns the index after its "end". */
static void run_scenario(int start, int stop)
{
	static char reply[1 << 20];
	char command[4096];
	struct text body = { 0 };

	prctl(PR_SET_CHILD_SUBREAPER, 1);
	install_handlers();
	mark(scenario_id, "start", "-");
	/* Machine-wide objects first: every process inherits every pipe end and control channel. */
	for (int i = start + 1; i < stop; i++) {
		struct line *l = &lines[i];
		if (!strcmp(l->tok[0], "proc") && nprocs < MAX_PROCS && l->ntok >= 5) {
			struct proc *p = &procs[nprocs++];
			snprintf(p->name, sizeof p->name, "%s", l->tok[1]);
			p->privileged = (int)num(l->tok[2]);
			p->sigpipe_ignored = (int)num(l->tok[3]);
			snprintf(p->parent, sizeof p->parent, "%s", l->tok[4]);
			if (pipe(p->cmd) || pipe(p->reply))
				_exit(4);
		} else if (!strcmp(l->tok[0], "pipe") && npipes < MAX_PIPES && l->ntok >= 3) {
			struct pipe_ent *pe = &pipes[npipes++];
			long bits = num(l->tok[2]);
			snprintf(pe->name, sizeof pe->name, "%s", l->tok[1]);
			if (pipe2(pe->fd, ((bits & 1) ? O_NONBLOCK : 0) | ((bits & 2) ? O_DIRECT : 0)))
				_exit(5);
		} else if (!strcmp(l->tok[0], "file") && nfiles < MAX_FILES && l->ntok >= 4) {
			struct file_ent *f = &files[nfiles++];
			size_t size = (size_t)num(l->tok[2]);
			char *data = malloc(size);
			int fd;
			snprintf(f->name, sizeof f->name, "%s", l->tok[1]);
			char path[sizeof f->path];
			snprintf(path, sizeof path, "/tmp/vmsim-%s-%s", scenario_id, l->tok[1]);
			memcpy(f->path, path, sizeof path);
			memset(data, (int)num(l->tok[3]), size);
			fd = open(f->path, O_RDWR | O_CREAT | O_TRUNC, 0600);
			if (fd < 0)
				_exit(6);
			write_all(fd, data, size);
			close(fd);
			free(data);
		}
	}
	for (int i = 0; i < nprocs; i++)
		if (!strcmp(procs[i].parent, "-"))
			start_proc(&procs[i]);

	for (int i = start + 1; i < stop; i++) {
		struct line *l = &lines[i];
		if (strcmp(l->tok[0], "step") || l->ntok < 4)
			continue;
		const char *index = l->tok[1], *who = l->tok[2], *cmd = l->tok[3];
		body.len = 0;
		text_add(&body, "\"i\":%s,\"p\":\"%s\",\"cmd\":\"%s\",", index, who, cmd);
		if (!strcmp(cmd, "close")) {
			/* Machine-wide: every live process and the supervisor close that end. */
			int fd = resolve_fd(l->tok[4]);
			join_tokens(l, 3, command, sizeof command);
			for (int k = 0; k < nprocs; k++)
				if (procs[k].alive)
					ask(&procs[k], command, reply, sizeof reply);
			close(fd);
			text_add(&body, "\"ret\":0");
		} else {
			struct proc *p = find_proc(who);
			if (!p || !p->alive) {
				text_add(&body, "\"unsupported\":\"process %s not running\"", who);
			} else {
				join_tokens(l, 3, command, sizeof command);
				if (!strcmp(cmd, "exit"))
					mark(scenario_id, "exiting", p->name);
				ask(p, command, reply, sizeof reply);
				text_add(&body, "%s", reply);
				if (!strcmp(cmd, "fork")) {
					struct proc *child = find_proc(l->tok[4]);
					char *pid = strstr(reply, "\"pid\":");
					if (child && pid) {
						child->pid = (pid_t)num(pid + 6);
						child->alive = 1;
					}
				} else if (!strcmp(cmd, "exit")) {
					reap_proc(p, reply, sizeof reply);
					settle();
					mark(scenario_id, "exited", p->name);
				}
			}
		}
		emit(scenario_id, body.data);
	}

	/* What every live process reads now, then teardown in reverse creation
	 * order, so readers drop moved pages before the writers that gave them. */
	for (int k = 0; k < nprocs; k++) {
		if (!procs[k].alive)
			continue;
		ask(&procs[k], "dump", reply, sizeof reply);
		body.len = 0;
		text_add(&body, "\"final\":\"%s\",%s", procs[k].name, reply);
		emit(scenario_id, body.data);
	}
	for (int k = nprocs - 1; k >= 0; k--) {
		if (!procs[k].alive)
			continue;
		mark(scenario_id, "exiting", procs[k].name);
		ask(&procs[k], "exit", reply, sizeof reply);
		reap_proc(&procs[k], reply, sizeof reply);
		settle();
		mark(scenario_id, "exited", procs[k].name);
		body.len = 0;
		text_add(&body, "\"exited\":\"%s\"", procs[k].name);
		emit(scenario_id, body.data);
	}
	/* Orphaned fork children were re-parented to this subreaper. */
	while (waitpid(-1, NULL, 0) > 0)
		;
	settle();
	mark(scenario_id, "end", "-");
	emit(scenario_id, "\"end\":true");
	free(body.data);
}

static long long zero_page_pfn(void)
{
	void *p = mmap(NULL, PAGE, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	long long pfn;
	if (p == MAP_FAILED)
		return -1;
	(void)*(volatile char *)p;
	pfn = pfn_of((unsigned long)p);
	munmap(p, PAGE);
	return pfn;
}

int main(int argc, char **argv)
{
	const char *path = argc > 1 ? argv[1] : "/scenarios.txt";
	const char *results = argc > 2 ? argv[2] : "/dev/ttyS1";
	struct utsname_text { char text[512]; } uts = { { 0 } };
	int fd;

	setvbuf(stdout, NULL, _IONBF, 0);
	results_fd = open(results, O_WRONLY | O_NOCTTY);
	if (results_fd < 0)
		results_fd = 1;
	kmsg_fd = open("/dev/kmsg", O_WRONLY);
	if (sysconf(_SC_PAGESIZE) != (long)PAGE) {
		dprintf(1, "VMSORACLE-ERROR page size is %ld, expected %lu\n", sysconf(_SC_PAGESIZE), PAGE);
		return 2;
	}
	fd = open("/proc/version", O_RDONLY);
	if (fd >= 0) {
		ssize_t n = read(fd, uts.text, sizeof uts.text - 1);
		close(fd);
		for (ssize_t i = 0; i < n; i++)
			if (uts.text[i] == '"' || uts.text[i] == '\\' || uts.text[i] == '\n')
				uts.text[i] = ' ';
	}
	load_script(path);
	{
		struct text head = { 0 };
		text_add(&head, "VMSORACLE {\"s\":\"-\",\"start\":true,\"zeroPfn\":%lld,\"kernel\":\"%s\",\"lines\":%d}\n",
			 zero_page_pfn(), uts.text, nlines);
		write_all(results_fd, head.data, head.len);
		free(head.data);
	}
	for (int i = 0; i < nlines; i++) {
		int stop;
		pid_t pid;
		if (strcmp(lines[i].tok[0], "scenario") || lines[i].ntok < 2)
			continue;
		for (stop = i + 1; stop < nlines && strcmp(lines[stop].tok[0], "end"); stop++)
			;
		scenario_id = lines[i].tok[1];
		pid = fork();
		if (pid == 0) {
			run_scenario(i, stop);
			_exit(0);
		}
		waitpid(pid, NULL, 0);
		i = stop;
	}
	write_all(results_fd, "VMSORACLE-DONE\n", 15);
	return 0;
}
