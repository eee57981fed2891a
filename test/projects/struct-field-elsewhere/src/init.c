/* Fills the channel's pipe: the only pipe() of the program. */
#include <stdlib.h>
#include <unistd.h>
#include "channel.h"

void channel_init(struct channel *ch)
{
    if (pipe(ch->p) < 0)
        abort();
}
