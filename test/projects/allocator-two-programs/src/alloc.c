/* The sender program's allocator: it fills the pages it maps. */
#define _GNU_SOURCE
#include <string.h>
#include <sys/mman.h>
#include "../include/alloc.h"

char *alloc_pages(size_t n)
{
    char *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    memset(p, 'x', n);
    return p;
}
