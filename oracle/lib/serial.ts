/**
 * Parses the two serial logs of one oracle guest boot into per-scenario kernel observations.
 *
 * This module owns the reading of the guest's output: the `VMSORACLE {json}` result lines that
 * oracle/guest/vmsim-guest.c writes to the second serial port, and the kernel console on the first port, whose lines it
 * classifies: the RFC's own known `BUG: Bad rss-counter state` message is an observed hazard (VMS-RFC-RSS), every
 * other `BUG:`, `Oops`, `panic`, `kernel BUG at` or `WARNING:` line is fatal for the run.
 * Kernel lines are attributed through the guest's `VMSORACLE-MARK` lines, which it writes into the kernel log
 * (/dev/kmsg) around each process exit, so they are ordered with the kernel's own messages.
 * It is pure (no I/O): the harness passes the log texts in.
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
  /** AnonHugePages of the process in KiB before and after the call (a drop means a THP was split or unmapped). */
  thp: [number, number] | null;
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

const MARK = /VMSORACLE-MARK (\S+) (start|exiting|exited|end) (\S+)/;

/**
 * Reads the kernel console: boot and exit markers of init, the guest's markers (written to /dev/kmsg, so they are
 * ordered with the kernel's own messages), and every classified kernel line, attributed to the scenario and the
 * exiting process whose markers enclose it.
 */
function readConsole(
  consoleLog: string,
  run: GuestRun,
  scenario: (id: string) => ScenarioObservation,
): Map<string, KernelLine[]> {
  const exitLines = new Map<string, KernelLine[]>();
  let current: string | null = null;
  let exiting: string | null = null;
  for (const rawLine of consoleLog.split("\n")) {
    const line = rawLine.replace(/\r$/, "");
    if (line.includes("VMSORACLE-BOOT")) run.booted = true;
    const exitStatus = /VMSORACLE-EXIT (\d+)/.exec(line);
    if (exitStatus) run.exitStatus = Number(exitStatus[1]);
    const mark = MARK.exec(line);
    if (mark) {
      const [, id, event, process] = mark;
      if (event === "start") current = id;
      if (event === "exiting") exiting = `${id} ${process}`;
      if (event === "exited" || event === "end") exiting = null;
      if (event === "end") current = null;
      continue;
    }
    const kernelLine = classifyKernelLine(line.replace(TIMESTAMP, ""));
    if (!kernelLine) continue;
    (kernelLine.kind === "fatal" ? run.fatal : run.rssCounter).push(kernelLine);
    if (exiting) {
      const list = exitLines.get(exiting) ?? [];
      list.push(kernelLine);
      exitLines.set(exiting, list);
    } else if (current) {
      scenario(current).kernelLines.push(kernelLine);
    }
  }
  return exitLines;
}

/** Parses one guest boot: the results channel (second serial port) and the kernel console (first serial port). */
export function parseGuestLogs(resultsLog: string, consoleLog: string): GuestRun {
  const run: GuestRun = {
    booted: false,
    kernelVersion: null,
    zeroPfn: null,
    scenarios: [],
    done: false,
    exitStatus: null,
    fatal: [],
    rssCounter: [],
    malformed: [],
  };
  const byId = new Map<string, ScenarioObservation>();
  const scenario = (id: string): ScenarioObservation => {
    let found = byId.get(id);
    if (!found) {
      found = { id, steps: [], finals: [], exits: [], kernelLines: [], ended: false };
      byId.set(id, found);
      run.scenarios.push(found);
    }
    return found;
  };
  const exitLines = readConsole(consoleLog, run, scenario);

  for (const rawLine of resultsLog.split("\n")) {
    const line = rawLine.replace(/\r$/, "");
    if (line.trim() === "") continue;
    if (line.startsWith("VMSORACLE-DONE")) {
      run.done = true;
      continue;
    }
    if (!line.startsWith(PREFIX)) {
      run.malformed.push(line);
      continue;
    }
    let record: Record<string, unknown>;
    try {
      record = JSON.parse(line.slice(PREFIX.length)) as Record<string, unknown>;
    } catch {
      run.malformed.push(line);
      continue;
    }
    const id = String(record.s ?? "?");
    if (record.start === true) {
      run.kernelVersion = stringOrNull(record.kernel)?.trim() ?? null;
      run.zeroPfn = numberOrNull(record.zeroPfn);
      continue;
    }
    const target = scenario(id);
    if (typeof record.exited === "string") {
      target.exits.push({ process: record.exited, kernelLines: exitLines.get(`${id} ${record.exited}`) ?? [] });
    } else if (record.end === true) {
      target.ended = true;
    } else if (typeof record.final === "string") {
      const maps: FinalObservation["maps"] = {};
      for (const [name, value] of Object.entries(
        (record.maps ?? {}) as Record<string, { data?: unknown; pfn?: unknown }>,
      )) {
        maps[name] = {
          data: Array.isArray(value.data) ? value.data.map(String) : [],
          pfn: Array.isArray(value.pfn) ? value.pfn.map(Number) : [],
        };
      }
      target.finals.push({ process: record.final, rssAnon: Number(record.rssAnon ?? -1), maps });
    } else if (typeof record.i === "number") {
      const problem =
        typeof record.unsupported === "string"
          ? `unsupported: ${record.unsupported}`
          : record.hung === true
            ? "process hung"
            : record.died === true
              ? "process died"
              : null;
      target.steps.push({
        index: record.i,
        process: String(record.p ?? "-"),
        command: String(record.cmd ?? "?"),
        returned: numberOrNull(record.ret),
        errno: stringOrNull(record.errno),
        blocked: record.blocked === true,
        signal: stringOrNull(record.signal),
        rss:
          Array.isArray(record.rss) && record.rss.length === 2 ? [Number(record.rss[0]), Number(record.rss[1])] : null,
        thp:
          Array.isArray(record.thp) && record.thp.length === 2 ? [Number(record.thp[0]), Number(record.thp[1])] : null,
        before: snapshot(record.before),
        after: snapshot(record.after),
        problem,
      });
    } else {
      run.malformed.push(line);
    }
  }
  return run;
}
