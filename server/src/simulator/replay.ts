/**
 * Call-site replay (issue 3 item 5): builds a `.vmsim` scenario from the analyzer's facts for one vmsplice call and
 * replays it under a kernel model and page size.
 *
 * This module owns the translation from facts (server/src/analysis/facts.ts) to scenario text and the list of
 * assumptions. When the file holds both a writer and a reader call on the same pipe, both are replayed, writer first;
 * otherwise the ideal counterpart is added (for a writer: a reader passing SPLICE_F_MOVE into page-aligned private
 * anonymous memory; for a reader: a writer gifting exclusive, written, page-aligned private anonymous pages, one iovec
 * per page). Every unknown fact becomes a listed assumption, chosen so that the replay never shows a move the code
 * would not get. Pure: no I/O, no editor or protocol imports, no console.
 */
import {
  evaluate,
  SPLICE_F_GIFT,
  SPLICE_F_MOVE,
  SPLICE_FLAGS,
  type BufferFact,
  type KernelModel,
  type PageSize,
  type SegmentFact,
  type SymValue,
  type VmspliceCall,
} from "../analysis/facts";
import { MAX_IOV_LEN, MAX_NR_SEGS } from "./limits";
import { parseScenario } from "./parse";
import { toReplayJson, type ReplayJson } from "./report";
import { runScenario } from "./run";
import type { Scenario, SimulationResult } from "./types";

export interface ReplayOptions {
  kernel: KernelModel;
  pageSize: PageSize;
  /** Path or URI of the C file, for `site`. */
  file?: string;
  /** "summary" for large replays (see RunOptions.trace); default "full". */
  trace?: "full" | "summary";
  /**
   * Where a counterpart call was looked for, in the words of the assumption that adds the ideal one ("in the file"
   * by default; "recorded" for a replay of a recorded call).
   */
  counterpartScope?: string;
  /** The scenario's `source "..."` text, instead of "call-site replay of FILE:LINE ...". */
  sourceText?: string;
}

export interface CallSiteReplay {
  /** The generated scenario text (a valid `.vmsim` file the user can save and edit). */
  scenarioText: string;
  scenario: Scenario;
  result: SimulationResult;
  json: ReplayJson;
  assumptions: string[];
  /** Where each line of the generated scenario comes from in the C file (one-based scenario line), for labelling steps. */
  sources: StepSource[];
}

/**
 * What a line of the generated scenario stands for in the C program: the writer or reader call (its one-based C line, or
 * null for the ideal counterpart the replay added), the memory of a buffer (its C name), the pipe, or replay bookkeeping.
 */
export interface StepSource {
  scenarioLine: number;
  role: "writer" | "reader" | "writer-memory" | "reader-memory" | "pipe" | "other";
  cLine: number | null;
  buffer: string | null;
  /** The C code a mapping or the pipe comes from (the allocation, the pipe() call): offsets and one-based line. */
  origin: { startIndex: number; endIndex: number; line: number } | null;
}

function originOf(range: { startIndex: number; endIndex: number; start: { line: number } } | null | undefined) {
  return range ? { startIndex: range.startIndex, endIndex: range.endIndex, line: range.start.line + 1 } : null;
}

const PRIVATE_ANON = "PROT_READ|PROT_WRITE MAP_PRIVATE|MAP_ANONYMOUS";
/** glibc's malloc alignment: where an unknown or heap buffer is assumed to start inside its page. */
const HEAP_ALIGNMENT = 16;
/**
 * Pages a replay writes, locks or reads of one buffer: more than one vmsplice call can hand over (a pipe holds at most
 * 256 pages of 4 KiB unprivileged, and the kernel takes at most 1024 iovecs), so a larger buffer is mapped at its size
 * (the model is sparse) but only this window of it is written, and the assumption says so.
 */
