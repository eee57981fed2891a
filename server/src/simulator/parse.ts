/**
 * The `.vmsim` parser (docs/vmsim.md): scenario text in, scenario syntax tree and precise diagnostics out.
 *
 * This module owns the concrete syntax: tokens, numbers with page suffixes, addresses, flag names, iovec helpers and
 * `expect` lines. It reports every problem as a diagnostic with a one-based line and column and says what was expected;
 * it never throws, so an editor can show all errors of a half-written file at once.
 * Pure: no I/O, no editor or protocol imports, no console.
 * The scenario format is line-based and tiny, so it is tokenised by hand; C source is never parsed here.
 */
import { KERNEL_MODELS, MAINLINE_MODELS, SPLICE_FLAGS } from "../analysis/facts";
import { attachIovecs, type IovecRun } from "./iovec-runs";
import {
  MAX_BYTES,
  MAX_FD,
  MAX_FLAGS,
  MAX_IOV_LEN,
  MAX_IOVECS,
  MAX_NR_SEGS,
  MAX_PAGE_SPAN,
  MAX_PAGES,
  MAX_STEPS,
} from "./limits";
import type {
  Address,
  Amount,
  Check,
  Command,
  Diagnostic,
  Expectation,
  FdRef,
  Iovec,
  KernelModel,
  PageRef,
  PageSize,
  ParseResult,
  Prot,
  Scenario,
  Step,
} from "./types";

interface Token {
  text: string;
  /** One-based column of the first character. */
  column: number;
}

/** A parse failure inside one line; caught per line so the next line still gets parsed. */
class LineError {
  constructor(
    readonly column: number,
    readonly message: string,
  ) {}
}

/** Flag names a scenario may use: the C names and the short ones (`G|M`). */
export const SPLICE_FLAG_NAMES: Readonly<Record<string, number>> = Object.fromEntries(
  SPLICE_FLAGS.flatMap((flag) => [
    [flag.name, flag.bit],
    [flag.short, flag.bit],
  ]),
);

export const ERRNO_NAMES = [
  "EBADF",
  "EINVAL",
  "EAGAIN",
  "ENOMEM",
  "EFAULT",
  "EPIPE",
  "EPERM",
  "EBUSY",
  "EINTR",
  "ESPIPE",
];
const MAP_FLAGS = [
  "MAP_PRIVATE",
  "MAP_SHARED",
  "MAP_ANONYMOUS",
  "MAP_ANON",
  "MAP_HUGETLB",
  "MAP_LOCKED",
  "MAP_POPULATE",
  "MAP_NORESERVE",
  "MAP_FIXED",
];
const PROT_FLAGS = ["PROT_READ", "PROT_WRITE", "PROT_EXEC", "PROT_NONE"];
const ADVICES = [
  "MADV_HUGEPAGE",
  "MADV_NOHUGEPAGE",
  "MADV_DONTNEED",
  "MADV_DONTFORK",
  "MADV_DOFORK",
  "MADV_MERGEABLE",
  "MADV_UNMERGEABLE",
];
const PIPE_FLAGS = ["O_NONBLOCK", "O_DIRECT", "O_CLOEXEC"];
const OPEN_MODES = ["O_RDONLY", "O_WRONLY", "O_RDWR", "O_PATH"] as const;
type PageOutcomeWord = "zapped" | "intact" | "moved" | "copied";
type PageStateWord = "zero-page" | "present" | "absent";
const PIPE_BUFFER_FLAGS: Record<string, number> = {
  LRU: 0x01,
  ATOMIC: 0x02,
  GIFT: 0x04,
  PACKET: 0x08,
  CAN_MERGE: 0x10,
};
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/** Splits one line into tokens, keeping quoted strings and characters whole and stopping at a `#` comment. */
function tokenize(line: string): Token[] {
  const tokens: Token[] = [];
  let index = 0;
  while (index < line.length) {
    const character = line[index];
    if (character === " " || character === "\t" || character === "\r") {
      index++;
      continue;
    }
    if (character === "#") break;
    const start = index;
    let quote: string | null = null;
    while (index < line.length) {
      const current = line[index];
      if (quote) {
        if (current === quote) quote = null;
      } else if (current === '"' || current === "'") {
        quote = current;
      } else if (current === " " || current === "\t" || current === "\r" || current === "#") {
        break;
      }
      index++;
    }
    if (quote) throw new LineError(start + 1, `unterminated ${quote === '"' ? "string" : "character"} literal`);
    tokens.push({ text: line.slice(start, index), column: start + 1 });
  }
  return tokens;
}

/** A cursor over the tokens of one line with "expected X, found Y" errors. */
class Cursor {
  private position = 0;
  constructor(
    private readonly tokens: Token[],
    private readonly lineLength: number,
  ) {}

