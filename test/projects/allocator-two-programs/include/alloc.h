/* The allocator both programs of the project call; each defines its own. */
#include <stddef.h>
char *alloc_pages(size_t n);
