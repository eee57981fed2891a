/**
 * Turns a simulation result into the replay JSON of issue 3 item 6 (the shape `vmsplice-lens simulate --format json`,
 * the language server's `vmsplice-lens/replay` and the webview share) and into the readable text step table.
 *
 * This module owns the page list (every chunk a writer call hands over, matched with what the reader ended up with),
 * the writer/reader result summary and the text layout. Pure: no I/O, no editor or protocol imports, no console.
 */
import type {
  CallOutcome,
  ChunkRecord,
  ExpectationVerdict,
  KernelModel,
  PageSize,
  Scenario,
  SimulationResult,
  StepResult,
  TraceEvent,
} from "./types";
import {
  attachChunks,
  attachEvents,
  chunkAt,
  chunkRunsOf,
  eventAt,
  eventRunsOf,
  type ChunkRun,
  type EventRun,
} from "./chunk-runs";

export type ReplayOutcome = "moved" | "copied" | "not-delivered";

export interface ReplayPage {
  index: number;
  outcome: ReplayOutcome;
  writerPfn: number | null;
  readerPfn: number | null;
  /** The rule that turned a move into a copy, kept the page from being delivered, or a hazard of the move; null for a clean move. */
  rule: string | null;
  /** Every rule that decided the page's fate. */
  rules: string[];
  /** Source line of the writer call and of the reader call that consumed the page (null when none did). */
  writerLine: number | null;
  readerLine: number | null;
  len: number;
  /** Where the chunk starts inside the writer's frame (bytes), and the user address it came from. */
  offset: number;
  writerAddress: number | null;
  /** The reader's user address the chunk was meant for (its iovec position), null when nothing consumed it. */
  readerAddress: number | null;
}

export interface ReplayStepJson {
  index: number;
  line: number;
  text: string;
  process: string | null;
  role: "writer" | "reader" | "other";
  outcome: CallOutcome | null;
  rules: string[];
  events: TraceEvent[];
  chunks: ChunkRecord[];
  skipped: boolean;
  error: string | null;
}

export interface ReplayJson {
  kernel: KernelModel;
  pageSize: PageSize;
  site: { file: string; line: number };
  scenario: { id: string; title: string };
  assumptions: string[];
  steps: ReplayStepJson[];
  pages: ReplayPage[];
  results: { writer?: CallOutcome; reader?: CallOutcome; [call: string]: CallOutcome | undefined };
  expectations: ExpectationVerdict[];
  stoppedAt: number | null;
}

export interface ReportOptions {
  site: { file: string; line: number };
  assumptions?: string[];
  /** Lines of the writer calls whose pages are listed; default: every vmsplice call that queued user pages. */
  writerLines?: number[];
  /** Lines of the focal writer and reader calls for `results`; default: the first vmsplice call of each role. */
  writerLine?: number | null;
  readerLine?: number | null;
}

/** Whether a step is a vmsplice towards a pipe (writer) or from one (reader), judged by what it did or by the pipe end. */
export function stepRole(scenario: Scenario, step: StepResult): "writer" | "reader" | "other" {
  const command = scenario.steps[step.index]?.command;
  if (!command || command.kind !== "vmsplice") return "other";
  const runs = chunkRunsOf(step);
  if (runs.some((run) => run.first.side === "writer")) return "writer";
  if (runs.some((run) => run.first.side === "reader")) return "reader";
  if (command.fd.kind === "pipe") return command.fd.end === 1 ? "writer" : "reader";
  return "other";
}

type Consumer = { chunk: ChunkRecord; line: number };

/** Shared empty lists for the pages of a large replay that have no rule and no consumer (never mutated). */
const NO_CONSUMERS: readonly Consumer[] = [];

/**
 * Reader chunks by buffer id. Almost every buffer is consumed once, so a lone consumer is kept as its chunk run and
 * line (the record is made when asked for) and only a buffer consumed in parts gets a list. When no two reader runs
 * share a buffer id (a 1 GiB replay: 1,024 runs for 262,144 buffers) a buffer's run is found by binary search over the
 * runs, with nothing per buffer; otherwise a typed array indexed by id holds each buffer's lone run.
 */
