/* Turns the gift off with -c: another file changes the flags main.c starts with. */
#include <string.h>
#include "options.h"

void parse_options(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "-c") == 0)
        splice_flags = 0;
}
