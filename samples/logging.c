/*
 * A logger that formats each line into a malloc'd buffer and vmsplices it to a log shipper over a pipe, reusing the buffer
 * for the next line. The pipe queues the buffer by reference, so the next iteration's snprintf overwrites the line that is
 * still in the pipe (VMS-ALIAS-WRITE). Nothing is gifted and nobody asks for a move, so under the RFC the line is simply
 * copied (verdict copy, without a finding about gifts or alignment).
 * write(2) would be both correct and as fast for lines this short.
 *
 * Try: vmsplice-lens check samples/logging.c
 */
#define _GNU_SOURCE
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/uio.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define LINE_MAX_BYTES 512

static void run_shipper(int pipe_read_end)
{
    char chunk[LINE_MAX_BYTES];
    ssize_t got;
    while ((got = read(pipe_read_end, chunk, sizeof chunk)) > 0)
        fwrite(chunk, 1, got, stdout);
    _exit(0);
}

int main(void)
{
    int fds[2];
    if (pipe(fds) < 0) {
        perror("pipe");
        return 1;
    }
    pid_t shipper = fork();
    if (shipper < 0) {
        perror("fork");
        return 1;
    }
    if (shipper == 0) {
        close(fds[1]);
        run_shipper(fds[0]);
    }
    close(fds[0]);

    char *line = malloc(LINE_MAX_BYTES);
    if (line == NULL) {
        perror("malloc");
        return 1;
    }
    for (int event = 0; event < 3; event++) {
        int length = snprintf(line, LINE_MAX_BYTES, "%ld event %d\n", (long)time(NULL), event);
        struct iovec iov = { .iov_base = line, .iov_len = length };
        if (vmsplice(fds[1], &iov, 1, 0) < 0) { /* expect: VMS-ALIAS-WRITE */ /* verdict: copy */
            perror("vmsplice");
            return 1;
        }
    }
    close(fds[1]);
    waitpid(shipper, NULL, 0);
    return 0;
}