class Consumers {
  private readonly runs: ChunkRun[] = [];
  private readonly lines: number[] = [];
  /** Indexes into `runs` by first buffer id, when the runs' buffer ids are disjoint (every buffer consumed once). */
  private readonly order: number[] | null = null;
  /** Otherwise, by buffer id: one more than the index in `runs` of the run that alone consumed it, 0 for none. */
  private readonly loneAt: Int32Array = new Int32Array(0);
  private readonly several = new Map<number, Consumer[]>();

  constructor(
    steps: readonly ReplayStepJson[],
    private readonly pageSize: number,
  ) {
    for (const step of steps)
      for (const run of chunkRunsOf(step)) {
        if (run.first.side !== "reader" || run.first.bufferId === null) continue;
        this.runs.push(run);
        this.lines.push(step.line);
      }
    const firstId = (at: number) => this.runs[at].first.bufferId!;
    const order = this.runs.map((_, at) => at).sort((left, right) => firstId(left) - firstId(right));
    const disjoint =
      this.runs.every((run) => isIndex(run.first.bufferId)) &&
      order.every((at, k) => k === 0 || firstId(order[k - 1]) + this.runs[order[k - 1]].count <= firstId(at));
    if (disjoint) {
      this.order = order;
      return;
    }
    let size = 0;
    for (const run of this.runs) if (isIndex(run.first.bufferId)) size = Math.max(size, run.first.bufferId + run.count);
    this.loneAt = new Int32Array(size);
    this.runs.forEach((run, at) => {
      const line = this.lines[at];
      for (let index = 0; index < run.count; index++) {
        const id = run.first.bufferId! + index;
        const list = this.several.get(id);
        if (list) list.push({ chunk: chunkAt(run, index, pageSize), line });
        else if (isIndex(id) && this.loneAt[id] === 0) this.loneAt[id] = at + 1;
        else {
          const entry = { chunk: chunkAt(run, index, pageSize), line };
          this.several.set(id, this.loneRun(id) < 0 ? [entry] : [this.lone(id), entry]);
        }
      }
    });
  }

  /** Whether every consumed buffer has exactly one consumer (no two reader runs share a buffer id). */
  get disjoint(): boolean {
    return this.order !== null;
  }

  /** The index in `runs` of the run that alone consumed the buffer, or -1 (none, or consumed in parts). */
  loneRun(bufferId: number): number {
    if (this.order === null) return isIndex(bufferId) && bufferId < this.loneAt.length ? this.loneAt[bufferId] - 1 : -1;
    // The last run starting at or before the id, if the id is inside it.
    let low = 0;
    let high = this.order.length - 1;
    let found = -1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      if (this.runs[this.order[middle]].first.bufferId! <= bufferId) {
        found = this.order[middle];
        low = middle + 1;
      } else high = middle - 1;
    }
    return found >= 0 && bufferId < this.runs[found].first.bufferId! + this.runs[found].count ? found : -1;
  }

  private lone(bufferId: number): Consumer {
    const at = this.loneRun(bufferId);
    const run = this.runs[at];
    return { chunk: chunkAt(run, bufferId - run.first.bufferId!, this.pageSize), line: this.lines[at] };
  }

  of(bufferId: number): readonly Consumer[] {
    return this.several.get(bufferId) ?? (this.loneRun(bufferId) < 0 ? NO_CONSUMERS : [this.lone(bufferId)]);
  }

  /** Whether the buffer was consumed by run `at` alone (not also in parts elsewhere). */
  onlyBy(bufferId: number, at: number): boolean {
    return this.loneRun(bufferId) === at && !this.several.has(bufferId);
  }

  /** The run a buffer consumed by exactly one run is in, and the buffer's place in it; null otherwise. */
  runOf(bufferId: number): { at: number; index: number; count: number } | null {
    const at = this.loneRun(bufferId);
    if (at < 0 || this.several.has(bufferId)) return null;
    const run = this.runs[at];
    return { at, index: bufferId - run.first.bufferId!, count: run.count };
  }
}

function isIndex(id: number | null): id is number {
  return id !== null && Number.isInteger(id) && id >= 0;
}

