/* The allocator of the program's pages: it maps and fills them (its callers in other files get a private, written page). */
#define _GNU_SOURCE
#include <string.h>
#include <sys/mman.h>
#include "alloc.h"
char *alloc_pages(size_t n)
{
    char *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    memset(p, 'x', n);
    return p;
}
