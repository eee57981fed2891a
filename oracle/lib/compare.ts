/**
 * Compares what the real kernel did in one scenario with the simulator's replay of the same scenario, page by page.
 *
 * This module owns the comparison rules of the oracle. Both sides are reduced to the same canonical facts per call
 * step: the outcome (`returned N`, `errno E`, `blocked`, `kernel-bug`), the signal, the set of the acting process's
 * pages whose PTE the call removed (zapped), and the set of destination pages that now map the very frame another page
 * held (moved, with its origin); after the last step, the bytes every live process reads in every page of its
 * mappings. The kernel side derives these facts from PFN identity in /proc/self/pagemap; the model side from the
 * simulator's zap and move events and chunk records. The number of moved pages still mapped at a process's exit is
 * also compared with the value of the kernel's `Bad rss-counter state` line for that process (VMS-RFC-RSS).
 * It is pure (no I/O) and imports only the simulator's types and the serial parser's types.
 */
import type { Command, Scenario, SimulationResult, StepResult } from "../../server/src/simulator/types";
import { amountBytes } from "./compile";
import type { ScenarioObservation, StepObservation } from "./serial";

export interface StepFacts {
  outcome: string;
  signal: string | null;
  /** `map[page]` of the acting process, sorted. */
  zapped: string[];
  /** `map[page]<-PROC:map[page]` (origin unknown: `?`), sorted. */
  moved: string[];
  /** The call split (or unmapped) a transparent huge page of the caller: AnonHugePages dropped / a thpSplit event. */
  thpSplit: boolean;
}

export interface Difference {
  scenario: string;
  /** Step index and source line, or null for final-state and exit checks. */
  step: number | null;
  line: number | null;
  what: string;
  kernel: string;
  model: string;
}

export interface StepRow {
  index: number;
  line: number;
  text: string;
  process: string;
  kernel: StepFacts | null;
  model: StepFacts | null;
}

export interface ScenarioComparison {
  id: string;
  steps: StepRow[];
  differences: Difference[];
  /** Number of individual facts compared (outcomes, signals, page sets, final pages, rss checks). */
  checks: number;
  /** Kernel rss-counter values per exiting process, and the model's count of moved pages it still mapped. */
  rss: { process: string; kernelValue: number; modelMoved: number }[];
}

const CALLS = new Set(["vmsplice", "read", "write", "splice", "tee"]);
const OUTCOME_ONLY = new Set(["fcntl"]);

function pageName(mapping: string, page: number): string {
  return `${mapping}[${page}]`;
}

/** Run-length text of a byte array, in the guest's format (`ee*100,10*3996`). */
export function runLength(bytes: Uint8Array): string {
  const runs: string[] = [];
  let start = 0;
  while (start < bytes.length) {
    let end = start;
    while (end < bytes.length && bytes[end] === bytes[start]) end++;
    runs.push(`${bytes[start].toString(16).padStart(2, "0")}*${end - start}`);
    start = end;
  }
  return runs.join(",");
}

/** Mapping names and lengths each process has after each step (fork copies the parent's table). */
interface Layout {
  lengths: Map<string, Map<string, number>>;
}

function layoutOf(scenario: Scenario, pageSize: number): Layout {
  const lengths = new Map<string, Map<string, number>>();
  for (const step of scenario.steps) {
    const process = step.process;
    const command = step.command;
    if (command.kind === "process") lengths.set(command.name, new Map());
    if (!process) continue;
    if (!lengths.has(process)) lengths.set(process, new Map());
    if (command.kind === "mmap") lengths.get(process)?.set(command.name, amountBytes(command.length, pageSize));
    if (command.kind === "fork") lengths.set(command.child, new Map(lengths.get(process)));
  }
  return { lengths };
}

/** Finds which mapping page of `process` the simulator address falls in. */
function locate(result: SimulationResult, layout: Layout, process: string, address: number | null): string | null {
  if (address === null) return null;
  for (const [mapping, length] of layout.lengths.get(process) ?? []) {
    const start = result.final.mappingStart(process, mapping);
    if (start === null) continue;
    if (address >= start && address < start + length)
      return pageName(mapping, Math.floor((address - start) / result.pageSize));
  }
  return null;
}

