/* Found by no compile database or -I: only by searching include/ directories. */
#include <fcntl.h>
#define WRAP_FLAGS (SPLICE_F_GIFT | SPLICE_F_MOVE)
#define NO_FLAGS 0
