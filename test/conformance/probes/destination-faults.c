/*
 * Read-side destinations that are not yet backed by a private frame: a never-touched page and a page that only maps
 * the shared zero page (read before). The copy faults a fresh frame into each; neither ends up sharing a frame with
 * the writer, with each other, or with the zero page.
 */
#include "probe.h"

int main(void) {
  probe_init("destination-faults");
  int fds[2];
  probe_require(pipe(fds) == 0, "pipe");
  probe_zero_page();
  char *p = probe_map_filled(2);
  probe_pages("p", p, 2, "before");
  struct iovec writer[2] = {{p, (size_t)P}, {p + P, (size_t)P}};
  CALL("w", vmsplice(fds[1], writer, 2, 0));
  char *untouched = probe_map(1);
  volatile char *read_only_zero = probe_map(1);
  (void)read_only_zero[0];
  probe_pages("untouched", untouched, 1, "before");
  probe_pages("zeroed", (char *)read_only_zero, 1, "before");
  struct iovec reader[2] = {{untouched, (size_t)P}, {(char *)read_only_zero, (size_t)P}};
  CALL("r", vmsplice(fds[0], reader, 2, 0));
  probe_pages("untouched", untouched, 1, "after");
  probe_pages("zeroed", (char *)read_only_zero, 1, "after");
  probe_pages("p", p, 2, "after");
  probe_memory("untouched", untouched, P);
  probe_memory("zeroed", (char *)read_only_zero, P);
  probe_finish();
  return 0;
}