function modelOutcome(step: StepResult): string {
  const outcome = step.outcome;
  if (!outcome) return "none";
  if ("returned" in outcome) return `returned ${outcome.returned}`;
  if ("errno" in outcome) return `errno ${outcome.errno}`;
  if ("blocked" in outcome) return "blocked";
  return "kernel-bug";
}

function kernelOutcome(step: StepObservation): string {
  if (step.problem) return step.problem;
  if (step.blocked) return "blocked";
  if (step.errno) return `errno ${step.errno}`;
  return `returned ${step.returned}`;
}

/** Pages of the acting process that a writing vmsplice's iovecs cover (GUP faults them in, so absence after is a zap). */
function iovecPages(command: Command, pageSize: number): Set<string> {
  const pages = new Set<string>();
  if (command.kind !== "vmsplice" || !command.iovecs) return pages;
  for (const iovec of command.iovecs) {
    if (!iovec.base || iovec.base.negative) continue;
    const offset = amountBytes(iovec.base.offset, pageSize);
    const length = amountBytes(iovec.length, pageSize);
    for (let page = Math.floor(offset / pageSize); page * pageSize < offset + length; page++)
      pages.add(pageName(iovec.base.mapping, page));
  }
  return pages;
}

function modelFacts(result: SimulationResult, layout: Layout, step: StepResult): StepFacts {
  const process = step.process ?? "-";
  const moved = new Map<string, string>();
  for (const chunk of step.chunks) {
    if (chunk.side !== "reader" || chunk.readerPage !== "moved") continue;
    const destination = locate(
      result,
      layout,
      process,
      chunk.destinationAddress === null
        ? null
        : Math.floor(chunk.destinationAddress / result.pageSize) * result.pageSize,
    );
    if (!destination) continue;
    const origin = chunk.origin ? locate(result, layout, chunk.origin.process, chunk.origin.vaddr) : null;
    moved.set(destination, `${destination}<-${chunk.origin && origin ? `${chunk.origin.process}:${origin}` : "?"}`);
  }
  for (const event of step.events) {
    if (event.kind !== "move" || event.pid !== process) continue;
    const destination = locate(result, layout, process, Math.floor(event.dstVaddr / result.pageSize) * result.pageSize);
    if (destination && !moved.has(destination)) moved.set(destination, `${destination}<-?`);
  }
  const zapped = new Set<string>();
  for (const event of step.events) {
    if (event.kind !== "zap" || event.pid !== process) continue;
    const first = Math.floor(event.vaddrStart / result.pageSize) * result.pageSize;
    for (let page = 0; page < event.pages; page++) {
      const name = locate(result, layout, process, first + page * result.pageSize);
      if (name && !moved.has(name)) zapped.add(name);
    }
  }
  const signal = step.events.find((event) => event.kind === "signal");
  return {
    outcome: modelOutcome(step),
    signal: signal && signal.kind === "signal" ? signal.signal : null,
    zapped: [...zapped].sort(),
    moved: [...moved.values()].sort(),
    thpSplit: step.events.some((event) => event.kind === "thpSplit" && event.pid === process),
  };
}

/**
 * Remembers the frames that writing vmsplice calls queued, by PFN, with the page that held them (`PROC:map[page]`).
 * Only such frames can be moved; any other PFN a destination shows afterwards is a fresh or recycled frame (a frame
 * freed by one step may be handed to the next fault, so "seen somewhere before" would be wrong).
 */
class QueuedFrames {
  private readonly owner = new Map<number, string>();
  constructor(private readonly zeroPfn: number | null) {}

  record(step: StepObservation, covered: Set<string>): void {
    for (const [mapping, after] of Object.entries(step.after ?? {})) {
      const before = step.before?.[mapping] ?? [];
      after.forEach((afterPfn, page) => {
        const name = pageName(mapping, page);
        if (!covered.has(name)) return;
        // The frame GUP pinned: the one present before the call, or the one the call itself faulted in.
        const pfn = (before[page] ?? -1) >= 0 ? before[page] : afterPfn;
        if (pfn >= 0 && pfn !== this.zeroPfn) this.owner.set(pfn, `${step.process}:${name}`);
      });
    }
  }

