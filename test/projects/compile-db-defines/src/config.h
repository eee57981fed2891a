/* Per-configuration flags: the compile database's -D decides which definition a translation unit sees. */
#include <fcntl.h>
#ifdef HAVE_GIFT
#define SEND_FLAGS (SPLICE_F_GIFT | SPLICE_F_MOVE)
#else
#define SEND_FLAGS 0
#endif
