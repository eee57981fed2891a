/* The allocator main.c calls. */
#include <stddef.h>
char *alloc_pages(size_t n);
