/* Helpers the program declares and no file of the project defines (a library, generated code, assembly). */
#include <stddef.h>
void fill_page(char *p, size_t n);
void start_worker(void);