  peek(): Token | null {
    return this.tokens[this.position] ?? null;
  }

  atEnd(): boolean {
    return this.position >= this.tokens.length;
  }

  next(expected: string): Token {
    const token = this.tokens[this.position];
    if (!token) throw new LineError(this.lineLength + 1, `expected ${expected}, found end of line`);
    this.position++;
    return token;
  }

  nextIf(text: string): boolean {
    if (this.tokens[this.position]?.text === text) {
      this.position++;
      return true;
    }
    return false;
  }

  expectEnd(): void {
    const token = this.peek();
    if (token) throw new LineError(token.column, `expected end of line, found '${token.text}'`);
  }
}

function fail(token: Token, expected: string): never {
  throw new LineError(token.column, `expected ${expected}, found '${token.text}'`);
}

/** Parses a plain integer: decimal, hexadecimal, optionally negative. */
function parseInteger(text: string): number | null {
  if (/^-?[0-9]+$/.test(text)) return Number(text);
  if (/^-?0x[0-9a-fA-F]+$/.test(text)) return text.startsWith("-") ? -Number(text.slice(1)) : Number(text);
  return null;
}

/** Parses `4096`, `0x10`, `P`, `4P`, `64K`, `2M`, and sums of them (`P+100`) into bytes plus pages. */
function parseAmountText(text: string): Amount | null {
  const amount: Amount = { bytes: 0, pages: 0 };
  for (const part of text.split("+")) {
    const term = parseTerm(part);
    if (!term) return null;
    amount.bytes += term.bytes;
    amount.pages += term.pages;
  }
  return amount;
}

function parseTerm(text: string): Amount | null {
  if (text === "P") return { bytes: 0, pages: 1 };
  const suffix = text.slice(-1);
  const multipliers: Record<string, number> = { K: 1024, M: 1024 * 1024 };
  if (suffix === "P" || suffix in multipliers) {
    const count = parseInteger(text.slice(0, -1));
    if (count === null || count < 0) return null;
    return suffix === "P" ? { bytes: 0, pages: count } : { bytes: count * multipliers[suffix], pages: 0 };
  }
  const value = parseInteger(text);
  if (value === null || value < 0) return null;
  return { bytes: value, pages: 0 };
}

/** Lengths are bounded by the user address space (docs/vmsim.md section 9); a number past it is a mistake, not a hang. */
function checkAmount(parsed: Amount, column: number, text: string, maximum = MAX_BYTES): Amount {
  if (parsed.bytes > maximum || parsed.pages > MAX_PAGES)
    throw new LineError(
      column,
      `'${text}' is out of range: a length is at most ${maximum === MAX_BYTES ? `${MAX_BYTES} bytes (128 TiB)` : "2^64-1 bytes (size_t)"} or ${MAX_PAGES} pages (docs/vmsim.md section 9)`,
    );
  return parsed;
}

function amount(token: Token, what = "a length (bytes, P, 4P, 64K)"): Amount {
  const parsed = parseAmountText(token.text);
  if (!parsed) fail(token, what);
  return checkAmount(parsed, token.column, token.text);
}

/** An integer in [minimum, maximum]; anything else names the line, column and the allowed range. */
function inRange(value: number, minimum: number, maximum: number, column: number, text: string, what: string): number {
  if (!Number.isSafeInteger(value) || value < minimum || value > maximum)
    throw new LineError(column, `${what} '${text}' is out of range (${minimum}..${maximum}; docs/vmsim.md section 9)`);
  return value;
}

function count(token: Token, what: string, minimum = -MAX_BYTES, maximum = MAX_BYTES): number {
  const value = parseInteger(token.text);
  if (value === null) fail(token, what);
  return inRange(value, minimum, maximum, token.column, token.text, what);
}

/** Parses a byte value: `0xEE`, `0`, `'A'`. */
function byteValue(token: Token): number {
  const text = token.text;
  if (text.length === 3 && text.startsWith("'") && text.endsWith("'")) return text.charCodeAt(1) & 0xff;
  const value = parseInteger(text);
  if (value === null || value < 0 || value > 255) fail(token, "a byte value (0..255, 0xEE or 'A')");
  return value;
}

/** Parses `p`, `p+100`, `p+2P`, `q-P`. */
function parseAddressText(text: string): Address | null {
  const match = /^([A-Za-z_][A-Za-z0-9_]*)(?:([+-])(.+))?$/.exec(text);
  if (!match) return null;
  if (!match[2]) return { mapping: match[1], offset: { bytes: 0, pages: 0 }, negative: false };
  const offset = parseAmountText(match[3]);
  if (!offset) return null;
  return { mapping: match[1], offset, negative: match[2] === "-" };
}

