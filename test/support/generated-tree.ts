/**
 * A generated C tree for `check --jobs` (test/unit/check-jobs.test.ts, and the speed-up measured in its note): files
 * spread over directories, with direct vmsplice calls (moves, copies, unknowns), a wrapper in one file called from
 * others, a pipe helper in another file, a header wrapper, files that never mention splice, one file over a size limit
 * and one binary file. `count` is the number of ordinary source files; the content of each depends only on its number.
 */
import { mkdirSync, writeFileSync } from "node:fs";
import path from "node:path";

const HEADER = `#ifndef GEN_ZC_H
#define GEN_ZC_H
#include <fcntl.h>
#include <sys/uio.h>
static inline ssize_t gen_send(int fd, const struct iovec *iov, unsigned long n, unsigned int flags)
{
    return vmsplice(fd, iov, n, flags);
}
int gen_pipe(int fds[2]);
ssize_t gen_gift(int fd, const struct iovec *iov, unsigned long n);
#endif
`;

const HELPERS = `#define _GNU_SOURCE
#include <unistd.h>
#include "../include/gen.h"
int gen_pipe(int fds[2])
{
    return pipe(fds);
}
ssize_t gen_gift(int fd, const struct iovec *iov, unsigned long n)
{
    return vmsplice(fd, iov, n, SPLICE_F_GIFT | SPLICE_F_MOVE);
}
`;

/** One ordinary source file; which kind depends on its number. */
function sourceFile(number: number): string {
  const map = `    char *buf = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (buf == MAP_FAILED)
        return 1;
    struct iovec iov = { .iov_base = buf, .iov_len = 4096 };
`;
  const head = `#define _GNU_SOURCE\n#include <fcntl.h>\n#include <sys/mman.h>\n#include <sys/uio.h>\n#include <unistd.h>\n#include "../include/gen.h"\n`;
  switch (number % 6) {
    case 0:
      return `#include <string.h>\n${head}int f${number}(void)\n{\n    int fds[2];\n    if (pipe(fds) < 0)\n        return 1;\n${map}    memset(buf, 'x', 4096);\n    return vmsplice(fds[1], &iov, 1, SPLICE_F_GIFT | SPLICE_F_MOVE) != 4096;\n}\n`;
    case 1:
      return `${head}int f${number}(int fd)\n{\n${map}    return vmsplice(fd, &iov, 1, SPLICE_F_GIFT) != 4096;\n}\n`;
    case 2:
      return `${head}int f${number}(void)\n{\n    int fds[2];\n    gen_pipe(fds);\n${map}    return gen_gift(fds[1], &iov, 1) != 4096;\n}\n`;
    case 3:
      return `${head}int f${number}(void)\n{\n    int fds[2];\n    gen_pipe(fds);\n${map}    return gen_send(fds[1], &iov, 1, 0) != 4096;\n}\n`;
    case 4:
      return `/* nothing to do with pipes */\nint g${number}(int x)\n{\n    return x * ${number};\n}\n`;
    default:
      return `#include <string.h>\nstatic int table${number}[4] = { ${number}, 1, 2, 3 };\nint h${number}(int i)\n{\n    return table${number}[i & 3];\n}\n`;
  }
}

/** Writes the tree under `root` (created): `count` source files in directories of seven, plus the special files. */
export function generateTree(root: string, count: number): void {
  mkdirSync(path.join(root, "include"), { recursive: true });
  mkdirSync(path.join(root, "lib"), { recursive: true });
  writeFileSync(path.join(root, "include", "gen.h"), HEADER);
  writeFileSync(path.join(root, "lib", "helpers.c"), HELPERS);
  for (let number = 0; number < count; number++) {
    const dir = path.join(root, `d${String(Math.floor(number / 7)).padStart(3, "0")}`);
    mkdirSync(dir, { recursive: true });
    writeFileSync(path.join(dir, `f${String(number).padStart(4, "0")}.c`), sourceFile(number));
  }
  // Over a --max-file-size of 100000 bytes, and binary (NUL bytes): both reported as skipped.
  writeFileSync(path.join(root, "lib", "big.c"), `/* vmsplice */\n${"int big_filler;\n".repeat(7000)}`);
  writeFileSync(
    path.join(root, "lib", "blob.c"),
    Buffer.from([0x76, 0x6d, 0x73, 0x70, 0x6c, 0x69, 0x63, 0x65, 0, 1, 2]),
  );
}
