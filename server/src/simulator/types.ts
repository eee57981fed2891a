/**
 * The data shapes of the page-movement simulator: the parsed `.vmsim` scenario, and the result of replaying it.
 *
 * This module owns the scenario syntax tree (what `parseScenario` produces and `runScenario` consumes) and the
 * result shapes (steps, events, per-chunk outcomes, expectation verdicts) that the CLI, the language server and the
 * conformance tests read. It holds types only and imports nothing but the shared fact types; it must not import Node's
 * I/O, the editor or the protocol library.
 */
import type { KernelModel, PageSize } from "../analysis/facts";

export type { KernelModel, PageSize };

/** A length written as bytes plus whole pages, so one scenario runs under every page size (`4P`, `P+100`, `3996`). */
export interface Amount {
  bytes: number;
  pages: number;
}

/** An address inside a named mapping of the acting process: the mapping start plus an offset. */
export interface Address {
  mapping: string;
  offset: Amount;
  /** Negative offsets are written `q-P`; kept as a sign so amounts stay non-negative. */
  negative: boolean;
}

/** Pages `first..last` (inclusive) of a named mapping. */
export interface PageRef {
  mapping: string;
  first: number;
  last: number;
}

export type FdRef =
  { kind: "pipe"; pipe: string; end: 0 | 1 } | { kind: "named"; name: string } | { kind: "number"; value: number };

export interface Iovec {
  /** null is the NULL pointer. */
  base: Address | null;
  length: Amount;
}

export interface Prot {
  read: boolean;
  write: boolean;
  exec: boolean;
}

export type Command =
  | { kind: "process"; name: string; privileged: boolean; sigpipeIgnored: boolean }
  | { kind: "fork"; child: string }
  | { kind: "exit" }
  | {
      kind: "mmap";
      name: string;
      length: Amount;
      prot: Prot;
      flags: string[];
      file: string | null;
      align: Amount | null;
    }
  | { kind: "munmap"; address: Address; length: Amount | null }
  | { kind: "madvise"; address: Address; length: Amount | null; advice: string }
  | { kind: "mlock"; address: Address; length: Amount | null }
  | { kind: "mprotect"; address: Address; length: Amount | null; prot: Prot }
  | { kind: "fill"; address: Address; length: Amount | null; value: number | "pattern" }
  | { kind: "touch"; address: Address; length: Amount | null }
  | { kind: "ksm-merge"; address: Address; length: Amount | null }
  | { kind: "race-fault"; address: Address }
  | { kind: "file"; name: string; size: Amount; value: number }
  | { kind: "open"; name: string; file: string; mode: "O_RDONLY" | "O_WRONLY" | "O_RDWR" | "O_PATH" }
  | { kind: "pipe"; name: string; flags: string[] }
  | {
      kind: "fcntl";
      fd: FdRef;
      command: "F_SETPIPE_SZ" | "F_GETPIPE_SZ" | "F_SETFL";
      size: Amount | null;
      statusFlags: string[];
    }
  | { kind: "close"; fd: FdRef }
  | { kind: "vmsplice"; fd: FdRef; iovecs: Iovec[] | null; nrSegs: number | null; flags: number }
  | { kind: "read"; fd: FdRef; address: Address; length: Amount }
  | { kind: "write"; fd: FdRef; address: Address | null; length: Amount; value: number | null }
  | { kind: "splice"; input: FdRef; output: FdRef; length: Amount; flags: number }
  | { kind: "tee"; input: FdRef; output: FdRef; length: Amount; flags: number };

export type Check =
  | { kind: "returned"; value: number }
  | { kind: "errno"; errno: string }
  | { kind: "blocked"; after: number | null }
  | { kind: "kernel-bug" }
  | { kind: "signal"; signal: string }
  | {
      kind: "page-outcome";
      outcome: "zapped" | "intact" | "moved" | "copied";
      pages: PageRef;
      from: { process: string; page: PageRef } | null;
    }
  | { kind: "queued"; count: number }
  | { kind: "bytes"; address: Address; length: Amount; value: number }
  | { kind: "page-state"; state: "zero-page" | "present" | "absent"; pages: PageRef }
  | { kind: "same-frame"; pages: PageRef; otherProcess: string; other: PageRef }
  | { kind: "pipe-occupancy"; pipe: string; slots: number }
  | { kind: "pipe-bytes"; pipe: string; bytes: number }
  | { kind: "pipe-buffer"; pipe: string; index: number; offset: number; len: number; flags: number }
  | { kind: "rule"; rule: string; present: boolean };

export interface Expectation {
  line: number;
  column: number;
  text: string;
  /** null: applies to every model. */
  models: KernelModel[] | null;
  /** Process whose memory is read; null: the process of the step above. */
  process: string | null;
  check: Check;
}

export interface Step {
  /** One-based source line. */
  line: number;
  text: string;
  /** Acting process, or null for machine-wide setup. */
  process: string | null;
  command: Command;
  expectations: Expectation[];
}

export interface Scenario {
  id: string;
  title: string;
  source: string | null;
  pageSize: PageSize | null;
  models: KernelModel[];
  steps: Step[];
  /** Expectations written before the first step (checked against the final state). */
  initialExpectations: Expectation[];
}