function address(token: Token): Address {
  const parsed = parseAddressText(token.text);
  if (!parsed) fail(token, "an address (mapping name, optionally +offset: p, p+100, p+2P)");
  checkAmount(parsed.offset, token.column, token.text);
  return parsed;
}

/** Parses `p[0]` or `p[1..3]`. */
function pageRef(token: Token): PageRef {
  const match = /^([A-Za-z_][A-Za-z0-9_]*)\[([0-9]+)(?:\.\.([0-9]+))?\]$/.exec(token.text);
  if (!match) fail(token, "a page reference (p[0] or p[1..3])");
  const first = inRange(Number(match[2]), 0, MAX_PAGES - 1, token.column, match[2], "page index");
  const last =
    match[3] === undefined ? first : inRange(Number(match[3]), 0, MAX_PAGES - 1, token.column, match[3], "page index");
  if (last - first >= MAX_PAGE_SPAN)
    throw new LineError(
      token.column,
      `page range ${token.text} spans more than ${MAX_PAGE_SPAN} pages (docs/vmsim.md section 9)`,
    );
  if (last < first) throw new LineError(token.column, `page range ${token.text} ends before it starts`);
  return { mapping: match[1], first, last };
}

function name(token: Token, what: string): string {
  if (!NAME.test(token.text)) fail(token, what);
  return token.text;
}

function fdRef(token: Token): FdRef {
  const pipeEnd = /^([A-Za-z_][A-Za-z0-9_]*)\[([01])\]$/.exec(token.text);
  if (pipeEnd) return { kind: "pipe", pipe: pipeEnd[1], end: Number(pipeEnd[2]) as 0 | 1 };
  const value = parseInteger(token.text);
  if (value !== null)
    return { kind: "number", value: inRange(value, -MAX_FD - 1, MAX_FD, token.column, token.text, "descriptor") };
  if (NAME.test(token.text)) return { kind: "named", name: token.text };
  fail(token, "a file descriptor (fds[0], fds[1], a name from open, or a number)");
}

/** Parses `A|B|C` where every name must be in `allowed`; `0` stands for the empty set. */
function nameSet(token: Token, allowed: readonly string[], what: string): string[] {
  if (token.text === "0") return [];
  const names = token.text.split("|");
  let column = token.column;
  for (const part of names) {
    if (!allowed.includes(part)) throw new LineError(column, `expected ${what}, found '${part}'`);
    column += part.length + 1;
  }
  return names;
}

function spliceFlags(token: Token): number {
  let value = 0;
  let column = token.column;
  for (const part of token.text.split("|")) {
    const number = parseInteger(part);
    // C `unsigned int`: 0..0xffffffff, kept unsigned (`|` alone would turn bit 31 into a negative number).
    if (number !== null && number >= 0) value = (value | inRange(number, 0, MAX_FLAGS, column, part, "flags")) >>> 0;
    else if (part in SPLICE_FLAG_NAMES) value = (value | SPLICE_FLAG_NAMES[part]) >>> 0;
    else
      throw new LineError(
        column,
        `expected a splice flag (SPLICE_F_GIFT, SPLICE_F_MOVE, SPLICE_F_NONBLOCK, SPLICE_F_MORE, G, M, N, MORE or a number), found '${part}'`,
      );
    column += part.length + 1;
  }
  return value;
}

function prot(token: Token): Prot {
  const names = nameSet(token, PROT_FLAGS, "a protection (PROT_READ|PROT_WRITE, PROT_NONE)");
  return { read: names.includes("PROT_READ"), write: names.includes("PROT_WRITE"), exec: names.includes("PROT_EXEC") };
}