/** The replay's steps; a step's chunks stay runs (the per-page records are made when `chunks` is read). */
function replaySteps(scenario: Scenario, result: SimulationResult): ReplayStepJson[] {
  return result.steps.map((step) => {
    const json: ReplayStepJson = {
      index: step.index,
      line: step.line,
      text: step.text,
      process: step.process,
      role: stepRole(scenario, step),
      outcome: step.outcome,
      rules: step.rules,
      events: [],
      chunks: [],
      skipped: step.skipped,
      error: step.error,
    };
    attachChunks(json, chunkRunsOf(step), result.pageSize);
    attachEvents(json, eventRunsOf(step), result.pageSize);
    return json;
  });
}

/** The page a writer chunk became, matched with the reader chunks that consumed its buffer. */
function replayPage(index: number, chunk: ChunkRecord, line: number, readers: readonly Consumer[]): ReplayPage {
  const move = readers.find((entry) => entry.chunk.readerPage === "moved");
  const copy = readers.find((entry) => entry.chunk.readerPage === "copied");
  const first = move ?? copy ?? readers[0];
  // A consumption without a move or a copy is a phantom success (VMS-RFC-PHANTOM-SUCCESS): nothing was delivered.
  let outcome: ReplayOutcome = "not-delivered";
  if (move) outcome = "moved";
  else if (copy) outcome = "copied";
  const readerRules = readers.some((entry) => entry.chunk.rules.length > 0);
  // Most pages of a large replay have no rule at all: skip building a set for them.
  const rules =
    chunk.rules.length === 0 && !readerRules
      ? []
      : [...new Set([...chunk.rules, ...readers.flatMap((entry) => entry.chunk.rules)])];
  const decisive = first
    ? (first.chunk.rules.find((rule) => rule !== "VMS-RFC-STALE-GIFT") ?? first.chunk.rules[0] ?? null)
    : (chunk.rules[0] ?? null);
  return {
    index,
    outcome,
    writerPfn: chunk.pfn,
    readerPfn: first ? first.chunk.destinationPfn : null,
    rule: decisive,
    rules,
    writerLine: line,
    readerLine: first ? first.line : null,
    len: chunk.len,
    offset: chunk.offset,
    writerAddress: chunk.sourceAddress,
    readerAddress: first ? first.chunk.destinationAddress : null,
  };
}

/** Hands every page of the replay to `visit`, in order; each page object is made once and not kept here. */
function forEachPage(
  steps: readonly ReplayStepJson[],
  options: ReportOptions,
  pageSize: number,
  visit: (page: ReplayPage) => void,
): void {
  forEachPageRun(steps, options, pageSize, (first, count, makePage) => {
    visit(first);
    for (let offset = 1; offset < count; offset++) visit(makePage(offset));
  });
}

/**
 * Hands the replay's pages to `visit` as stretches in order: `count` pages from `first`, each the continuation of the
 * one before (consecutive chunks of one writer run whose buffers one reader run consumed page by page, or no reader
 * at all), so a 1 GiB replay is a thousand stretches instead of 262,144 pages; `makePage(k)` makes the stretch's
 * page `k`. A stretch may continue the one before it; the caller decides (`continuesPage`).
 */
function forEachPageRun(
  steps: readonly ReplayStepJson[],
  options: ReportOptions,
  pageSize: number,
  visit: (first: ReplayPage, count: number, makePage: (offset: number) => ReplayPage) => void,
): void {
  const consumers = new Consumers(steps, pageSize);
  let index = 0;
  for (const step of steps) {
    if (step.role !== "writer" || (options.writerLines && !options.writerLines.includes(step.line))) continue;
    for (const run of chunkRunsOf(step)) {
      if (run.first.side !== "writer") continue;
      for (let offset = 0; offset < run.count;) {
        const count = stretch(run, offset, consumers);
        const start = index;
        const from = offset;
        const makePage = (k: number): ReplayPage => {
          const chunk = chunkAt(run, from + k, pageSize);
          const readers = chunk.bufferId === null ? NO_CONSUMERS : consumers.of(chunk.bufferId);
          return replayPage(start + k, chunk, step.line, readers);
        };
        visit(makePage(0), count, makePage);
        index += count;
        offset += count;
      }
    }
  }
}