export interface Diagnostic {
  /** One-based line and column. */
  line: number;
  column: number;
  message: string;
}

export interface ParseResult {
  scenario: Scenario;
  diagnostics: Diagnostic[];
}

export interface RunOptions {
  kernel: KernelModel;
  /** Overrides the scenario's `page-size` line; 4096 when neither gives one. */
  pageSize?: PageSize;
  /** "full" keeps every event; "summary" keeps only copies, moves, zaps, hazards and returns (for 1 GiB replays). */
  trace?: "full" | "summary";
}

/** What a call ended with, in the spec's CallResult shape (section 2.5). */
export type CallOutcome =
  { returned: number } | { errno: string } | { blocked: true; progressBytes: number } | { kernelBug: string };

export type TraceEvent =
  | { kind: "pin"; pid: string; vaddr: number; pfn: number; reason: string }
  | { kind: "fault"; pid: string; vaddr: number; pfn: number; access: "read" | "write"; frameKind: FrameKind }
  | { kind: "cowBreak"; pid: string; vaddr: number; oldPfn: number; newPfn: number; reused: boolean; rule?: string }
  | {
      kind: "bufferQueued";
      pipe: string;
      slot: number;
      pfn: number;
      offset: number;
      len: number;
      flags: number;
      staleFlags: number;
      rule?: string;
    }
  | { kind: "zap"; pid: string; vaddrStart: number; pages: number; vmaKind: string; effect: string; rule?: string }
  | { kind: "thpSplit"; pid: string; pfn: number; rule?: string }
  | { kind: "copy"; pid: string; dstVaddr: number; pfn: number; offset: number; len: number; rule: string | null }
  | { kind: "move"; pid: string; dstVaddr: number; pfn: number; len: number; rules: string[] }
  | { kind: "bufferReleased"; pipe: string; slot: number; pfn: number }
  | { kind: "free"; pfn: number }
  | { kind: "block"; reason: string; rule?: string }
  | { kind: "signal"; pid: string; signal: string }
  | { kind: "hazard"; rule: string; detail: string }
  | { kind: "kernelBug"; reason: string; rule: string }
  | { kind: "return"; outcome: CallOutcome }
  | { kind: "note"; text: string };

export type FrameKind = "anon" | "zero" | "hugeZero" | "pageCache" | "shmem" | "ksm" | "hugetlb";

/** One pipe buffer created (writer side) or consumed (reader side) by a call, in order. */
export interface ChunkRecord {
  side: "writer" | "reader";
  pfn: number;
  offset: number;
  len: number;
  slot: number | null;
  /** Writer side: the user address the chunk's bytes came from. */
  sourceAddress: number | null;
  /** Writer side: what happened to the source page. */
  writerPage: "zapped" | "intact" | "not-queued" | null;
  /** Reader side: where the bytes (or the frame) went, and how. */
  destinationAddress: number | null;
  readerPage: "moved" | "copied" | null;
  /** Process and page the frame was queued from (reader side, when the simulator knows). */
  origin: { process: string; vaddr: number } | null;
  /** Every rule that decided this chunk's fate. */
  rules: string[];
  /** Identity of the pipe buffer, so a writer chunk can be matched with the reader chunks that consumed it. */
  bufferId: number | null;
  /** Reader side: the PFN the destination page maps after the chunk landed (the moved frame, or the page copied into). */
  destinationPfn: number | null;
}

export interface StepResult {
  index: number;
  line: number;
  text: string;
  process: string | null;
  /** null for commands that are not calls with a result (mmap, fill, fork, ...). */
  outcome: CallOutcome | null;
  events: TraceEvent[];
  chunks: ChunkRecord[];
  /** Rule ids carried by this step's events, deduplicated, in order of first appearance. */
  rules: string[];
  /** True when the step was not run because an earlier step hit a kernel BUG or a scenario error. */
  skipped: boolean;
  /** A mistake in the scenario found while running this step (unknown mapping, process or descriptor). */
  error: string | null;
}

/** Read access to the final machine state, for expectations and tests. */
export interface MachineView {
  /** Bytes a process reads at [address, address+length) now, without faulting anything in. */
  readBytes(process: string, address: number, length: number): Uint8Array;
  /** PFN mapped at the page containing address, or null when no PTE is present. */
  pfnAt(process: string, address: number): number | null;
  /** Start address of a named mapping in a process, or null. */
  mappingStart(process: string, mapping: string): number | null;
  zeroPfn: number;
}

export interface SimulationResult {
  scenarioId: string;
  kernel: KernelModel;
  pageSize: PageSize;
  steps: StepResult[];
  /** Index of the step that hit a kernel BUG or a scenario error, or null. */
  stoppedAt: number | null;
  final: MachineView;
  /** Every `expect` line that applies to this kernel model, evaluated right after its step ran. */
  verdicts: ExpectationVerdict[];
}

export interface ExpectationVerdict {
  line: number;
  text: string;
  passed: boolean;
  /** What was found, in words, when the check failed (also filled on success for context). */
  actual: string;
}
