/* A decoy of the same name that the build never sees: it would make every call copy. */
#define SEND_FLAGS 0