export const REPLAY_WINDOW_PAGES = 1024;
/** The largest mapping a replay declares (both sides together stay inside the simulator's 128 TiB address space). */
const REPLAY_MAX_MAPPING_BYTES = 2 ** 43;
/** Offsets beyond this lie outside every mapping a replay declares (16 TiB, twice the largest). */
const REPLAY_MAX_OFFSET = 2 ** 44;

/** C `unsigned int` conversion (modulo 2^32): how the kernel sees a flags argument the analyzer folded as a signed number. */
export function cUnsignedInt(value: number): number {
  return value >>> 0;
}

/** `name+N`, `name-N` or `name`: an address in scenario syntax for a byte offset of either sign. */
function addressText(name: string, offset: number): string {
  return offset > 0 ? `${name}+${offset}` : offset < 0 ? `${name}-${-offset}` : name;
}

/** Counterpart calls: the same pipe, the opposite direction. */
function findCounterpart(calls: VmspliceCall[], focus: VmspliceCall): VmspliceCall | null {
  if (!focus.fd.pipeName || focus.fd.direction === "unknown") return null;
  const wanted = focus.fd.direction === "to-pipe" ? "from-pipe" : "to-pipe";
  return (
    calls.find((call) => call !== focus && call.fd.pipeName === focus.fd.pipeName && call.fd.direction === wanted) ??
    null
  );
}

interface Layout {
  /** Scenario lines that set up memory (mmap, fill, fork, madvise). */
  setup: string[];
  /** The iovec list in scenario syntax. */
  iovecs: string[];
  totalBytes: number;
}

class Builder {
  readonly assumptions: string[] = [];
  private mappingCount = 0;
  private readonly mappingNames = new Map<string, string>();

  constructor(readonly pageSize: number) {}

  assume(text: string): void {
    if (!this.assumptions.includes(text)) this.assumptions.push(text);
  }

  /**
   * A fact's value as a whole number the scenario syntax can hold, or null (unknown): a value that is not an integer or
   * lies beyond a 64-bit size is treated as unknown rather than written into a scenario that would not parse.
   */
  value(value: Parameters<typeof evaluate>[0] | null, index: number | null = null): number | null {
    const folded = value === null ? null : evaluate(value, this.pageSize, index);
    if (folded === null || !Number.isFinite(folded) || Math.abs(folded) >= MAX_IOV_LEN) return null;
    return Math.trunc(folded);
  }

  /**
   * Unrolls loop-filled iovec templates (`repeat`) into one entry per iteration, each with its loop index.
   * An unknown trip count is replayed as one iteration (fewer pages cannot show a move the code would not get);
   * more than 1025 entries are not needed, since the kernel refuses more than 1024 with EINVAL anyway.
   */
  expand(segments: SegmentFact[], role: string): { segment: SegmentFact; index: number | null }[] {
    const entries: { segment: SegmentFact; index: number | null }[] = [];
    segments.forEach((segment, position) => {
      if (!segment.repeat) {
        entries.push({ segment, index: null });
        return;
      }
      let count = this.value(segment.repeat.count);
      const start = this.value(segment.repeat.start) ?? 0;
      if (count === null || count < 0) {
        this.assume(`${role}: the number of iovecs the loop fills for segment ${position} is unknown; replayed as one`);
        count = 1;
      }
      for (let iteration = 0; iteration < Math.min(count, 1025 - entries.length); iteration++)
        entries.push({ segment, index: start + iteration });
    });
    return entries;
  }

  /** Offset of the buffer start inside its page, from the alignment fact or the allocation's usual alignment. */
  misalignment(buffer: BufferFact | null, role: string): number {
    if (!buffer) {
      this.assume(
        `${role}: the buffer's origin is unknown; replayed ${HEAP_ALIGNMENT} bytes into a page (not page-aligned)`,
      );
      return HEAP_ALIGNMENT;
    }
    const alignment = this.value(buffer.alignment);
    if (alignment !== null && alignment > 0) return alignment % this.pageSize === 0 ? 0 : alignment % this.pageSize;
    if (buffer.origin === "mmap" || buffer.origin === "valloc" || buffer.origin === "pvalloc") return 0;
    if (buffer.origin === "malloc" || buffer.origin === "calloc" || buffer.origin === "realloc") return HEAP_ALIGNMENT;
    this.assume(
      `${role}: the alignment of '${buffer.name}' is unknown; replayed ${HEAP_ALIGNMENT} bytes into a page (not page-aligned)`,
    );
    return HEAP_ALIGNMENT;
  }

