/* The one caller of send_page(): the pipe's write end and a gift. */
#define _GNU_SOURCE
#include <fcntl.h>
#include <unistd.h>
#include "../include/send.h"

int main(void)
{
    int fds[2];
    if (pipe(fds) < 0)
        return 1;
    return !send_page(fds[1], SPLICE_F_GIFT | SPLICE_F_MOVE);
}
