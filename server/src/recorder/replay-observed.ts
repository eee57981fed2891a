/**
 * Replay of a recorded call (issue 13 point 3): one call a kept trace observed, with the recorded call on the same pipe
 * that observe.ts pairs it with (for a reader, the writer recorded into the pipe before it returned; for a writer, the
 * first reader after it), goes to the simulator's call-site replay as the facts observe.ts builds from the trace: the
 * real iovec bases (their offsets inside the page), lengths, page counts, mapping kinds, page states and flags.
 *
 * The assumptions list starts with where the replay comes from (trace file, run date, process, which observation), the
 * real addresses and pages the run saw, and what a run does not observe; the simulator's own assumptions follow.
 * Pure: a parsed trace in, a replay out; no I/O.
 */
import path from "node:path";
import type { CallAnalysis, CallVerdict, KernelModel, PageSize, VmspliceCall } from "../analysis/facts";
import { replayCallSite, type CallSiteReplay } from "../simulator/replay";
import { callFacts, fdFact, judgeObserved, lineRange, type CallSite, type ObservedCall } from "./observe";
import { errnoName, outcomeKey } from "./report";
import { siteLookup } from "./sites";
import { describePage, observePages, type Trace, type TraceCall } from "./trace";

export interface ObservedReplayOptions {
  kernel: KernelModel;
  pageSize: PageSize;
  /** The trace file's name or path, for the assumptions. */
  traceName: string;
  /** "summary" for large replays (see RunOptions.trace); default "full". */
  trace?: "full" | "summary";
}

/** Which call: the source file, the one-based lines of the call (first to last) and the observation (one-based). */
export interface ObservedSelector {
  file: string;
  firstLine: number;
  lastLine?: number;
  /** One-based, in time order among the calls observed at the site; default 1. */
  observation?: number;
}

export interface ObservedReplay extends CallSiteReplay {
  /** The observation replayed (one-based) and how many the site has. */
  observation: number;
  observations: number;
  /** The role of the recorded call the replay was asked for. */
  role: "writer" | "reader";
  /** The recorded call and its counterpart (null when the replay added the ideal one). */
  focus: ObservedCall;
  counterpart: ObservedCall | null;
}

/** One distinct outcome of the calls observed at a site, as the editor offers it for a replay. */
export interface ObservedOutcome {
  /** The first observation (one-based, as ObservedSelector counts them) with this outcome: the one to replay. */
  observation: number;
  /** How many of the site's calls had this outcome. */
  count: number;
  verdict: CallVerdict;
  /** The outcome in words: "copy: 2 pages (2 copied), VMS-ALIGN-SRC, VMS-LEN-PAGE". */
  label: string;
  /** When its first call was observed (ISO), the processes, and the bytes the calls returned. */
  first: string;
  pids: number[];
  returned: number[];
}

/** A selector that names no recorded call, with a sentence saying what the trace has. */
export class ObservedReplayError extends Error {}

/** The recorded calls in time order with their sites (as buildReport orders them). */
export function observedCalls(trace: Trace, cwd: string | null = null): ObservedCall[] {
  const siteOf = siteLookup(trace.sites, cwd);
  return trace.calls
    .map((call, index) => ({ call, index }))
    .sort((left, right) => left.call.time - right.call.time || left.index - right.index)
    .map(({ call }, sequence) => ({ trace: call, site: siteOf(call), sequence }));
}

/** The same source file: equal once resolved, or one a relative path ending the other (DWARF names vary). */
export function sameSourceFile(left: string, right: string): boolean {
  const a = path.resolve(left);
  const b = path.resolve(right);
  if (a === b) return true;
  const tail = (full: string, part: string) => !path.isAbsolute(part) && full.endsWith(path.sep + path.normalize(part));
  return tail(a, right) || tail(b, left);
}

/** Whether a call's site (or a frame above it, for a call made inside a wrapper) lies on the selected lines. */
function atSite(site: CallSite, selector: ObservedSelector): boolean {
  const last = selector.lastLine ?? selector.firstLine;
  const on = (file: string, line: number | null) =>
    line !== null && line >= selector.firstLine && line <= last && sameSourceFile(file, selector.file);
  return on(site.file, site.line) || (site.callers ?? []).some((frame) => on(frame.file, frame.line));
}