/** Parses the iovec list of a vmsplice call: `[p,P] [p+P,P]`, `iov1(p,4)`, `iovB(q,4P)` or `NULL`. */
function iovecs(cursor: Cursor): IovecRun[] | null {
  const first = cursor.peek();
  if (!first) throw new LineError(0, "");
  if (first.text === "NULL") {
    cursor.next("iovecs");
    return null;
  }
  // `iov1(p,K)` is one run of K iovecs (iovec-runs.ts); `list.length` counts the iovecs of the runs.
  const runs: IovecRun[] = [];
  const list = {
    length: 0,
    push(iovec: Iovec, count = 1) {
      if (count > 0) runs.push({ first: iovec, count });
      this.length += count;
    },
  };
  for (;;) {
    const token = cursor.peek();
    if (!token) break;
    const helper = /^(iov1|iovB)\(([^,]+),([^,]+)\)$/.exec(token.text);
    const literal = /^\[([^,]+),([^,\]]+)\]$/.exec(token.text);
    if (helper) {
      cursor.next("iovecs");
      const base = parseAddressText(helper[2]);
      if (!base) throw new LineError(token.column + helper[1].length + 1, `expected an address, found '${helper[2]}'`);
      checkAmount(base.offset, token.column + helper[1].length + 1, helper[2]);
      const lengthColumn = token.column + helper[1].length + helper[2].length + 2;
      if (helper[1] === "iov1") {
        const pages = parseInteger(helper[3]);
        if (pages === null || pages < 0)
          throw new LineError(lengthColumn, `expected a page count, found '${helper[3]}'`);
        inRange(pages, 0, MAX_IOVECS - list.length, lengthColumn, helper[3], "iovec count");
        checkAmount({ bytes: 0, pages: base.offset.pages + pages }, lengthColumn, helper[3]);
        // One run with one length object for the whole list (nothing mutates a parsed amount): `iov1(p,256)` on 1,024
        // lines of a 1 GiB scenario is 262,144 iovecs. The first iovec is a literal of the Address shape (the same
        // keys in the same order as parseAddressText's), as iovecAt makes the others.
        const onePage = { bytes: 0, pages: 1 };
        const { mapping, negative } = base;
        const { bytes, pages: firstPage } = base.offset;
        list.push({ base: { mapping, offset: { bytes, pages: firstPage }, negative }, length: onePage }, pages);
      } else {
        const length = parseAmountText(helper[3]);
        if (!length) throw new LineError(lengthColumn, `expected a length, found '${helper[3]}'`);
        list.push({ base, length: checkAmount(length, lengthColumn, helper[3], MAX_IOV_LEN) });
      }
    } else if (literal) {
      cursor.next("iovecs");
      const base = literal[1] === "NULL" ? null : parseAddressText(literal[1]);
      if (base === undefined || (base === null && literal[1] !== "NULL"))
        throw new LineError(token.column + 1, `expected an address or NULL, found '${literal[1]}'`);
      if (base) checkAmount(base.offset, token.column + 1, literal[1]);
      const length = parseAmountText(literal[2]);
      if (!length)
        throw new LineError(token.column + literal[1].length + 2, `expected a length, found '${literal[2]}'`);
      list.push({ base, length: checkAmount(length, token.column + literal[1].length + 2, literal[2], MAX_IOV_LEN) });
    } else if (token.text.startsWith("[") || token.text.startsWith("iov")) {
      fail(token, "an iovec ([base,len] without spaces, iov1(p,k) or iovB(p,len))");
    } else {
      break;
    }
    if (list.length > MAX_IOVECS)
      throw new LineError(token.column, `a vmsplice line lists at most ${MAX_IOVECS} iovecs (docs/vmsim.md section 9)`);
  }
  if (list.length === 0)
    fail(cursor.peek() ?? { text: "", column: 0 }, "iovecs ([base,len], iov1(p,k), iovB(p,len) or NULL)");
  return runs;
}

/** Optional trailing `LEN` argument of memory commands (`munmap q+P P`). */
function optionalLength(cursor: Cursor): Amount | null {
  const token = cursor.peek();
  if (!token) return null;
  return amount(cursor.next("a length"));
}

function parseCommand(keyword: Token, cursor: Cursor, hasProcess: boolean): Command {
  const needsProcess = (): void => {
    if (!hasProcess)
      throw new LineError(keyword.column, `'${keyword.text}' needs a process prefix ('W: ${keyword.text} ...')`);
  };
  switch (keyword.text) {
    case "process": {
      const processName = name(cursor.next("a process name"), "a process name");
      let privileged = false;
      let sigpipeIgnored = false;
      while (!cursor.atEnd()) {
        const option = cursor.next("an option");
        if (option.text === "privileged") privileged = true;
        else if (option.text === "sigpipe=ignore") sigpipeIgnored = true;
        else fail(option, "'privileged' or 'sigpipe=ignore'");
      }
      return { kind: "process", name: processName, privileged, sigpipeIgnored };
    }
    case "fork":
      needsProcess();
      return { kind: "fork", child: name(cursor.next("the child's process name"), "a process name") };
    case "exit":
      needsProcess();
      return { kind: "exit" };
    default:
      return (
        parseMemoryCommand(keyword, cursor, needsProcess) ??
        parseTransferCommand(keyword, cursor, needsProcess) ??
        fail(
          keyword,
          "a command (process, pipe, pipe2, file, close, fcntl, fork, exit, mmap, munmap, madvise, mlock, mprotect, fill, touch, ksm-merge, race-fault, open, vmsplice, read, write, splice, tee) or expect",
        )
      );
  }
}

