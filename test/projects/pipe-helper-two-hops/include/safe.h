/* Test-suite style helpers: the macro passes the array on to a function of the library directory. */
#ifndef SAFE_H
#define SAFE_H
int safe_pipe(const char *file, int line, int fds[2]);
#define SAFE_PIPE(fds) safe_pipe(__FILE__, __LINE__, (fds))
#endif