  /** Builds the memory of one side (writer or reader) and its iovec list from segment facts. */
  layout(process: string, call: VmspliceCall, role: "writer" | "reader"): Layout {
    const pageSize = this.pageSize;
    const setup: string[] = [];
    const iovecs: string[] = [];
    let totalBytes = 0;
    const segments = call.iov.segments;
    let list: { segment: SegmentFact | null; index: number | null }[];
    if (segments === null || segments.length === 0) {
      this.assume(
        `${role}: the iovec array could not be reconstructed${call.iov.missing ? ` (${call.iov.missing})` : ""}; replayed as one segment of unknown buffer and length`,
      );
      list = [{ segment: null, index: null }];
    } else list = this.expand(segments, role);
    if (list.length === 0)
      this.assume(`${role}: the loop fills no iovec; replayed as a call with no segments (NULL, nr_segs 0)`);
    // One mapping per distinct buffer; segments of the same buffer share it.
    const perBuffer = new Map<
      string,
      { buffer: BufferFact | null; extent: number; firstByte: number; misalignment: number; name: string }
    >();
    const resolved: { key: string; offset: number; length: number }[] = [];
    list.forEach(({ segment, index: loopIndex }, index) => {
      const buffer = segment?.buffer ?? null;
      const key = buffer ? buffer.name : `unknown${index}`;
      let entry = perBuffer.get(key);
      if (!entry) {
        entry = {
          buffer,
          extent: 0,
          firstByte: Number.POSITIVE_INFINITY,
          misalignment: this.misalignment(buffer, role),
          name: this.mappingName(process, key),
        };
        perBuffer.set(key, entry);
        this.bufferFactOfMapping.set(entry.name, buffer);
      }
      const { offset, length } = this.segmentPlace(segment, loopIndex, index, role);
      entry.extent = Math.max(entry.extent, offset + length);
      entry.firstByte = Math.min(entry.firstByte, offset);
      resolved.push({ key, offset, length });
      totalBytes += length;
    });
    for (const [, entry] of perBuffer) {
      const size = this.value(entry.buffer?.size ?? null);
      const bytes = Math.max(entry.extent + entry.misalignment, size ?? 0, 1);
      let pages = Math.ceil(bytes / pageSize);
      const label = entry.buffer ? `'${entry.buffer.name}'` : "the buffer";
      if (pages * pageSize > REPLAY_MAX_MAPPING_BYTES) {
        pages = REPLAY_MAX_MAPPING_BYTES / pageSize;
        this.assume(`${role}: ${label} is larger than 8 TiB; replayed as an 8 TiB mapping`);
      }
      // Pages from the one holding the first segment: the window a replay writes when the buffer is larger than it.
      const firstPage = Math.min(
        Math.max(0, Math.floor((entry.firstByte + entry.misalignment) / pageSize)),
        Math.max(0, pages - 1),
      );
      const window =
        pages > REPLAY_WINDOW_PAGES
          ? { first: firstPage, pages: Math.min(REPLAY_WINDOW_PAGES, pages - firstPage) }
          : null;
      if (window)
        this.assume(
          `${role}: ${label} spans ${pages} pages; the replay writes only the ${window.pages} from page ${window.first} (one call cannot hand over more)`,
        );
      setup.push(...this.memory(process, entry.name, pages, entry.buffer, role, window));
    }
    for (const segment of resolved) {
      const entry = perBuffer.get(segment.key)!;
      iovecs.push(`[${addressText(entry.name, entry.misalignment + segment.offset)},${segment.length}]`);
    }
    return { setup, iovecs, totalBytes };
  }