/** Memory commands (`W: mmap ...`, `munmap`, `mlock`, `touch`, `ksm-merge`, `race-fault`, `madvise`, `mprotect`, `fill`). */
function parseMemoryCommand(keyword: Token, cursor: Cursor, needsProcess: () => void): Command | null {
  switch (keyword.text) {
    case "mmap": {
      needsProcess();
      const mappingName = name(cursor.next("a mapping name"), "a mapping name");
      const length = amount(cursor.next("a length"));
      const protection = prot(cursor.next("a protection"));
      const flags = nameSet(
        cursor.next("mmap flags"),
        MAP_FLAGS,
        "an mmap flag (MAP_PRIVATE, MAP_SHARED, MAP_ANONYMOUS, MAP_HUGETLB, ...)",
      );
      let file: string | null = null;
      let align: Amount | null = null;
      while (!cursor.atEnd()) {
        const option = cursor.next("an option");
        if (option.text.startsWith("file="))
          file = name({ text: option.text.slice(5), column: option.column + 5 }, "a file name");
        else if (option.text.startsWith("align="))
          align = amount({ text: option.text.slice(6), column: option.column + 6 });
        else fail(option, "'file=NAME' or 'align=N'");
      }
      if (!flags.includes("MAP_PRIVATE") && !flags.includes("MAP_SHARED"))
        throw new LineError(keyword.column, "mmap needs MAP_PRIVATE or MAP_SHARED");
      const anonymous = flags.includes("MAP_ANONYMOUS") || flags.includes("MAP_ANON");
      if (!anonymous && file === null) throw new LineError(keyword.column, "mmap needs MAP_ANONYMOUS or file=NAME");
      return { kind: "mmap", name: mappingName, length, prot: protection, flags, file, align };
    }
    case "munmap":
    case "mlock":
    case "touch":
    case "ksm-merge": {
      needsProcess();
      const at = address(cursor.next("an address"));
      return { kind: keyword.text, address: at, length: optionalLength(cursor) };
    }
    case "race-fault":
      needsProcess();
      return { kind: "race-fault", address: address(cursor.next("an address")) };
    case "madvise": {
      needsProcess();
      const at = address(cursor.next("an address"));
      const second = cursor.next("a length or an advice");
      if (ADVICES.includes(second.text)) return { kind: "madvise", address: at, length: null, advice: second.text };
      const length = amount(second, "a length or an advice (MADV_HUGEPAGE, MADV_DONTNEED, ...)");
      const advice = cursor.next("an advice");
      if (!ADVICES.includes(advice.text)) fail(advice, `an advice (${ADVICES.join(", ")})`);
      return { kind: "madvise", address: at, length, advice: advice.text };
    }
    case "mprotect": {
      needsProcess();
      const at = address(cursor.next("an address"));
      const second = cursor.next("a length or a protection");
      if (second.text.startsWith("PROT_")) return { kind: "mprotect", address: at, length: null, prot: prot(second) };
      const length = amount(second);
      return { kind: "mprotect", address: at, length, prot: prot(cursor.next("a protection")) };
    }
    case "fill": {
      needsProcess();
      const at = address(cursor.next("an address"));
      const second = cursor.next("a byte value, 'pattern' or a length");
      if (second.text === "pattern") return { kind: "fill", address: at, length: null, value: "pattern" };
      const third = cursor.peek();
      if (!third) return { kind: "fill", address: at, length: null, value: byteValue(second) };
      const length = amount(second);
      const value = cursor.next("a byte value or 'pattern'");
      return { kind: "fill", address: at, length, value: value.text === "pattern" ? "pattern" : byteValue(value) };
    }
    default:
      return null;
  }
}

