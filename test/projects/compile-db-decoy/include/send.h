/* The header the build uses (-I include in compile_commands.json): gifts and moves. */
#include <fcntl.h>
#define SEND_FLAGS (SPLICE_F_GIFT | SPLICE_F_MOVE)