  /** Where a segment lies in its buffer and how long it is; unknown or out-of-range values are replaced, as assumed. */
  private segmentPlace(
    segment: SegmentFact | null,
    loopIndex: number | null,
    index: number,
    role: "writer" | "reader",
  ): { offset: number; length: number } {
    const pageSize = this.pageSize;
    let offset = segment ? this.value(segment.offset, loopIndex) : null;
    if (offset === null) {
      this.assume(`${role}: the offset of segment ${index} is unknown; replayed at the buffer start`);
      offset = 0;
    }
    if (Math.abs(offset) > REPLAY_MAX_OFFSET) {
      // Past any mapping the replay declares: the call faults on it either way, as the real one would.
      const clamped = Math.sign(offset) * REPLAY_MAX_OFFSET;
      this.assume(
        `${role}: the offset ${offset} of segment ${index} lies outside any buffer; replayed as ${clamped} (the call faults there as well)`,
      );
      offset = clamped;
    }
    let length = segment ? this.value(segment.length, loopIndex) : null;
    if (length === null || length < 0) {
      // A length that is not a whole page never moves, so an unknown length cannot show a move the code would not get.
      length = pageSize / 2;
      this.assume(
        `${role}: the length of segment ${index} is unknown; replayed as ${length} bytes (half a page, which never moves)`,
      );
    }
    return { offset, length };
  }

  private mappingName(process: string, key: string): string {
    const existing = this.mappingNames.get(`${process}:${key}`);
    if (existing) return existing;
    const name = `${process === "W" ? "w" : "r"}${this.mappingCount++}`;
    this.mappingNames.set(`${process}:${key}`, name);
    this.bufferOfMapping.set(name, key.startsWith("unknown") ? null : key);
    return name;
  }

  /** The C name of the buffer a scenario mapping stands for (null for an unknown buffer or one the replay added). */
  readonly bufferOfMapping = new Map<string, string | null>();
  /** The buffer fact behind a scenario mapping, for the C line of its allocation. */
  readonly bufferFactOfMapping = new Map<string, BufferFact | null>();