/** Files, descriptors and the calls that move data (`file`, `open`, `pipe`, `fcntl`, `close`, `vmsplice`, ...). */
function parseTransferCommand(keyword: Token, cursor: Cursor, needsProcess: () => void): Command | null {
  switch (keyword.text) {
    case "file": {
      const fileName = name(cursor.next("a file name"), "a file name");
      const size = amount(cursor.next("a size"));
      return { kind: "file", name: fileName, size, value: byteValue(cursor.next("a byte value")) };
    }
    case "open": {
      needsProcess();
      const fdName = name(cursor.next("a descriptor name"), "a descriptor name");
      const fileName = name(cursor.next("a file name"), "a file name");
      const mode = cursor.next("an open mode");
      if (!(OPEN_MODES as readonly string[]).includes(mode.text)) fail(mode, "O_RDONLY, O_WRONLY, O_RDWR or O_PATH");
      return { kind: "open", name: fdName, file: fileName, mode: mode.text as (typeof OPEN_MODES)[number] };
    }
    case "pipe":
    case "pipe2": {
      const pipeName = name(cursor.next("a pipe name"), "a pipe name");
      const flags =
        keyword.text === "pipe2"
          ? nameSet(cursor.next("pipe2 flags"), PIPE_FLAGS, "O_NONBLOCK, O_DIRECT or O_CLOEXEC")
          : [];
      return { kind: "pipe", name: pipeName, flags };
    }
    case "fcntl": {
      const fd = fdRef(cursor.next("a file descriptor"));
      const commandToken = cursor.next("F_SETPIPE_SZ, F_GETPIPE_SZ or F_SETFL");
      if (commandToken.text === "F_SETPIPE_SZ")
        return { kind: "fcntl", fd, command: "F_SETPIPE_SZ", size: amount(cursor.next("a size")), statusFlags: [] };
      if (commandToken.text === "F_GETPIPE_SZ")
        return { kind: "fcntl", fd, command: "F_GETPIPE_SZ", size: null, statusFlags: [] };
      if (commandToken.text === "F_SETFL")
        return {
          kind: "fcntl",
          fd,
          command: "F_SETFL",
          size: null,
          statusFlags: nameSet(cursor.next("status flags"), ["O_NONBLOCK", "O_DIRECT"], "O_NONBLOCK or 0"),
        };
      fail(commandToken, "F_SETPIPE_SZ, F_GETPIPE_SZ or F_SETFL");
    }
    case "close":
      return { kind: "close", fd: fdRef(cursor.next("a file descriptor")) };
    case "vmsplice": {
      needsProcess();
      const fd = fdRef(cursor.next("a file descriptor"));
      if (cursor.atEnd()) cursor.next("iovecs");
      const runs = iovecs(cursor);
      let nrSegs: number | null = null;
      const maybeNr = cursor.peek();
      if (maybeNr?.text.startsWith("nr=")) {
        cursor.next("nr=");
        nrSegs = count({ text: maybeNr.text.slice(3), column: maybeNr.column + 3 }, "a segment count", 0, MAX_NR_SEGS);
      }
      const flags = spliceFlags(cursor.next("flags (SPLICE_F_GIFT|SPLICE_F_MOVE, G|M, 0)"));
      const command: Extract<Command, { kind: "vmsplice" }> = { kind: "vmsplice", fd, iovecs: null, nrSegs, flags };
      if (runs) attachIovecs(command, runs);
      return command;
    }
    case "read": {
      needsProcess();
      const fd = fdRef(cursor.next("a file descriptor"));
      const at = address(cursor.next("a destination address"));
      return { kind: "read", fd, address: at, length: amount(cursor.next("a length")) };
    }
    case "write": {
      needsProcess();
      const fd = fdRef(cursor.next("a file descriptor"));
      const source = cursor.next("a source address or 'data'");
      if (source.text === "data") {
        const length = amount(cursor.next("a length"));
        return { kind: "write", fd, address: null, length, value: byteValue(cursor.next("a byte value")) };
      }
      const at = address(source);
      return { kind: "write", fd, address: at, length: amount(cursor.next("a length")), value: null };
    }
    case "splice":
    case "tee": {
      needsProcess();
      const input = fdRef(cursor.next("the input descriptor"));
      const output = fdRef(cursor.next("the output descriptor"));
      const length = amount(cursor.next("a length"));
      const flags = spliceFlags(cursor.next("flags"));
      return { kind: keyword.text, input, output, length, flags };
    }
    default:
      return null;
  }
}

function modelList(text: string, column: number): KernelModel[] {
  const models = new Set<KernelModel>();
  for (const part of text.split(",")) {
    if (part === "all") KERNEL_MODELS.forEach((model) => models.add(model));
    else if (part === "mainline") MAINLINE_MODELS.forEach((model) => models.add(model));
    else if ((KERNEL_MODELS as readonly string[]).includes(part)) models.add(part as KernelModel);
    else
      throw new LineError(
        column,
        `expected a kernel model (${KERNEL_MODELS.join(", ")}, mainline, all), found '${part}'`,
      );
    column += part.length + 1;
  }
  return KERNEL_MODELS.filter((model) => models.has(model));
}

/** `expect pipe NAME occupancy N`, `bytes N`, or `buffer I offset=.. len=.. flags=..`. */
function parsePipeCheck(cursor: Cursor): Check {
  const pipe = name(cursor.next("a pipe name"), "a pipe name");
  const what = cursor.next("occupancy, bytes or buffer");
  if (what.text === "occupancy")
    return { kind: "pipe-occupancy", pipe, slots: count(cursor.next("a slot count"), "a number") };
  if (what.text === "bytes") return { kind: "pipe-bytes", pipe, bytes: count(cursor.next("a byte count"), "a number") };
  if (what.text !== "buffer") fail(what, "occupancy, bytes or buffer");
  const index = count(cursor.next("a buffer index"), "a number");
  const fields: Record<string, number> = {};
  for (const field of ["offset", "len", "flags"]) {
    const token = cursor.next(`${field}=...`);
    if (!token.text.startsWith(`${field}=`)) fail(token, `${field}=...`);
    const valueText = token.text.slice(field.length + 1);
    const valueToken = { text: valueText, column: token.column + field.length + 1 };
    if (field === "flags") {
      let flags = 0;
      for (const part of valueText.split("|")) {
        const number = parseInteger(part);
        if (number !== null) flags = (flags | inRange(number, 0, MAX_FLAGS, valueToken.column, part, "flags")) >>> 0;
        else if (part in PIPE_BUFFER_FLAGS) flags = (flags | PIPE_BUFFER_FLAGS[part]) >>> 0;
        else fail(valueToken, "pipe buffer flags (GIFT, LRU, PACKET, CAN_MERGE or a number)");
      }
      fields.flags = flags;
    } else {
      fields[field] = count(valueToken, "a number");
    }
  }
  return { kind: "pipe-buffer", pipe, index, offset: fields.offset, len: fields.len, flags: fields.flags };
}

