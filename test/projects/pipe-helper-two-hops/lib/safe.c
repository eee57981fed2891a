/* The library function the macro calls: it creates the pipe into its third parameter. */
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>
#include "safe.h"

int safe_pipe(const char *file, int line, int fds[2])
{
    int rval = pipe(fds);
    if (rval < 0) {
        fprintf(stderr, "%s:%d: pipe failed\n", file, line);
        exit(1);
    }
    return rval;
}