  ownerOf(pfn: number): string | null {
    return this.owner.get(pfn) ?? null;
  }
}

function isPipeEnd(command: Command, end: 0 | 1): boolean {
  return command.kind === "vmsplice" && command.fd.kind === "pipe" && command.fd.end === end;
}

function kernelFacts(step: StepObservation, command: Command, pageSize: number, queued: QueuedFrames): StepFacts {
  const zapped: string[] = [];
  const moved: string[] = [];
  const covered = iovecPages(command, pageSize);
  const writing = isPipeEnd(command, 1);
  const reading = isPipeEnd(command, 0);
  for (const [mapping, after] of Object.entries(step.after ?? {})) {
    const before = step.before?.[mapping] ?? [];
    after.forEach((pfn, page) => {
      const name = pageName(mapping, page);
      const old = before[page] ?? -1;
      if (pfn === -1 && (old >= 0 || (writing && covered.has(name)))) zapped.push(name);
      if (reading && pfn >= 0 && pfn !== old) {
        const owner = queued.ownerOf(pfn);
        if (owner) moved.push(`${name}<-${owner}`);
      }
    });
  }
  if (writing) queued.record(step, covered);
  return {
    outcome: kernelOutcome(step),
    signal: step.signal,
    zapped: zapped.sort(),
    moved: moved.sort(),
    thpSplit: step.thp !== null && step.thp[0] > step.thp[1],
  };
}

function describe(list: string[]): string {
  return list.length ? list.join(" ") : "none";
}

/** The kernel's canonical facts for every call step of one scenario, without a model (used for the control run). */
export function kernelRows(
  scenario: Scenario,
  observed: ScenarioObservation,
  pageSize: number,
  zeroPfn: number | null,
): StepRow[] {
  const queued = new QueuedFrames(zeroPfn);
  const rows: StepRow[] = [];
  for (const observation of observed.steps) {
    const source = scenario.steps[observation.index];
    if (!source || !CALLS.has(observation.command)) continue;
    rows.push({
      index: observation.index,
      line: source.line,
      text: source.text,
      process: observation.process,
      kernel: kernelFacts(observation, source.command, pageSize, queued),
      model: null,
    });
  }
  return rows;
}