/** The calls observed at a site, in time order (indexes into `calls`). */
export function observationsAt(calls: readonly ObservedCall[], selector: ObservedSelector): number[] {
  return calls.flatMap((call, index) => (atSite(call.site, selector) ? [index] : []));
}

/** The one-based lines of a file where the trace observed calls, for a message. */
export function observedLines(calls: readonly ObservedCall[], file: string): number[] {
  const lines = new Set<number>();
  for (const call of calls) {
    if (call.site.line !== null && sameSourceFile(call.site.file, file)) lines.add(call.site.line);
    for (const frame of call.site.callers ?? []) if (sameSourceFile(frame.file, file)) lines.add(frame.line);
  }
  return [...lines].sort((a, b) => a - b);
}

function pipeKey(call: TraceCall): string | null {
  return call.fdinfo.stat === "fifo" ? `${call.fdinfo.dev}:${call.fdinfo.ino}` : null;
}

/**
 * The recorded call on the same pipe the replay pairs with the one at `index`: for a reader, the last writer recorded
 * into the pipe before the reader returned (observe.ts judges it with up to 16 of them; the replay shows one); for a
 * writer, the first reader recorded after it. Returns the index and how many candidates there were.
 */
export function counterpartOf(
  calls: readonly ObservedCall[],
  index: number,
): { index: number | null; candidates: number } {
  const directionAt = (at: number) => fdFact(calls[at].trace, lineRange(null)).direction;
  const key = pipeKey(calls[index].trace);
  const direction = directionAt(index);
  if (key === null || direction === "unknown") return { index: null, candidates: 0 };
  if (direction === "from-pipe") {
    const returned = calls[index].trace.end ?? calls[index].trace.time;
    const writers = calls.flatMap((call, at) =>
      at !== index && pipeKey(call.trace) === key && directionAt(at) === "to-pipe" && call.trace.time <= returned
        ? [at]
        : [],
    );
    return { index: writers.length ? writers[writers.length - 1] : null, candidates: writers.length };
  }
  const readers = calls.flatMap((call, at) =>
    at > index && pipeKey(call.trace) === key && directionAt(at) === "from-pipe" ? [at] : [],
  );
  return { index: readers.length ? readers[0] : null, candidates: readers.length };
}

const SHOWN_IOVECS = 8;

function hex(value: number): string {
  return `0x${value.toString(16)}`;
}

/** What the run saw of one side's iovecs, in words: the real address, in-page offset, length and first page. */
function observedIovecs(role: string, call: TraceCall, pageSize: number): string[] {
  const pages = observePages(call);
  const lines = call.iov.slice(0, SHOWN_IOVECS).map((segment, index) => {
    const base = BigInt(segment.base);
    const offset = Number(base % BigInt(pageSize));
    const touched = pages[index] ?? [];
    const first = touched[0] ? describePage(touched[0]) : "no page observed";
    return `${role} iov[${index}]: observed at ${hex(Number(base))}, ${offset} bytes into its ${pageSize}-byte page, ${segment.len} bytes over ${touched.length} page(s)${segment.truncated ? " (page list truncated by the recorder)" : ""}; first page: ${first}; replayed at the same offset and length`;
  });
  if (call.iov.length > SHOWN_IOVECS) lines.push(`${role}: ${call.iov.length - SHOWN_IOVECS} more iovecs, not listed`);
  if (call.iovUnreadable !== undefined)
    lines.push(`${role}: the iovec array could not be read at the call (errno ${call.iovUnreadable})`);
  const asked = call.iov.reduce((sum, segment) => sum + segment.len, 0);
  lines.push(
    call.ret < 0
      ? `${role}: the recorded call failed with ${errnoName(call.errno)}`
      : `${role}: the recorded call returned ${call.ret} of ${asked} bytes`,
  );
  return lines;
}

/** Where a recorded call is, in words. */
function where(call: ObservedCall): string {
  const site =
    call.site.line === null ? `${call.site.file} (no line: no debug info)` : `${call.site.file}:${call.site.line}`;
  return `${site}, pid ${call.trace.pid}`;
}