function parseCheck(cursor: Cursor): Check {
  const keyword = cursor.next(
    "an expectation (returned, errno, blocked, kernel-bug, zapped, moved, bytes, pipe, rule, ...)",
  );
  switch (keyword.text) {
    case "returned":
      return { kind: "returned", value: count(cursor.next("a byte count"), "a number") };
    case "errno": {
      const errno = cursor.next("an errno name");
      if (!ERRNO_NAMES.includes(errno.text)) fail(errno, `an errno name (${ERRNO_NAMES.join(", ")})`);
      return { kind: "errno", errno: errno.text };
    }
    case "blocked":
      if (cursor.nextIf("after")) return { kind: "blocked", after: count(cursor.next("a byte count"), "a byte count") };
      return { kind: "blocked", after: null };
    case "kernel-bug":
      return { kind: "kernel-bug" };
    case "signal": {
      const signal = cursor.next("a signal name");
      if (signal.text !== "SIGPIPE") fail(signal, "SIGPIPE");
      return { kind: "signal", signal: signal.text };
    }
    case "zapped":
    case "intact":
    case "moved":
    case "copied": {
      const pages = pageRef(cursor.next("a page reference"));
      let from: { process: string; page: PageRef } | null = null;
      if (keyword.text === "moved" && cursor.nextIf("from")) {
        const process = name(cursor.next("a process name"), "a process name");
        from = { process, page: pageRef(cursor.next("a page reference")) };
      }
      return { kind: "page-outcome", outcome: keyword.text as PageOutcomeWord, pages, from };
    }
    case "queued":
      return { kind: "queued", count: count(cursor.next("a buffer count"), "a number") };
    case "bytes": {
      const at = address(cursor.next("an address"));
      const length = amount(cursor.next("a length"));
      const equals = cursor.next("'=='");
      if (equals.text !== "==") fail(equals, "'=='");
      return { kind: "bytes", address: at, length, value: byteValue(cursor.next("a byte value")) };
    }
    case "zero-page":
    case "present":
    case "absent":
      return {
        kind: "page-state",
        state: keyword.text as PageStateWord,
        pages: pageRef(cursor.next("a page reference")),
      };
    case "same-frame": {
      const pages = pageRef(cursor.next("a page reference"));
      const otherProcess = name(cursor.next("a process name"), "a process name");
      return { kind: "same-frame", pages, otherProcess, other: pageRef(cursor.next("a page reference")) };
    }
    case "pipe":
      return parsePipeCheck(cursor);
    case "rule":
    case "no-rule": {
      const ruleToken = cursor.next("a rule id");
      if (!/^VMS-[A-Z0-9-]+$/.test(ruleToken.text)) fail(ruleToken, "a rule id (VMS-...)");
      return { kind: "rule", rule: ruleToken.text, present: keyword.text === "rule" };
    }
    default:
      fail(
        keyword,
        "an expectation (returned, errno, blocked, kernel-bug, signal, zapped, intact, moved, copied, queued, bytes, zero-page, present, absent, same-frame, pipe, rule, no-rule)",
      );
  }
}

/** `page-size N`, `models ...` and `source "..."`: sets the scenario field and returns true; false for any other line. */
function parseSetting(first: Token, cursor: Cursor, scenario: Scenario): boolean {
  if (first.text === "page-size") {
    const size = cursor.next("4096, 16384 or 65536");
    if (!["4096", "16384", "65536"].includes(size.text)) fail(size, "4096, 16384 or 65536");
    cursor.expectEnd();
    scenario.pageSize = Number(size.text) as PageSize;
    return true;
  }
  if (first.text === "models") {
    const models = new Set<KernelModel>();
    if (cursor.atEnd()) cursor.next("a kernel model");
    while (!cursor.atEnd()) {
      const token = cursor.next("a kernel model");
      modelList(token.text, token.column).forEach((model) => models.add(model));
    }
    scenario.models = KERNEL_MODELS.filter((model) => models.has(model));
    return true;
  }
  if (first.text === "source") {
    const source = cursor.next("a quoted text");
    if (!/^".*"$/.test(source.text) || source.text.length < 2) fail(source, "a quoted text");
    cursor.expectEnd();
    scenario.source = source.text.slice(1, -1);
    return true;
  }
  return false;
}

