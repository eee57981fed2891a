/**
 * Parses the serial log of one oracle guest boot into per-scenario kernel observations.
 *
 * This module owns the reading of the guest's output (the `VMSORACLE {json}` lines printed by
 * oracle/guest/vmsim-guest.c) and the classification of kernel log lines: the RFC's own known
 * `BUG: Bad rss-counter state` message is an observed hazard (VMS-RFC-RSS), every other `BUG:`, `Oops`, `panic`,
 * `kernel BUG at` or `WARNING:` line is fatal for the run.
 * Kernel lines are attributed to the guest line that follows them: the guest prints `exited` only after it has reaped
 * the process, by which time that process's address space has been torn down and its rss-counter check has run.
 * It is pure (no I/O): the harness passes the log text in.
 */

export interface PageSnapshot {
  [mapping: string]: number[];
}

export interface StepObservation {
  index: number;
  process: string;
  command: string;
  returned: number | null;
  errno: string | null;
  blocked: boolean;
  signal: string | null;
  /** RssAnon in KiB before and after the call. */
  rss: [number, number] | null;
  /** PFN per page of every mapping of the acting process before and after the call: -1 no PTE, -2 unmapped. */
  before: PageSnapshot | null;
  after: PageSnapshot | null;
  /** Set when the guest could not run the step (unknown command, undeclared process, hung or dead process). */
  problem: string | null;
}

export interface FinalObservation {
  process: string;
  rssAnon: number;
  /** Per mapping: run-length text of each page (`10*4096`, `ee*100,10*3996`, `unmapped`) and its PFN after reading. */
  maps: Record<string, { data: string[]; pfn: number[] }>;
}

export type KernelLineKind = "rss-counter" | "fatal";

export interface KernelLine {
  kind: KernelLineKind;
  /** The line without its printk timestamp. */
  text: string;
  /** For rss-counter lines: the counter and its value at teardown. */
  counter?: { type: string; value: number };
}

export interface ExitObservation {
  process: string;
  /** Kernel lines printed while the process was torn down. */
  kernelLines: KernelLine[];
}

export interface ScenarioObservation {
  id: string;
  steps: StepObservation[];
  finals: FinalObservation[];
  exits: ExitObservation[];
  /** Kernel lines printed during the scenario but not at a process exit. */
  kernelLines: KernelLine[];
  ended: boolean;
}

export interface GuestRun {
  booted: boolean;
  kernelVersion: string | null;
  zeroPfn: number | null;
  scenarios: ScenarioObservation[];
  /** True when the guest program printed its final marker. */
  done: boolean;
  /** Exit status the guest's init printed for the program, or null. */
  exitStatus: number | null;
  /** Every fatal kernel line, wherever it appeared. */
  fatal: KernelLine[];
  /** Every rss-counter line, wherever it appeared. */
  rssCounter: KernelLine[];
  /** Guest lines that did not parse. */
  malformed: string[];
}

const PREFIX = "VMSORACLE ";
const TIMESTAMP = /^\[\s*\d+\.\d+\]\s*/;
const RSS_COUNTER = /BUG: Bad rss-counter state .*type:(\w+) val:(-?\d+)/;
const FATAL = /BUG:|Oops|[Kk]ernel panic|kernel BUG at|general protection fault|Unable to handle|WARNING:|Call Trace:/;

/** Classifies one kernel log line (timestamp already removed); null when it is ordinary. */
export function classifyKernelLine(text: string): KernelLine | null {
  const rss = RSS_COUNTER.exec(text);
  if (rss) return { kind: "rss-counter", text, counter: { type: rss[1], value: Number(rss[2]) } };
  if (FATAL.test(text)) return { kind: "fatal", text };
  return null;
}

function numberOrNull(value: unknown): number | null {
  return typeof value === "number" ? value : null;
}

function stringOrNull(value: unknown): string | null {
  return typeof value === "string" ? value : null;
}

