/*
 * Golden scenarios G02, G03, G04, G05, G08 and G13 on mainline, where every one of them is a plain copy: a one-iovec
 * multi-page gift (G02), GIFT alone (G03), MOVE alone (G04), a reader without MOVE (G05), a 4000-byte chunk (G08) and
 * an untouched source, which queues the zero page (G13). Each variant uses its own pipe and buffers; writers keep
 * their frames and data, readers keep their own frames.
 */
#include "probe.h"

/* One writer call and one reader call on a fresh pipe, with observations labelled after the variant. */
static void variant(const char *name, char *source, int pages, struct iovec *writer, int writer_count, int writer_flags, long read_length, int reader_flags) {
  int fds[2];
  probe_require(pipe(fds) == 0, "pipe");
  char label[64];
  snprintf(label, sizeof label, "%s-p", name);
  probe_pages(label, source, pages, "before");
  snprintf(label, sizeof label, "%s-w", name);
  CALL(label, vmsplice(fds[1], writer, (unsigned long)writer_count, (unsigned int)writer_flags));
  char *q = probe_map_destination(pages);
  struct iovec reader = {q, (size_t)read_length};
  snprintf(label, sizeof label, "%s-r", name);
  CALL(label, vmsplice(fds[0], &reader, 1, (unsigned int)reader_flags));
  snprintf(label, sizeof label, "%s-p", name);
  probe_pages(label, source, pages, "after");
  probe_memory(label, source, pages * P);
  snprintf(label, sizeof label, "%s-q", name);
  probe_pages(label, q, pages, "after");
  probe_memory(label, q, pages * P);
}

int main(void) {
  probe_init("g02-flag-variants");
  probe_zero_page();
  char *p02 = probe_map_filled(4);
  struct iovec whole = {p02, (size_t)(4 * P)};
  variant("g02", p02, 4, &whole, 1, G | M, 4 * P, M);
  char *p03 = probe_map_filled(4);
  struct iovec pages03[4];
  for (int i = 0; i < 4; i++) pages03[i] = (struct iovec){p03 + i * P, (size_t)P};
  variant("g03", p03, 4, pages03, 4, G, 4 * P, M);
  char *p04 = probe_map_filled(1);
  struct iovec page04 = {p04, (size_t)P};
  variant("g04", p04, 1, &page04, 1, M, P, M);
  char *p05 = probe_map_filled(4);
  struct iovec pages05[4];
  for (int i = 0; i < 4; i++) pages05[i] = (struct iovec){p05 + i * P, (size_t)P};
  variant("g05", p05, 4, pages05, 4, G | M, 4 * P, 0);
  char *p08 = probe_map_filled(1);
  struct iovec short08 = {p08, 4000};
  variant("g08", p08, 1, &short08, 1, G | M, P, M);
  char *p13 = probe_map(1);
  struct iovec page13 = {p13, (size_t)P};
  variant("g13", p13, 1, &page13, 1, G | M, P, M);
  probe_finish();
  return 0;
}