/**
 * How many pages from `offset` of a writer run form one stretch: none of them consumed (no buffer), or each buffer
 * consumed alone by the next chunk of the same reader run. Runs of more than one record carry no rules (chunk-runs.ts).
 */
function stretch(run: ChunkRun, offset: number, consumers: Consumers): number {
  const firstId = run.first.bufferId;
  if (firstId === null) return run.count - offset;
  const place = consumers.runOf(firstId + offset);
  if (!place) return 1;
  const most = Math.min(run.count - offset, place.count - place.index);
  // Disjoint reader runs: every buffer of the reader run was consumed by it alone.
  if (consumers.disjoint) return most;
  let count = 1;
  while (count < most && consumers.onlyBy(firstId + offset + count, place.at)) count++;
  return count;
}

function replayResults(steps: readonly ReplayStepJson[], options: ReportOptions): ReplayJson["results"] {
  const results: ReplayJson["results"] = {};
  const writer =
    options.writerLine !== undefined
      ? steps.find((step) => step.line === options.writerLine)
      : steps.find((step) => step.role === "writer");
  const reader =
    options.readerLine !== undefined
      ? steps.find((step) => step.line === options.readerLine)
      : steps.find((step) => step.role === "reader");
  if (writer?.outcome) results.writer = writer.outcome;
  if (reader?.outcome) results.reader = reader.outcome;
  for (const step of steps) if (step.outcome && step.role !== "other") results[`line ${step.line}`] = step.outcome;
  return results;
}

function replayOf<P>(
  scenario: Scenario,
  result: SimulationResult,
  options: ReportOptions,
  pagesOf: (steps: readonly ReplayStepJson[]) => P[],
): Omit<ReplayJson, "pages"> & { pages: P[] } {
  const steps = replaySteps(scenario, result);
  const pages = pagesOf(steps);
  return {
    kernel: result.kernel,
    pageSize: result.pageSize,
    site: options.site,
    scenario: { id: scenario.id, title: scenario.title },
    assumptions: options.assumptions ?? [],
    steps,
    pages,
    results: replayResults(steps, options),
    expectations: result.verdicts,
    stoppedAt: result.stoppedAt,
  };
}

export function toReplayJson(scenario: Scenario, result: SimulationResult, options: ReportOptions): ReplayJson {
  return replayOf(scenario, result, options, (steps) => {
    const pages: ReplayPage[] = [];
    forEachPage(steps, options, result.pageSize, (page) => pages.push(page));
    return pages;
  });
}

/** A replay whose page list is already run-length (`pages 0–262143 moved` is one entry); steps are as in the full form. */
export type CompactReplayJson = Omit<ReplayJson, "pages"> & { pages: ReplayPageRun[] };

/**
 * The replay with its page list built as runs while the pages are made, so a 1 GiB replay never holds 262,144 page
 * objects: `toText` and the summary JSON only ever show runs. Equal to `compactReplay(toReplayJson(...))`.
 */
export function toCompactReplayJson(
  scenario: Scenario,
  result: SimulationResult,
  options: ReportOptions,
): CompactReplayJson {
  return replayOf(scenario, result, options, (steps) => {
    const runs: ReplayPageRun[] = [];
    let previous: ReplayPage | null = null;
    forEachPageRun(steps, options, result.pageSize, (first, count, makePage) => {
      if (previous !== null && continuesPage(previous, first, result.pageSize)) runs[runs.length - 1].count += count;
      else runs.push({ ...first, count });
      previous = count === 1 ? first : makePage(count - 1);
    });
    return runs;
  });
}

/** The run-length page list of a full replay. */
export function compactReplay(json: ReplayJson): CompactReplayJson {
  return { ...json, pages: pageRuns(json.pages, json.pageSize).map((run) => ({ ...run.first, count: run.count })) };
}

function describeOutcome(outcome: CallOutcome | null, skipped: boolean, error: string | null): string {
  if (error) return `error: ${error}`;
  if (skipped) return "(not run)";
  if (!outcome) return "";
  if ("returned" in outcome) return String(outcome.returned);
  if ("errno" in outcome) return `-1 ${outcome.errno}`;
  if ("blocked" in outcome) return outcome.progressBytes > 0 ? `blocks after ${outcome.progressBytes}` : "blocks";
  return "KERNEL BUG";
}

