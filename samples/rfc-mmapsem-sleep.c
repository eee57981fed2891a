/*
 * A threaded program gifts pages into a pipe from one thread and drains it in another. When the pipe
 * is full the RFC producer sleeps while holding its process's address-space lock, so the draining
 * thread's page faults and any mmap stall behind it (VMS-RFC-MMAPSEM-SLEEP).
 *
 * Try: vmsplice-lens check samples/rfc-mmapsem-sleep.c
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

struct producer {
    int pipe_write_end;
    long page;
};

/* Gifts pages into the pipe from a second thread while the main thread drains it. */
static void *produce(void *argument)
{
    struct producer *producer = argument;
    char *buf = mmap(NULL, 64 * producer->page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (buf == MAP_FAILED)
        return NULL;
    memset(buf, 'P', 64 * producer->page);
    for (int i = 0; i < 64; i++) {
        struct iovec iov = { .iov_base = buf + i * producer->page, .iov_len = producer->page };
        ssize_t sent = vmsplice(producer->pipe_write_end, &iov, 1, SPLICE_F_GIFT | SPLICE_F_MOVE); /* expect: VMS-RFC-MMAPSEM-SLEEP */ /* verdict: move */
        if (sent < 0) {
            perror("vmsplice");
            break;
        }
    }
    close(producer->pipe_write_end);
    return NULL;
}

int main(void)
{
    long page = sysconf(_SC_PAGESIZE);
    int fds[2];
    if (pipe(fds) < 0) {
        perror("pipe");
        return 1;
    }
    struct producer producer = { .pipe_write_end = fds[1], .page = page };
    pthread_t thread;
    if (pthread_create(&thread, NULL, produce, &producer) != 0) {
        fputs("pthread_create failed\n", stderr);
        return 1;
    }
    char *sink = malloc(page);
    if (sink == NULL)
        return 1;
    long total = 0;
    for (ssize_t got; (got = read(fds[0], sink, page)) > 0;)
        total += got;
    pthread_join(thread, NULL);
    printf("drained %ld bytes\n", total);
    return 0;
}
