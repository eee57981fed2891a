/*
 * A gifting producer and a moving consumer over a pipe, the pattern the RFC was written for.
 * The child fills private anonymous pages after the fork and gifts them one iovec per page with SPLICE_F_GIFT | SPLICE_F_MOVE;
 * the parent moves them into a page-aligned, writable, private destination with SPLICE_F_MOVE.
 * Both sides loop on the return value, because a pipe takes at most 16 pages per call.
 * Under the RFC every page moves; on mainline kernels the consumer copies (VMS-MAINLINE-COPY, VMS-GIFT-NOOP).
 *
 * Try: vmsplice-lens check samples/producer-consumer.c
 *      vmsplice-lens check --kernel mainline-6.x samples/producer-consumer.c
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#define PAGES 64
#define BATCH 16

static int produce(int pipe_write_end, long page)
{
    char *pages = mmap(NULL, PAGES * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (pages == MAP_FAILED) {
        perror("mmap");
        return -1;
    }
    for (int i = 0; i < PAGES; i++)
        memset(pages + i * page, 'a' + i % 26, page);

    for (int first = 0; first < PAGES; first += BATCH) {
        struct iovec iov[BATCH];
        for (int i = 0; i < BATCH; i++) {
            iov[i].iov_base = pages + (first + i) * page;
            iov[i].iov_len = page;
        }
        ssize_t sent = vmsplice(pipe_write_end, iov, BATCH, SPLICE_F_GIFT | SPLICE_F_MOVE); /* expect: none */ /* verdict: move */ /* verdict 65536: move */ /* expect mainline-6.x: VMS-GIFT-NOOP */
        if (sent < 0) {
            perror("vmsplice (producer)");
            return -1;
        }
        if (sent != BATCH * page) {
            fprintf(stderr, "producer: short gift of %zd bytes\n", sent);
            return -1;
        }
    }
    return 0;
}

static int consume(int pipe_read_end, long page)
{
    char *dst = mmap(NULL, PAGES * page, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (dst == MAP_FAILED) {
        perror("mmap");
        return -1;
    }
    long received = 0;
    for (int first = 0; first < PAGES; first += BATCH) {
        struct iovec iov = { .iov_base = dst + first * page, .iov_len = BATCH * page };
        ssize_t got = vmsplice(pipe_read_end, &iov, 1, SPLICE_F_MOVE); /* expect: none */ /* verdict: move */ /* verdict 65536: move */ /* expect mainline-6.x: VMS-MAINLINE-COPY */ /* verdict mainline-6.x: copy */
        if (got < 0) {
            perror("vmsplice (consumer)");
            return -1;
        }
        if (got != BATCH * page) {
            fprintf(stderr, "consumer: producer stopped after %ld bytes\n", received + got);
            return -1;
        }
        received += got;
    }
    printf("consumer: %ld bytes, page 1 starts with %c\n", received, dst[page]);
    return 0;
}

int main(void)
{
    long page = sysconf(_SC_PAGESIZE);
    int fds[2];
    if (pipe(fds) < 0) {
        perror("pipe");
        return 1;
    }
    pid_t child = fork();
    if (child < 0) {
        perror("fork");
        return 1;
    }
    if (child == 0) {
        close(fds[0]);
        _exit(produce(fds[1], page) == 0 ? 0 : 1);
    }
    close(fds[1]);
    int status = consume(fds[0], page);
    waitpid(child, NULL, 0);
    return status == 0 ? 0 : 1;
}