const hex = (value: number): string => `0x${value.toString(16)}`;

/** One readable line per data-changing event; pins, faults and buffer bookkeeping are summarised as counts. */
function describeEvent(event: TraceEvent, pageSize: number): string | null {
  const rule = (id: string | null | undefined): string => (id ? ` [${id}]` : "");
  switch (event.kind) {
    case "zap":
      return event.pages > 0
        ? `zap ${event.pages} page(s) of ${event.pid} at ${hex(event.vaddrStart)} (${event.vmaKind}: ${event.effect})${rule(event.rule)}`
        : null;
    case "move":
      return `move PFN ${event.pfn} to ${event.pid} ${hex(event.dstVaddr)}${event.len < pageSize ? ` (reported ${event.len} bytes)` : ""}${event.rules.length ? ` [${event.rules.join(", ")}]` : ""}`;
    case "copy":
      return `copy ${event.len} bytes of PFN ${event.pfn}+${event.offset} to ${event.pid} ${hex(event.dstVaddr)}${rule(event.rule)}`;
    case "cowBreak":
      return event.reused
        ? `write fault reuses PFN ${event.oldPfn} in place at ${event.pid} ${hex(event.vaddr)}${rule(event.rule)}`
        : `copy-on-write: ${event.pid} ${hex(event.vaddr)} PFN ${event.oldPfn} -> ${event.newPfn}${rule(event.rule)}`;
    case "thpSplit":
      return `split transparent huge page at PFN ${event.pfn}${rule(event.rule)}`;
    case "block":
      return `blocks: ${event.reason}${rule(event.rule)}`;
    case "signal":
      return `${event.signal} sent to ${event.pid}`;
    case "hazard":
      return `hazard [${event.rule}] ${event.detail}`;
    case "kernelBug":
      return `KERNEL BUG [${event.rule}] ${event.reason}`;
    case "note":
      return event.text;
    default:
      return null;
  }
}

/** `a` for one, `a–b` for a run of `count` consecutive numbers. */
function rangeText(start: number, count: number): string {
  return count === 1 ? String(start) : `${start}\u2013${start + count - 1}`;
}

type MoveEvent = Extract<TraceEvent, { kind: "move" }>;

/** Whether `next` moves the frame after `previous`'s to the page after `previous`'s, whole and without rules. */
function continuesMove(previous: MoveEvent, next: TraceEvent, pageSize: number): next is MoveEvent {
  return (
    next.kind === "move" &&
    next.pid === previous.pid &&
    next.pfn === previous.pfn + 1 &&
    next.dstVaddr === previous.dstVaddr + pageSize &&
    next.len >= pageSize &&
    next.rules.length === 0
  );
}

/**
 * The readable lines of a step's events; a run of whole-page moves of consecutive frames to consecutive pages is one
 * line ("move PFN 4097–4352 to R 0x50001000–0x50100000 (256 pages)") instead of one line per page. Read from the
 * step's event runs (chunk-runs.ts), so the moves of a run are never made one by one: every move of a run continues
 * the one before it, so a line's moves are always whole runs.
 */
function describeEvents(runs: readonly EventRun[], pageSize: number): string[] {
  const lines: string[] = [];
  for (let index = 0; index < runs.length; index++) {
    const event = runs[index].first;
    if (event.kind === "move" && event.len >= pageSize && event.rules.length === 0) {
      let count = runs[index].count;
      let last = eventAt(runs[index], count - 1, pageSize) as MoveEvent;
      let end = index + 1;
      while (end < runs.length && continuesMove(last, runs[end].first, pageSize)) {
        count += runs[end].count;
        last = eventAt(runs[end], runs[end].count - 1, pageSize) as MoveEvent;
        end++;
      }
      if (count > 1) {
        lines.push(
          `move PFN ${rangeText(event.pfn, count)} to ${event.pid} ${hex(event.dstVaddr)}\u2013${hex(last.dstVaddr)} (${count} pages)`,
        );
        index = end - 1;
        continue;
      }
    }
    const described = describeEvent(event, pageSize);
    if (described) lines.push(described);
  }
  return lines;
}

/** A run of pages that differ only in their index and PFNs, each one more than the previous page's. */
export interface PageRun {
  first: ReplayPage;
  count: number;
}