/** What a recorded run cannot show, and what the replay does instead. */
function notObserved(calls: ObservedCall[], pageSize: number): string[] {
  const notes = [
    "not observed: whether the program checks the return value, and what it writes to the buffers after the call (the replay writes nothing after it)",
    "not observed: the memory around each iovec; each iovec is replayed as its own mapping of the pages it touches",
  ];
  if (calls.some((call) => !call.trace.kpageflags))
    notes.push("not observed: zero-page, THP and KSM state (/proc/kpageflags was unreadable: not root)");
  if (calls.some((call) => !call.trace.pagemap))
    notes.push("not observed: page presence (/proc/self/pagemap was unreadable)");
  for (const size of new Set(calls.map((call) => call.trace.pageSize)))
    if (size !== pageSize)
      notes.push(
        `the run's page size was ${size} bytes; the replay uses ${pageSize}-byte pages at the same addresses, with each page's facts from the run's page at its start`,
      );
  return notes;
}

/** The header of the assumptions: the trace, the run, the process and the observation. */
function provenance(trace: Trace, options: ObservedReplayOptions, focus: ObservedCall, nth: string): string {
  const first = trace.calls.reduce((min, call) => Math.min(min, call.time), Number.POSITIVE_INFINITY);
  const date = trace.run?.start ?? (Number.isFinite(first) ? new Date(first * 1000).toISOString() : "unknown date");
  const exe = trace.processes.find((process) => process.pid === focus.trace.pid)?.exe ?? trace.run?.program ?? null;
  const program = trace.run ? [trace.run.program, ...trace.run.args].join(" ") : (exe ?? "an unknown program");
  return `replayed from a recorded run: trace ${options.traceName}, run of ${date} (${program}); ${nth} at ${where(focus)}${exe ? ` (${exe})` : ""}, observed ${new Date(focus.trace.time * 1000).toISOString()}`;
}

/**
 * Replays the recorded call `calls[index]` with its counterpart. `calls` are a trace's calls in time order
 * (observedCalls); `label` says which observation it is ("observation 2 of 5").
 */
export function replayRecordedCall(
  trace: Trace,
  calls: ObservedCall[],
  index: number,
  options: ObservedReplayOptions,
  label = `observation ${index + 1}`,
): Omit<ObservedReplay, "observation" | "observations"> {
  const focus = calls[index];
  const pair = counterpartOf(calls, index);
  const focusFact = callFacts(focus.trace, focus.site, options.pageSize);
  const chosen: VmspliceCall[] = [focusFact];
  const counterpart = pair.index === null ? null : calls[pair.index];
  if (counterpart) {
    // The replay pairs calls by pipe name; the two ends of one recorded pipe share its inode, which decided the pair.
    const fact = callFacts(counterpart.trace, counterpart.site, options.pageSize);
    chosen.push({ ...fact, fd: { ...fact.fd, pipeName: focusFact.fd.pipeName } });
  }
  const role = focusFact.fd.direction === "from-pipe" ? "reader" : "writer";
  const other = role === "writer" ? "reader" : "writer";
  const head = [provenance(trace, options, focus, label)];
  head.push(...observedIovecs(role, focus.trace, options.pageSize));
  if (counterpart) {
    head.push(
      `${other}: the recorded ${other} ${role === "reader" ? "into" : "from"} the same pipe at ${where(counterpart)}${pair.candidates > 1 ? ` (${role === "reader" ? "the last" : "the first"} of ${pair.candidates} recorded; the others are not replayed)` : ""}`,
    );
    head.push(...observedIovecs(other, counterpart.trace, options.pageSize));
  }
  head.push(...notObserved(counterpart ? [focus, counterpart] : [focus], options.pageSize));
  const file = focus.site.file;
  const replay = replayCallSite(chosen, 0, {
    kernel: options.kernel,
    pageSize: options.pageSize,
    file,
    trace: options.trace,
    counterpartScope: "recorded",
    sourceText: `replay of the recorded call at ${where(focus)} (${label}, trace ${path.basename(options.traceName)})`,
  });
  const assumptions = [...head, ...replay.assumptions];
  replay.assumptions.splice(0, replay.assumptions.length, ...assumptions);
  replay.json.assumptions = assumptions;
  return { ...replay, role, focus, counterpart };
}

