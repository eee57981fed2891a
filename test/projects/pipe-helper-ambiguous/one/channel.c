/* The first program's open_channel(): a pipe. */
#include <unistd.h>
#include "../include/channel.h"

int open_channel(int fds[2])
{
    return pipe(fds);
}