  /** The mmap line and the state changes a buffer fact implies (fill, fork, madvise, mlock, munmap). */
  private memory(
    process: string,
    name: string,
    pages: number,
    buffer: BufferFact | null,
    role: "writer" | "reader",
    window: { first: number; pages: number } | null,
  ): string[] {
    const lines: string[] = [];
    // The part of the mapping a command writes or locks: all of it, or the window (`w0+8P 1024P`).
    const part = window ? `${window.first ? `${name}+${window.first}P` : name} ${window.pages}P` : name;
    const memory = buffer?.memory ?? "unknown";
    const label = buffer ? `'${buffer.name}'` : "the buffer";
    switch (memory) {
      case "shmem":
        lines.push(`${process}: mmap ${name} ${pages}P PROT_READ|PROT_WRITE MAP_SHARED|MAP_ANONYMOUS`);
        break;
      case "hugetlb":
        lines.push(`${process}: mmap ${name} ${pages}P PROT_READ|PROT_WRITE MAP_PRIVATE|MAP_ANONYMOUS|MAP_HUGETLB`);
        break;
      case "private-file":
      case "shared-file":
        lines.unshift(`file ${name}_file ${pages}P 'F'`);
        lines.push(
          `${process}: mmap ${name} ${pages}P PROT_READ|PROT_WRITE ${memory === "shared-file" ? "MAP_SHARED" : "MAP_PRIVATE"} file=${name}_file`,
        );
        this.assume(`${role}: ${label} is a file mapping; the file's bytes are replayed as 'F'`);
        break;
      case "unknown":
        this.assume(`${role}: the memory kind of ${label} is unknown; replayed as private anonymous memory`);
        lines.push(
          `${process}: mmap ${name} ${pages}P ${buffer?.writable === false ? "PROT_READ" : "PROT_READ|PROT_WRITE"} MAP_PRIVATE|MAP_ANONYMOUS`,
        );
        break;
      default:
        lines.push(
          `${process}: mmap ${name} ${pages}P ${buffer?.writable === false ? "PROT_READ" : "PROT_READ|PROT_WRITE"} MAP_PRIVATE|MAP_ANONYMOUS`,
        );
    }
    if (role === "reader" && buffer?.writable === null)
      this.assume(`reader: whether ${label} is writable is unknown; replayed writable`);
    for (const advice of buffer?.madvise ?? []) {
      if (advice.advice === "MADV_HUGEPAGE" || advice.advice === "MADV_DONTFORK" || advice.advice === "MADV_NOHUGEPAGE")
        lines.push(`${process}: madvise ${name} ${advice.advice}`);
    }
    if (buffer?.mlocked) lines.push(`${process}: mlock ${part}`);
    if (role === "writer") {
      const written = buffer?.writtenBefore ?? "unknown";
      if (
        written === "yes" ||
        (written === "unknown" && (buffer?.origin === "malloc" || buffer?.origin === "calloc") && pages <= 1)
      ) {
        if (written === "unknown")
          this.assume(
            `writer: whether ${label} is written before the call is unknown; a small heap buffer is assumed already touched`,
          );
        lines.push(`${process}: fill ${part} pattern`);
      } else if (written === "unknown") {
        this.assume(
          `writer: whether ${label} is written before the call is unknown; replayed untouched (the pipe then carries the zero page)`,
        );
      }
      if (buffer?.madvise.some((advice) => advice.advice === "MADV_MERGEABLE"))
        lines.push(`${process}: ksm-merge ${name}`);
      if (buffer?.forkBefore) lines.push(`${process}: fork C_${name}`);
    } else {
      // A read-only destination cannot have been written by the program (the fill would fault and stop the replay).
      if (buffer?.writable !== false) lines.push(`${process}: fill ${part} 0xEE`);
      if (buffer?.unmappedBefore) {
        lines.push(`${process}: mmap ${name}_above P ${PRIVATE_ANON}`);
        lines.push(`${process}: munmap ${name}`);
      }
    }
    return lines;
  }

  flags(call: VmspliceCall, role: "writer" | "reader"): number {
    // C passes flags as `unsigned int`: `~0xfu` is 0xfffffff0, never a negative number.
    if (call.flags.value !== null && Number.isFinite(call.flags.value)) return cUnsignedInt(call.flags.value);
    this.assume(
      `${role}: the flags argument '${call.flags.text}' could not be folded${call.flags.missing ? ` (${call.flags.missing})` : ""}; replayed as 0 (no gift, no move)`,
    );
    return 0;
  }
}

/** Flags in scenario syntax by name (`G|M`), with any unknown bits as a number, so the generated file reads like the spec. */
function flagText(flags: number): string {
  // The specification writes the gift first (`G|M`); the names come from the one flag table.
  const inSpecOrder = [...SPLICE_FLAGS].sort(
    (a, b) => Number(b.bit === SPLICE_F_GIFT) - Number(a.bit === SPLICE_F_GIFT),
  );
  const names = inSpecOrder.filter((flag) => (flags & flag.bit) !== 0).map((flag) => flag.short);
  const unknown = cUnsignedInt(flags & ~0xf);
  if (unknown) names.push(`0x${unknown.toString(16)}`);
  return names.length ? names.join("|") : "0";
}

