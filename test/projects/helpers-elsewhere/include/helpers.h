/* Helpers main.c calls between a buffer's mapping and its gift; helpers.c defines them. */
#include <stddef.h>
void fill_page(char *p, size_t n);
void fill_if_large(char *p, size_t n);
void retire(char *p, size_t n);
void start_worker(void);
