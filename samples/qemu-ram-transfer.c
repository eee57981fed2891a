/*
 * A QEMU-style local migration of guest RAM through a pipe, the use case in the RFC's cover letter.
 * The source gifts guest RAM one iovec per page from a page-aligned mmap, in batches the size of the pipe, and checks every
 * return value; the destination moves the pages into its own page-aligned RAM block with SPLICE_F_MOVE.
 * Under the RFC every page moves, and the source's RAM reads back as zeros afterwards: the gift gave the pages away.
 *
 * Try: vmsplice-lens check samples/qemu-ram-transfer.c
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <unistd.h>

#define RAM_PAGES 256
#define PIPE_PAGES 16

typedef struct RAMBlock {
    uint8_t *host;
    size_t used_length;
} RAMBlock;

static long page_size;

static int ram_block_alloc(RAMBlock *block, size_t length)
{
    void *host = mmap(NULL, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (host == MAP_FAILED)
        return -errno;
    block->host = host;
    block->used_length = length;
    return 0;
}

/* Source side: hand every guest page to the pipe, PIPE_PAGES at a time. */
static int ram_save_pages(RAMBlock *block, int pipe_write_end)
{
    struct iovec iov[PIPE_PAGES];
    size_t pages = block->used_length / page_size;
    for (size_t first = 0; first < pages; first += PIPE_PAGES) {
        for (int i = 0; i < PIPE_PAGES; i++) {
            iov[i].iov_base = block->host + (first + i) * page_size;
            iov[i].iov_len = page_size;
        }
        /* A partial gift queued whole pages only (every chunk is one page): resubmit from the first page not queued. */
        size_t queued = 0;
        while (queued < PIPE_PAGES) {
            ssize_t ret = vmsplice(pipe_write_end, &iov[queued], PIPE_PAGES - queued, SPLICE_F_GIFT | SPLICE_F_MOVE); /* expect: none */ /* verdict: move */
            if (ret < 0) {
                if (errno == EINTR)
                    continue;
                return -errno;
            }
            queued += ret / page_size;
        }
    }
    return 0;
}

/* Destination side: take the pages into our own RAM block, page by page. */
static int ram_load_pages(RAMBlock *block, int pipe_read_end)
{
    size_t pages = block->used_length / page_size;
    for (size_t i = 0; i < pages; i++) {
        struct iovec iov = { .iov_base = block->host + i * page_size, .iov_len = page_size };
        ssize_t ret = vmsplice(pipe_read_end, &iov, 1, SPLICE_F_MOVE); /* expect: none */ /* verdict: move */
        if (ret < 0) {
            if (errno == EINTR) {
                i--;
                continue;
            }
            return -errno;
        }
        if ((size_t)ret != (size_t)page_size)
            return -EIO;
    }
    return 0;
}

int main(void)
{
    page_size = sysconf(_SC_PAGESIZE);
    int fds[2];
    if (pipe(fds) < 0) {
        perror("pipe");
        return 1;
    }
    pid_t source = fork();
    if (source < 0) {
        perror("fork");
        return 1;
    }
    if (source == 0) {
        RAMBlock guest_ram;
        if (ram_block_alloc(&guest_ram, RAM_PAGES * page_size) < 0)
            _exit(1);
        /* The running guest has written all of its memory. */
        for (size_t i = 0; i < guest_ram.used_length; i++)
            guest_ram.host[i] = (uint8_t)(i / page_size);
        _exit(ram_save_pages(&guest_ram, fds[1]) == 0 ? 0 : 1);
    }
    close(fds[1]);
    RAMBlock incoming;
    if (ram_block_alloc(&incoming, RAM_PAGES * page_size) < 0) {
        fputs("cannot allocate guest RAM\n", stderr);
        return 1;
    }
    int ret = ram_load_pages(&incoming, fds[0]);
    waitpid(source, NULL, 0);
    if (ret < 0) {
        fprintf(stderr, "migration failed: %s\n", strerror(-ret));
        return 1;
    }
    printf("migrated %d pages; page 7 holds %u\n", RAM_PAGES, incoming.host[7 * page_size]);
    return 0;
}
