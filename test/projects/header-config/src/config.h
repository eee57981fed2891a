/* The flags depend on the configuration: both branches stay live without a -D that decides them. */
#include <fcntl.h>
#ifdef HAVE_GIFT
#define CFG_FLAGS (SPLICE_F_GIFT | SPLICE_F_MOVE)
#else
#define CFG_FLAGS SPLICE_F_MOVE
#endif