function continuesPage(previous: ReplayPage, next: ReplayPage, pageSize: number): boolean {
  const plusOne = (left: number | null, right: number | null) => (left === null ? right === null : right === left + 1);
  const nextPage = (left: number | null, right: number | null) =>
    left === null ? right === null : right === left + pageSize;
  return (
    next.writerLine === previous.writerLine &&
    next.readerLine === previous.readerLine &&
    nextPage(previous.writerAddress, next.writerAddress) &&
    nextPage(previous.readerAddress, next.readerAddress) &&
    next.outcome === previous.outcome &&
    next.len === previous.len &&
    next.offset === previous.offset &&
    next.rule === previous.rule &&
    next.rules.length === previous.rules.length &&
    next.rules.every((rule, index) => rule === previous.rules[index]) &&
    plusOne(previous.writerPfn, next.writerPfn) &&
    plusOne(previous.readerPfn, next.readerPfn)
  );
}

/**
 * The page list as runs (`pages 0–262143 moved` is one run): same fate, lines and rules, PFNs one apart, addresses one
 * page apart. Every page belongs to exactly one run, in order.
 */
export function pageRuns(pages: readonly ReplayPage[], pageSize: number): PageRun[] {
  const runs: PageRun[] = [];
  for (let index = 0; index < pages.length;) {
    let end = index + 1;
    while (end < pages.length && continuesPage(pages[end - 1], pages[end], pageSize)) end++;
    runs.push({ first: pages[index], count: end - index });
    index = end;
  }
  return runs;
}

function summarizeBookkeeping(runs: readonly EventRun[]): string | null {
  let pins = 0;
  let released = 0;
  let faults = 0;
  const queued: Extract<TraceEvent, { kind: "bufferQueued" }>[] = [];
  // One pass over the runs: a run of more than one event is moves, which are not bookkeeping.
  for (const { first: event } of runs) {
    if (event.kind === "pin") pins++;
    else if (event.kind === "bufferQueued") queued.push(event);
    else if (event.kind === "bufferReleased") released++;
    else if (event.kind === "fault") faults++;
  }
  const parts: string[] = [];
  if (faults) parts.push(`${faults} fault(s)`);
  if (pins) parts.push(`${pins} pin(s)`);
  if (queued.length)
    parts.push(
      `${queued.length} buffer(s) queued in slot(s) ${queued.map((event) => event.slot).join(",")}${queued.some((event) => event.flags & 0x04) ? " with GIFT" : ""}`,
    );
  if (released) parts.push(`${released} released`);
  return parts.length ? parts.join(", ") : null;
}

/** The readable step table of `vmsplice-lens simulate --format text`. */
export function toText(json: ReplayJson): string {
  return toCompactText(compactReplay(json));
}

/** The readable step table from a replay whose page list is already run-length (the same text as `toText`). */
export function toCompactText(json: CompactReplayJson): string {
  const lines: string[] = [];
  lines.push(`${json.scenario.id}: ${json.scenario.title}`);
  lines.push(`kernel ${json.kernel}, page size ${json.pageSize}, site ${json.site.file}:${json.site.line}`);
  if (json.assumptions.length) {
    lines.push("assumptions:");
    for (const assumption of json.assumptions) lines.push(`  - ${assumption}`);
  }
  lines.push("");
  lines.push(`${"line".padStart(5)}  ${"step".padEnd(48)} result`);
  for (const step of json.steps) {
    const text = step.text.length > 48 ? `${step.text.slice(0, 45)}...` : step.text;
    lines.push(
      `${String(step.line).padStart(5)}  ${text.padEnd(48)} ${describeOutcome(step.outcome, step.skipped, step.error)}`,
    );
    const events = eventRunsOf(step);
    const bookkeeping = summarizeBookkeeping(events);
    if (bookkeeping && step.role !== "other") lines.push(`${"".padStart(7)}  ${bookkeeping}`);
    for (const described of describeEvents(events, json.pageSize)) lines.push(`${"".padStart(7)}  ${described}`);
  }
  if (json.pages.length) {
    lines.push("");
    lines.push("pages handed over:");
    lines.push(
      `${"#".padStart(5)}  ${"outcome".padEnd(14)} ${"bytes".padStart(6)} ${"writer PFN".padStart(10)} ${"reader PFN".padStart(10)}  rule`,
    );
    for (const page of json.pages) {
      const span = (start: number | null) => (start === null ? "-" : rangeText(start, page.count));
      lines.push(
        `${rangeText(page.index, page.count).padStart(5)}  ${page.outcome.padEnd(14)} ${String(page.len).padStart(6)} ${span(page.writerPfn).padStart(10)} ${span(page.readerPfn).padStart(10)}  ${page.rule ?? "-"}`,
      );
    }
  }
  if (json.expectations.length) {
    const failed = json.expectations.filter((verdict) => !verdict.passed);
    lines.push("");
    lines.push(`expectations: ${json.expectations.length - failed.length} passed, ${failed.length} failed`);
    for (const verdict of failed) lines.push(`  FAIL line ${verdict.line}: ${verdict.text}: ${verdict.actual}`);
  }
  return lines.join("\n") + "\n";
}