/** An `expect` or `expect[MODELS]` line: the expectation it states, after the step it follows. */
function parseExpectation(
  first: Token,
  cursor: Cursor,
  lineNumber: number,
  lineText: string,
  processes: ReadonlySet<string>,
): Expectation {
  let models: KernelModel[] | null = null;
  if (first.text !== "expect") {
    if (!first.text.endsWith("]")) throw new LineError(first.column, "expected 'expect[MODELS]' without spaces");
    models = modelList(first.text.slice(7, -1), first.column + 7);
  }
  let process: string | null = null;
  const maybeProcess = cursor.peek();
  if (maybeProcess && processes.has(maybeProcess.text)) {
    process = maybeProcess.text;
    cursor.next("a process");
  }
  const check = parseCheck(cursor);
  cursor.expectEnd();
  return { line: lineNumber, column: first.column, text: lineText.trim(), models, process, check };
}

/** A command line (`W: vmsplice ...` or `pipe p`): the step; declares the processes `process` and `fork` create. */
function parseStep(first: Token, cursor: Cursor, lineNumber: number, lineText: string, processes: Set<string>): Step {
  let processName: string | null = null;
  let keyword = first;
  if (first.text.endsWith(":")) {
    processName = first.text.slice(0, -1);
    if (!processes.has(processName))
      throw new LineError(
        first.column,
        `unknown process '${processName}' (declare it with 'process ${processName}' or 'fork ${processName}')`,
      );
    keyword = cursor.next("a command");
  }
  const command = parseCommand(keyword, cursor, processName !== null);
  cursor.expectEnd();
  if (command.kind === "process") {
    if (processes.has(command.name))
      throw new LineError(keyword.column, `process '${command.name}' is already declared`);
    processes.add(command.name);
  }
  if (command.kind === "fork") {
    if (processes.has(command.child))
      throw new LineError(keyword.column, `process '${command.child}' is already declared`);
    processes.add(command.child);
  }
  return { line: lineNumber, text: lineText.trim(), process: processName, command, expectations: [] };
}

/** Parses a `.vmsim` text. Always returns a scenario (possibly partial) and the list of problems found. */
export function parseScenario(text: string): ParseResult {
  const scenario: Scenario = {
    id: "",
    title: "",
    source: null,
    pageSize: null,
    models: [...KERNEL_MODELS],
    steps: [],
    initialExpectations: [],
  };
  const diagnostics: Diagnostic[] = [];
  const processes = new Set<string>();
  let sawHeader = false;
  const lines = text.split("\n");
  lines.forEach((rawLine, lineIndex) => {
    const lineNumber = lineIndex + 1;
    const lineText = rawLine.replace(/\r$/, "");
    try {
      const tokens = tokenize(lineText);
      if (tokens.length === 0) return;
      const cursor = new Cursor(tokens, lineText.length);
      const first = cursor.next("a statement");
      if (!sawHeader) {
        if (first.text !== "scenario") fail(first, "'scenario ID \"title\"' as the first statement");
        const id = cursor.next("a scenario id");
        const title = cursor.next("a quoted title");
        if (!/^".*"$/.test(title.text) || title.text.length < 2) fail(title, "a quoted title");
        cursor.expectEnd();
        scenario.id = id.text;
        scenario.title = title.text.slice(1, -1);
        sawHeader = true;
        return;
      }
      if (first.text === "scenario") throw new LineError(first.column, "only one 'scenario' line is allowed");
      if (parseSetting(first, cursor, scenario)) return;
      if (first.text === "expect" || first.text.startsWith("expect[")) {
        const expectation = parseExpectation(first, cursor, lineNumber, lineText, processes);
        const lastStep = scenario.steps[scenario.steps.length - 1];
        if (lastStep) lastStep.expectations.push(expectation);
        else scenario.initialExpectations.push(expectation);
        return;
      }
      const step = parseStep(first, cursor, lineNumber, lineText, processes);
      if (scenario.steps.length >= MAX_STEPS)
        throw new LineError(first.column, `a scenario has at most ${MAX_STEPS} steps (docs/vmsim.md section 9)`);
      scenario.steps.push(step);
    } catch (error) {
      if (error instanceof LineError)
        diagnostics.push({ line: lineNumber, column: Math.max(1, error.column), message: error.message });
      else diagnostics.push({ line: lineNumber, column: 1, message: `internal parser error: ${String(error)}` });
    }
  });
  if (!sawHeader)
    diagnostics.push({
      line: 1,
      column: 1,
      message: "expected 'scenario ID \"title\"' as the first statement, found end of file",
    });
  return { scenario, diagnostics };
}