/** The writer's memory, iovecs and flags: from its call, or the ideal writer when the file has none on this pipe. */
function writerSide(
  builder: Builder,
  writerCall: VmspliceCall | null,
  readerCall: VmspliceCall | null,
  scope: string,
): { layout: Layout; flags: number } {
  const pageSize = builder.pageSize;
  if (writerCall)
    return { layout: builder.layout("W", writerCall, "writer"), flags: builder.flags(writerCall, "writer") };
  const pages = windowed(builder, Math.ceil(readerTotal(builder, readerCall!) / pageSize), "writer");
  const layout: Layout = {
    setup: [`W: mmap w ${pages}P ${PRIVATE_ANON}`, "W: fill w pattern"],
    iovecs: [`iov1(w,${pages})`],
    totalBytes: pages * pageSize,
  };
  builder.assume(
    `no writer call on this pipe ${scope}: added the ideal writer, which gifts ${pages} exclusive, written, page-aligned private anonymous page(s), one iovec per page, with SPLICE_F_GIFT|SPLICE_F_MOVE`,
  );
  return { layout, flags: SPLICE_F_GIFT | SPLICE_F_MOVE };
}

/** The reader's memory, iovecs and flags: from its call, or the ideal reader when the file has none on this pipe. */
function readerSide(
  builder: Builder,
  readerCall: VmspliceCall | null,
  writerLayout: Layout,
  scope: string,
): { layout: Layout; flags: number } {
  const pageSize = builder.pageSize;
  if (readerCall)
    return { layout: builder.layout("R", readerCall, "reader"), flags: builder.flags(readerCall, "reader") };
  const pages = windowed(builder, Math.ceil(writerLayout.totalBytes / pageSize), "reader");
  const layout: Layout = {
    setup: [`R: mmap r ${pages}P ${PRIVATE_ANON}`, "R: fill r 0xEE"],
    iovecs: [`iovB(r,${pages}P)`],
    totalBytes: pages * pageSize,
  };
  builder.assume(
    `no reader call on this pipe ${scope}: added the ideal reader, which passes SPLICE_F_MOVE into ${pages} page-aligned private anonymous page(s)`,
  );
  return { layout, flags: SPLICE_F_MOVE };
}

/** The reader's read() before the call, replayed into a scratch mapping. */
function readBeforeLines(builder: Builder, readBefore: { length: SymValue }): string[] {
  const pageSize = builder.pageSize;
  let length = builder.value(readBefore.length);
  if (length !== null && length > REPLAY_WINDOW_PAGES * pageSize) {
    length = REPLAY_WINDOW_PAGES * pageSize;
    builder.assume(
      `reader: the read() before the call is replayed as ${length} bytes (at most ${REPLAY_WINDOW_PAGES} pages)`,
    );
  }
  if (length === null || length <= 0) {
    length = pageSize / 2;
    builder.assume(
      `reader: the length of the read() before the call is unknown; replayed as ${length} bytes (a partial page, so the buffer it leaves behind is never moved)`,
    );
  }
  const pages = Math.max(1, Math.ceil(length / pageSize));
  return [`R: mmap scratch ${pages}P ${PRIVATE_ANON}`, `R: read fds[0] scratch ${length}`];
}

/**
 * Replays the call `calls[index]` with its counterpart (found in `calls` or added as the ideal one).
 * The returned JSON has the shape of issue 3 item 6; `site.line` is one-based.
 */