/**
 * The distinct outcomes of the calls a trace observed at a site (the grouping of `record`'s report: verdict, rules and
 * page verdicts under the model), in order of first appearance, each with its count and the first observation that
 * has it. Every call of the trace is judged, so a reader is judged with the writers recorded into its pipe. Empty when
 * the trace observed nothing there.
 */
export function observedOutcomes(
  trace: Trace,
  selector: Omit<ObservedSelector, "observation">,
  options: { kernel: KernelModel; pageSize: PageSize },
  cwd: string | null = null,
): ObservedOutcome[] {
  const calls = observedCalls(trace, cwd);
  const matches = observationsAt(calls, selector);
  if (matches.length === 0) return [];
  const analyses = judgeObserved(calls, options);
  const byKey = new Map<string, ObservedOutcome>();
  matches.forEach((index, at) => {
    const analysis = analyses[index];
    const key = outcomeKey(analysis);
    const call = calls[index].trace;
    let outcome = byKey.get(key);
    if (!outcome) {
      outcome = {
        observation: at + 1,
        count: 0,
        verdict: analysis.verdict,
        label: outcomeLabel(analysis),
        first: new Date(call.time * 1000).toISOString(),
        pids: [],
        returned: [],
      };
      byKey.set(key, outcome);
    }
    outcome.count++;
    if (!outcome.pids.includes(call.pid)) outcome.pids.push(call.pid);
    if (call.ret >= 0 && !outcome.returned.includes(call.ret)) outcome.returned.push(call.ret);
  });
  return [...byKey.values()];
}

/** "copy: 2 pages (2 copied), VMS-ALIGN-SRC, VMS-LEN-PAGE": the verdict, the pages by verdict and the rules. */
function outcomeLabel(analysis: CallAnalysis): string {
  const counts = new Map<string, number>();
  for (const segment of analysis.segments)
    for (const page of segment.pageOutcomes) counts.set(page.verdict, (counts.get(page.verdict) ?? 0) + 1);
  const total = [...counts.values()].reduce((sum, count) => sum + count, 0);
  const words: Record<string, string> = { move: "moved", copy: "copied", "not-delivered": "not delivered" };
  const pages =
    total === 0
      ? "no pages"
      : `${total} page${total === 1 ? "" : "s"} (${[...counts]
          .map(([verdict, count]) => `${count} ${words[verdict] ?? verdict}`)
          .join(", ")})`;
  return [`${analysis.verdict}: ${pages}`, ...analysis.rules].join(", ");
}

/** Replays the selected observation of a trace; throws ObservedReplayError when the trace has none there. */
export function replayObserved(
  trace: Trace,
  selector: ObservedSelector,
  options: ObservedReplayOptions,
  cwd: string | null = null,
): ObservedReplay {
  const calls = observedCalls(trace, cwd);
  const matches = observationsAt(calls, selector);
  const lines =
    selector.lastLine && selector.lastLine !== selector.firstLine
      ? `${selector.firstLine}-${selector.lastLine}`
      : `${selector.firstLine}`;
  if (matches.length === 0) {
    const seen = observedLines(calls, selector.file);
    throw new ObservedReplayError(
      `the trace ${options.traceName} observed no vmsplice call at ${selector.file}:${lines}${seen.length ? ` (it observed calls on lines ${seen.join(", ")})` : " (it observed none in that file)"}`,
    );
  }
  const observation = selector.observation ?? 1;
  if (!Number.isInteger(observation) || observation < 1 || observation > matches.length)
    throw new ObservedReplayError(
      `observation ${observation} does not exist: the trace observed ${matches.length} call${matches.length === 1 ? "" : "s"} at ${selector.file}:${lines}`,
    );
  const replay = replayRecordedCall(
    trace,
    calls,
    matches[observation - 1],
    options,
    `observation ${observation} of ${matches.length}`,
  );
  return { ...replay, observation, observations: matches.length };
}
