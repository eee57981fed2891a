/*
 * A QEMU-style local migration of guest RAM through a pipe, the use case in the RFC's cover letter.
 * The source gifts guest RAM one iovec per page from a page-aligned mmap and checks every return value (one page per call
 * never comes back short); the destination moves the pages into its own page-aligned RAM block with SPLICE_F_MOVE.
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

typedef struct RAMBlock {
    uint8_t *host;
    size_t used_length;
} RAMBlock;

static long page_size;

/* Stands in for the running guest, which has dirtied every page before migration starts. */
static void guest_run(uint8_t *host, size_t length)
{
    for (size_t i = 0; i < length; i++)
        host[i] = (uint8_t)(i / page_size);
}

static int ram_block_alloc(RAMBlock *block, size_t length)
{
    void *host = mmap(NULL, length, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (host == MAP_FAILED)
        return -errno;
    block->host = host;
    block->used_length = length;
    return 0;
}

/* Source side: the guest has written all of its RAM; hand every page to the pipe, one iovec per page, and give it away. */
static int ram_save_pages(int pipe_write_end)
{
    RAMBlock block;
    int ret = ram_block_alloc(&block, RAM_PAGES * page_size);
    if (ret < 0)
        return ret;
    guest_run(block.host, block.used_length);
    size_t pages = block.used_length / page_size;
    for (size_t i = 0; i < pages; i++) {
        struct iovec iov = { .iov_base = block.host + i * page_size, .iov_len = page_size };
        ssize_t sent = vmsplice(pipe_write_end, &iov, 1, SPLICE_F_GIFT | SPLICE_F_MOVE); /* expect: none */ /* verdict: move */
        if (sent < 0) {
            if (errno == EINTR) {
                i--;
                continue;
            }
            return -errno;
        }
        if ((size_t)sent != (size_t)page_size)
            return -EIO;
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
        close(fds[0]);
        _exit(ram_save_pages(fds[1]) == 0 ? 0 : 1);
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