function snapshot(value: unknown): PageSnapshot | null {
  if (!value || typeof value !== "object") return null;
  const result: PageSnapshot = {};
  for (const [name, pages] of Object.entries(value as Record<string, unknown>)) {
    if (Array.isArray(pages)) result[name] = pages.map((pfn) => Number(pfn));
  }
  return result;
}

export function parseSerialLog(log: string): GuestRun {
  const run: GuestRun = { booted: false, kernelVersion: null, zeroPfn: null, scenarios: [], done: false, exitStatus: null, fatal: [], rssCounter: [], malformed: [] };
  const byId = new Map<string, ScenarioObservation>();
  let pending: KernelLine[] = [];
  const scenario = (id: string): ScenarioObservation => {
    let found = byId.get(id);
    if (!found) {
      found = { id, steps: [], finals: [], exits: [], kernelLines: [], ended: false };
      byId.set(id, found);
      run.scenarios.push(found);
    }
    return found;
  };

  for (const rawLine of log.split("\n")) {
    const line = rawLine.replace(/\r$/, "");
    const prefixAt = line.indexOf(PREFIX);
    if (line.startsWith("VMSORACLE-BOOT")) {
      run.booted = true;
      continue;
    }
    if (line.startsWith("VMSORACLE-DONE")) {
      run.done = true;
      continue;
    }
    if (line.startsWith("VMSORACLE-EXIT")) {
      run.exitStatus = Number(line.slice("VMSORACLE-EXIT".length).trim());
      continue;
    }
    if (prefixAt < 0) {
      const kernelLine = classifyKernelLine(line.replace(TIMESTAMP, ""));
      if (kernelLine) {
        pending.push(kernelLine);
        (kernelLine.kind === "fatal" ? run.fatal : run.rssCounter).push(kernelLine);
      }
      continue;
    }
    // A kernel message printed in the middle of a guest line would corrupt it; such lines are reported, not guessed at.
    let record: Record<string, unknown>;
    try {
      record = JSON.parse(line.slice(prefixAt + PREFIX.length)) as Record<string, unknown>;
    } catch {
      run.malformed.push(line);
      continue;
    }
    const id = String(record.s ?? "?");
    if (record.start === true) {
      run.kernelVersion = stringOrNull(record.kernel)?.trim() ?? null;
      run.zeroPfn = numberOrNull(record.zeroPfn);
      pending = [];
      continue;
    }
    const target = scenario(id);
    if (typeof record.exited === "string") {
      target.exits.push({ process: record.exited, kernelLines: pending });
      pending = [];
      continue;
    }
    target.kernelLines.push(...pending);
    pending = [];
    if (record.end === true) {
      target.ended = true;
    } else if (typeof record.final === "string") {
      const maps: FinalObservation["maps"] = {};
      for (const [name, value] of Object.entries((record.maps ?? {}) as Record<string, { data?: unknown; pfn?: unknown }>)) {
        maps[name] = { data: Array.isArray(value.data) ? value.data.map(String) : [], pfn: Array.isArray(value.pfn) ? value.pfn.map(Number) : [] };
      }
      target.finals.push({ process: record.final, rssAnon: Number(record.rssAnon ?? -1), maps });
    } else if (typeof record.i === "number") {
      const problem = typeof record.unsupported === "string" ? `unsupported: ${record.unsupported}` : record.hung === true ? "process hung" : record.died === true ? "process died" : null;
      target.steps.push({
        index: record.i,
        process: String(record.p ?? "-"),
        command: String(record.cmd ?? "?"),
        returned: numberOrNull(record.ret),
        errno: stringOrNull(record.errno),
        blocked: record.blocked === true,
        signal: stringOrNull(record.signal),
        rss: Array.isArray(record.rss) && record.rss.length === 2 ? [Number(record.rss[0]), Number(record.rss[1])] : null,
        before: snapshot(record.before),
        after: snapshot(record.after),
        problem,
      });
    } else {
      run.malformed.push(line);
    }
  }
  // Kernel lines after the last scenario line (a crash at the very end) stay visible through run.fatal.
  return run;
}
