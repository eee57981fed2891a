/* Reaches zc.h through a relative path from the including file's directory. */
#include "../include/zc.h"
