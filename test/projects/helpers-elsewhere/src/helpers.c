/* Read into main.c's unit: the one file of the project that defines the helpers it calls. */
#define _GNU_SOURCE
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "../include/helpers.h"

/* Writes every byte on every path: the page is present and private when main.c gifts it. */
void fill_page(char *p, size_t n)
{
    memset(p, 'x', n);
}

/* Writes only on some paths: a page it leaves untouched is the zero page, which is copied. */
void fill_if_large(char *p, size_t n)
{
    if (n > 4096)
        memset(p, 'x', n);
}

/* Unmaps the buffer: a gift of it afterwards fails with EFAULT. */
void retire(char *p, size_t n)
{
    munmap(p, n);
}

/* Forks a child that keeps running: the parent's filled pages are shared copy-on-write with it. */
void start_worker(void)
{
    if (fork() == 0) {
        pause();
        _exit(0);
    }
}