/** Compares one scenario. `zeroPfn` is the guest's shared zero page (never an origin of a move). */
export function compareScenario(
  scenario: Scenario,
  result: SimulationResult,
  observed: ScenarioObservation,
  zeroPfn: number | null,
): ScenarioComparison {
  const pageSize = result.pageSize;
  const layout = layoutOf(scenario, pageSize);
  const differences: Difference[] = [];
  const rows: StepRow[] = [];
  let checks = 0;
  const queued = new QueuedFrames(zeroPfn);
  const differ = (step: StepRow | null, what: string, kernel: string, model: string): void => {
    differences.push({
      scenario: scenario.id,
      step: step?.index ?? null,
      line: step?.line ?? null,
      what,
      kernel,
      model,
    });
  };

  for (const observation of observed.steps) {
    const source = scenario.steps[observation.index];
    if (!source) continue;
    const modelStep = result.steps.find((step) => step.index === observation.index);
    if (!CALLS.has(observation.command)) {
      if (observation.problem) {
        differ(
          null,
          `step ${observation.index} (line ${source.line}) did not run in the guest`,
          observation.problem,
          "-",
        );
      } else if (
        observation.errno &&
        !OUTCOME_ONLY.has(observation.command) &&
        !(modelStep?.outcome && "errno" in modelStep.outcome)
      ) {
        // A setup step (mmap, madvise, fill, ...) that failed only in the guest means the scenario ran on a different machine state.
        differ(
          {
            index: observation.index,
            line: source.line,
            text: source.text,
            process: observation.process,
            kernel: null,
            model: null,
          },
          "setup step",
          `errno ${observation.errno}`,
          modelStep?.outcome ? modelOutcome(modelStep) : "succeeds",
        );
      } else if (OUTCOME_ONLY.has(observation.command) && modelStep?.outcome) {
        // fcntl results (pipe sizes, EPERM without CAP_SYS_RESOURCE) are compared like call outcomes.
        checks++;
        const outcome = kernelOutcome(observation);
        if (outcome !== modelOutcome(modelStep))
          differ(
            {
              index: observation.index,
              line: source.line,
              text: source.text,
              process: observation.process,
              kernel: null,
              model: null,
            },
            "outcome",
            outcome,
            modelOutcome(modelStep),
          );
      }
      continue;
    }
    const row: StepRow = {
      index: observation.index,
      line: source.line,
      text: source.text,
      process: observation.process,
      kernel: kernelFacts(observation, source.command, pageSize, queued),
      model: modelStep && !modelStep.skipped ? modelFacts(result, layout, modelStep) : null,
    };
    rows.push(row);
    const kernel = row.kernel as StepFacts;
    if (!row.model) {
      differ(
        row,
        "step result",
        kernel.outcome,
        modelStep?.skipped ? "skipped after a kernel BUG" : "no result from the simulator",
      );
      continue;
    }
    const model = row.model;
    checks += 5;
    if (kernel.outcome !== model.outcome) differ(row, "outcome", kernel.outcome, model.outcome);
    if ((kernel.signal ?? "none") !== (model.signal ?? "none"))
      differ(row, "signal", kernel.signal ?? "none", model.signal ?? "none");
    if (describe(kernel.zapped) !== describe(model.zapped))
      differ(row, "zapped pages", describe(kernel.zapped), describe(model.zapped));
    if (kernel.thpSplit !== model.thpSplit)
      differ(row, "transparent huge page split", String(kernel.thpSplit), String(model.thpSplit));
    // The kernel always knows a move's origin by PFN; the model may not name it, so an unnamed origin matches any.
    const modelMoved = model.moved.map((entry) => entry.split("<-"));
    const kernelMoved = kernel.moved.map((entry) => entry.split("<-"));
    const movedAgree =
      modelMoved.length === kernelMoved.length &&
      modelMoved.every(([destination, origin]) =>
        kernelMoved.some(
          ([kernelDestination, kernelOrigin]) =>
            kernelDestination === destination && (origin === "?" || origin === kernelOrigin),
        ),
      );
    if (!movedAgree) differ(row, "moved pages", describe(kernel.moved), describe(model.moved));
  }

  // What every live process reads at the end, page by page.
  for (const final of observed.finals) {
    for (const [mapping, pages] of Object.entries(final.maps)) {
      const start = result.final.mappingStart(final.process, mapping);
      pages.data.forEach((kernelText, page) => {
        if (kernelText === "unmapped" || kernelText === "unreadable") return;
        checks++;
        const modelText =
          start === null
            ? "no such mapping in the model"
            : runLength(result.final.readBytes(final.process, start + page * pageSize, pageSize));
        if (modelText !== kernelText)
          differ(null, `final bytes ${final.process} ${pageName(mapping, page)}`, kernelText, modelText);
      });
    }
  }

  // VMS-RFC-RSS: a process that exits with N moved pages still mapped leaves its anon counter at -N.
  const rss: ScenarioComparison["rss"] = [];
  for (const exit of observed.exits) {
    const kernelValue = exit.kernelLines
      .filter((line) => line.kind === "rss-counter" && line.counter?.type === "MM_ANONPAGES")
      .reduce((sum, line) => sum + (line.counter?.value ?? 0), 0);
    const modelMoved = rows
      .filter((row) => row.process === exit.process)
      .reduce((sum, row) => sum + (row.model?.moved.length ?? 0), 0);
    rss.push({ process: exit.process, kernelValue, modelMoved });
  }

  if (!observed.ended) differ(null, "scenario end", "the guest did not finish this scenario", "-");
  return { id: scenario.id, steps: rows, differences, checks, rss };
}
