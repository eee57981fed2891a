/* A test program's allocator of the same name: it hands out untouched pages (zero pages, which are copied). */
#define _GNU_SOURCE
#include <string.h>
#include <sys/mman.h>
#include "../include/alloc.h"

char *alloc_pages(size_t n)
{
    char *p = mmap(NULL, n, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED)
        return NULL;
    return p;
}
