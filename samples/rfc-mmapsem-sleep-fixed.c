/*
 * The fix for samples/rfc-mmapsem-sleep.c: the producer passes SPLICE_F_NONBLOCK and waits for room
 * with poll(2), so it never sleeps inside vmsplice.
 *
 * Try: vmsplice-lens check samples/rfc-mmapsem-sleep-fixed.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
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
        ssize_t sent;
        while ((sent = vmsplice(producer->pipe_write_end, &iov, 1, SPLICE_F_GIFT | SPLICE_F_MOVE | SPLICE_F_NONBLOCK)) < 0 && errno == EAGAIN) { /* expect: none */
            struct pollfd room = { .fd = producer->pipe_write_end, .events = POLLOUT };
            poll(&room, 1, -1);
        }
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