export function replayCallSite(calls: VmspliceCall[], index: number, options: ReplayOptions): CallSiteReplay {
  const focus = calls[index];
  if (!focus) throw new RangeError(`no vmsplice call with index ${index} (the file has ${calls.length})`);
  const builder = new Builder(options.pageSize);
  const pageSize = options.pageSize;
  let direction = focus.fd.direction;
  if (direction === "unknown") {
    direction = "to-pipe";
    builder.assume(
      `the direction of the descriptor '${focus.fd.pipeName ?? "fd"}' is unknown (${focus.fd.explanation}); replayed as the writing end`,
    );
  }
  const counterpart = findCounterpart(calls, focus);
  const writerCall = direction === "to-pipe" ? focus : counterpart;
  const readerCall = direction === "from-pipe" ? focus : counterpart;
  const lines: string[] = [];
  const site = { file: options.file ?? "<source>", line: focus.calleeRange.start.line + 1 };
  // A quoted scenario text ends at a double quote or the line's end: neither may come from a file name.
  const quoted = (text: string) => text.replace(/["\r\n]/g, "?");
  lines.push(`scenario replay "vmsplice call at ${quoted(site.file)}:${site.line}"`);
  lines.push(
    `source "${quoted(options.sourceText ?? `call-site replay of ${site.file}:${site.line}${counterpart ? ` with its counterpart at line ${counterpart.calleeRange.start.line + 1}` : ""}`)}"`,
  );
  lines.push(`page-size ${pageSize}`);
  lines.push("process W");
  lines.push("process R");
  const pipeFlags: string[] = [];
  const nonblock = focus.fd.nonblock ?? counterpart?.fd.nonblock ?? false;
  if (nonblock) pipeFlags.push("O_NONBLOCK");
  lines.push(pipeFlags.length ? `pipe2 fds ${pipeFlags.join("|")}` : "pipe fds");
  if (focus.fd.kind === "not-pipe")
    builder.assume(
      "the descriptor is not a pipe; the replay still uses a pipe, and the real call fails with EBADF (VMS-NOT-PIPE)",
    );
  if (focus.fd.kind === "unknown")
    builder.assume("the descriptor could not be traced to pipe() or pipe2(); replayed as a pipe");
  const pipeSize = focus.fd.pipeSizeBytes ? builder.value(focus.fd.pipeSizeBytes) : null;
  // fcntl's argument is an int: a negative size reaches the kernel as a huge unsigned one (EINVAL), as here.
  if (pipeSize !== null)
    lines.push(`W: fcntl fds[1] F_SETPIPE_SZ ${Math.min(pipeSize < 0 ? 2 ** 32 + pipeSize : pipeSize, 2 ** 32)}`);
  if (counterpart && focus.calleeRange.start.line > counterpart.calleeRange.start.line && direction === "to-pipe") {
    builder.assume(
      `the reader call at line ${counterpart.calleeRange.start.line + 1} comes first in the file; it is replayed after the writer, as it runs once the data is there`,
    );
  }

  const scope = options.counterpartScope ?? "in the file";
  const writer = writerSide(builder, writerCall, readerCall, scope);
  const writerLayout = writer.layout;
  const writerFlags = writer.flags;
  const reader = readerSide(builder, readerCall, writerLayout, scope);
  const readerLayout = reader.layout;
  const readerFlags = reader.flags;
  lines.push(...writerLayout.setup.filter((line) => line.startsWith("file ")));
  lines.push(...readerLayout.setup.filter((line) => line.startsWith("file ")));
  lines.push(...writerLayout.setup.filter((line) => !line.startsWith("file ")));
  lines.push(...readerLayout.setup.filter((line) => !line.startsWith("file ")));
  const writerNr = writerCall ? nrSegsOption(builder, writerCall, writerLayout.iovecs.length) : "";
  const readerNr = readerCall ? nrSegsOption(builder, readerCall, readerLayout.iovecs.length) : "";
  const writerLine = lines.length + 1;
  lines.push(`W: vmsplice fds[1] ${iovecText(writerLayout, writerNr)} ${flagText(writerFlags)}`);
  if (readerCall?.readBefore) lines.push(...readBeforeLines(builder, readerCall.readBefore));
  const readerLine = lines.length + 1;
  lines.push(`R: vmsplice fds[0] ${iovecText(readerLayout, readerNr)} ${flagText(readerFlags)}`);
  if (writerCall?.teeOnPipe || readerCall?.teeOnPipe) builder.assume("a tee() on the same pipe is not replayed");
  const scenarioText = lines.join("\n") + "\n";
  const { scenario, diagnostics } = parseScenario(scenarioText);
  if (diagnostics.length)
    throw new Error(
      `internal: the generated scenario does not parse: ${diagnostics.map((diagnostic) => `${diagnostic.line}:${diagnostic.column} ${diagnostic.message}`).join("; ")}\n${scenarioText}`,
    );
  const result = runScenario(scenario, { kernel: options.kernel, pageSize: options.pageSize, trace: options.trace });
  const json = toReplayJson(scenario, result, {
    site,
    assumptions: builder.assumptions,
    writerLines: [writerLine],
    writerLine,
    readerLine,
  });
  const sources = stepSources(lines, builder, focus, { writerCall, readerCall, writerLine, readerLine });
  return { scenarioText, scenario, result, json, assumptions: builder.assumptions, sources };
}

/** Where each line of a generated scenario came from in C: the two calls, the buffers' mappings and the pipe. */
function stepSources(
  lines: readonly string[],
  builder: Builder,
  focus: VmspliceCall,
  calls: { writerCall: VmspliceCall | null; readerCall: VmspliceCall | null; writerLine: number; readerLine: number },
): StepSource[] {
  const { writerCall, readerCall, writerLine, readerLine } = calls;
  const cLineOf = (call: VmspliceCall | null): number | null => (call ? call.calleeRange.start.line + 1 : null);
  return lines.map((text, position): StepSource => {
    const scenarioLine = position + 1;
    if (scenarioLine === writerLine)
      return { scenarioLine, role: "writer", cLine: cLineOf(writerCall), buffer: null, origin: null };
    if (scenarioLine === readerLine)
      return { scenarioLine, role: "reader", cLine: cLineOf(readerCall), buffer: null, origin: null };
    const memory = /^([WR]): (\S+) (\w+)/.exec(text);
    if (memory) {
      const mapping = memory[3];
      const known = builder.bufferOfMapping.has(mapping);
      const fact = memory[2] === "mmap" ? builder.bufferFactOfMapping.get(mapping) : null;
      return {
        scenarioLine,
        role: memory[1] === "W" ? "writer-memory" : "reader-memory",
        cLine: null,
        buffer: known ? (builder.bufferOfMapping.get(mapping) ?? null) : null,
        origin: originOf(fact?.originRange),
      };
    }
    if (/^pipe2? /.test(text))
      return { scenarioLine, role: "pipe", cLine: null, buffer: null, origin: originOf(focus.fd.originRange) };
    return { scenarioLine, role: "other", cLine: null, buffer: null, origin: null };
  });
}

/** The ideal counterpart's page count, at least one and at most the replay window (more than one call can carry). */
function windowed(builder: Builder, pages: number, role: "writer" | "reader"): number {
  if (!(pages <= REPLAY_WINDOW_PAGES)) {
    builder.assume(
      `${role}: the ideal ${role} is replayed with ${REPLAY_WINDOW_PAGES} pages, not ${Number.isFinite(pages) ? pages : "an unbounded number"} (one call cannot hand over more)`,
    );
    return REPLAY_WINDOW_PAGES;
  }
  return Math.max(1, pages);
}

/** The iovec list of a vmsplice line; an empty one (a loop of zero iterations) is `NULL nr=0`. */
function iovecText(layout: Layout, nr: string): string {
  return layout.iovecs.length ? `${layout.iovecs.join(" ")}${nr}` : "NULL nr=0";
}

function readerTotal(builder: Builder, call: VmspliceCall): number {
  let total = 0;
  for (const { segment, index } of builder.expand(call.iov.segments ?? [], "reader"))
    total += builder.value(segment.length, index) ?? builder.pageSize;
  return total || builder.pageSize;
}

/** `nr=N` when the call's segment count differs from the iovecs listed (e.g. more than 1024). */
function nrSegsOption(builder: Builder, call: VmspliceCall, listed: number): string {
  const nrSegs = builder.value(call.iov.nrSegs);
  // Only the IOV_MAX case changes the outcome (EINVAL); other differences come from loops the facts already unrolled.
  // Beyond 32 bits the outcome is the same EINVAL, so the count is capped to what the scenario syntax holds.
  if (nrSegs !== null && nrSegs > 1024 && nrSegs > listed) return ` nr=${Math.min(nrSegs, MAX_NR_SEGS)}`;
  return "";
}
