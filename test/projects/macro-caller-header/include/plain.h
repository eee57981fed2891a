/* A send without a gift: the files that use this macro call send_page() without naming it. */
#include "sender.h"
#define SEND_PLAIN(fd) send_page((fd), 0)
