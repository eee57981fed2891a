/* Options shared by the program's files. */
extern unsigned int splice_flags;
void parse_options(int argc, char **argv);
