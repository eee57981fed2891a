/*
 * A consumer moves gifted pages into a receive area while a second thread scans that area. A fault by
 * the scanning thread between the RFC's unmap and its page install makes the move report success
 * without delivering the page (VMS-RFC-PHANTOM-SUCCESS).
 *
 * Try: vmsplice-lens check samples/rfc-phantom-success.c
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <unistd.h>

static char *receive_area;
static long page;

/* Reports progress by scanning the receive area while pages are being moved into it. */
static void *report_progress(void *unused)
{
    (void)unused;
    long nonzero = 0;
    for (long i = 0; i < 16 * page; i++)
        nonzero += receive_area[i] != 0;
    printf("%ld bytes received so far\n", nonzero);
    return NULL;
}

/* Consumer side: a producer process gifts pages into the named pipe /tmp/pages.fifo (made with mkfifo). */
int main(void)
{
    page = sysconf(_SC_PAGESIZE);
    int pages_fifo = open("/tmp/pages.fifo", O_RDONLY);
    if (pages_fifo < 0) {
        perror("open");
        return 1;
    }
    receive_area = mmap(NULL, 16 * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (receive_area == MAP_FAILED) {
        perror("mmap");
        return 1;
    }
    pthread_t reporter;
    if (pthread_create(&reporter, NULL, report_progress, NULL) != 0) {
        fputs("pthread_create failed\n", stderr);
        return 1;
    }
    struct iovec iov[16];
    for (int i = 0; i < 16; i++) {
        iov[i].iov_base = receive_area + i * page;
        iov[i].iov_len = page;
    }
    ssize_t got = vmsplice(pages_fifo, iov, 16, SPLICE_F_MOVE); /* expect: VMS-RFC-PHANTOM-SUCCESS */ /* verdict: move */
    if (got < 0) {
        perror("vmsplice");
        return 1;
    }
    pthread_join(reporter, NULL);
    printf("received %zd bytes\n", got);
    return 0;
}
