/* Sends without a gift through the macro of plain.h: send_page() is not named in this file. */
#include "../include/plain.h"

int send_status(int fd)
{
    return SEND_PLAIN(fd);
}
