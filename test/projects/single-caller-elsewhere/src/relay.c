/* The one caller of send_plain() passes its own parameter: relay() is called from nowhere in the project. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <unistd.h>
#include "../include/send.h"

int relay(unsigned int flags)
{
    int fds[2];
    if (pipe(fds) < 0)
        return 1;
    return !send_plain(fds[1], flags);
}