/** A page of a run-length page list: `count` consecutive pages from `index`, PFNs and addresses one page apart. */
export type ReplayPageRun = ReplayPage & { count: number };

type ChunkRunJson = ChunkRecord & { count: number };

/**
 * The run-length form of a replay for summary traces (`simulate --trace summary --format json`): `pages`, each step's
 * `chunks` and its `move` events are runs with a `count` (1 for a lone entry). A run of `count` pages
 * stands for pages `index`…`index + count - 1` whose PFNs, buffer ids, slots and addresses each grow by one (page).
 */
export function toRunLengthJson(json: ReplayJson): Omit<ReplayJson, "pages" | "steps"> & {
  steps: (Omit<ReplayStepJson, "chunks" | "events"> & {
    chunks: ChunkRunJson[];
    events: (TraceEvent & { count?: number })[];
  })[];
  pages: ReplayPageRun[];
} {
  return compactRunLengthJson(compactReplay(json));
}

/** `toRunLengthJson` of a replay whose page list is already run-length: the steps' chunks and moves become runs too. */
export function compactRunLengthJson(json: CompactReplayJson): ReturnType<typeof toRunLengthJson> {
  const pageSize = json.pageSize;
  return {
    ...json,
    steps: json.steps.map((step) =>
      replaced(step, {
        events: moveRuns(eventRunsOf(step), pageSize),
        chunks: chunkRunsOf(step).map((run) => ({ ...run.first, count: run.count })),
      }),
    ),
  };
}

/**
 * `{ ...step, events, chunks }` without reading the step's own `events` and `chunks` (a step made from runs makes its
 * per-page arrays when they are read): the same keys in the same order.
 */
function replaced<T extends object, R extends Partial<Record<keyof T, unknown>>>(
  step: T,
  values: R,
): Omit<T, keyof R> & R {
  const copy: Record<string, unknown> = {};
  for (const key of Object.keys(step)) copy[key] = key in values ? values[key as keyof R] : step[key as keyof T];
  for (const key of Object.keys(values)) if (!(key in copy)) copy[key] = values[key as keyof R];
  return copy as Omit<T, keyof R> & R;
}

/**
 * Events with each run of whole-page moves (consecutive frames to consecutive pages, no rules) as one move with
 * `count`, read from the step's event runs as `describeEvents` does.
 */
function moveRuns(runs: readonly EventRun[], pageSize: number): (TraceEvent & { count?: number })[] {
  const result: (TraceEvent & { count?: number })[] = [];
  for (let index = 0; index < runs.length; index++) {
    const event = runs[index].first;
    if (event.kind !== "move" || event.len < pageSize || event.rules.length > 0) {
      result.push(event.kind === "move" ? { ...event, count: 1 } : event);
      continue;
    }
    let count = runs[index].count;
    let last = eventAt(runs[index], count - 1, pageSize) as MoveEvent;
    let end = index + 1;
    while (end < runs.length && continuesMove(last, runs[end].first, pageSize)) {
      count += runs[end].count;
      last = eventAt(runs[end], runs[end].count - 1, pageSize) as MoveEvent;
      end++;
    }
    result.push({ ...event, count });
    index = end - 1;
  }
  return result;
}
