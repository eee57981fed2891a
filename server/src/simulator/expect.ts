/**
 * Evaluation of `expect` lines (docs/vmsim.md section 4) against the machine right after their step ran.
 *
 * This module owns what each expectation means: result checks read the step's outcome, page outcomes read the step's
 * zap, move and copy records, memory checks read the machine without faulting anything in. `runScenario` calls it
 * after every step (so "intact" can compare with the state just before the step); `checkExpectations` returns the
 * verdicts of a finished run. Pure: no I/O, no editor or protocol imports, no console.
 */
import { MAX_EXPECT_BYTES, MAX_PAGE_SPAN } from "./limits";
import type { Process } from "./address-space";
import { ScenarioError, type Machine } from "./machine";
import { pipeBytes } from "./pipe-ring";
import type {
  Address,
  Amount,
  Expectation,
  ExpectationVerdict,
  PageRef,
  Scenario,
  SimulationResult,
  Step,
  StepResult,
} from "./types";

type AddressResolver = (machine: Machine, process: Process, address: Address) => number;

/** Frame numbers and bytes of the pages that "intact" expectations will compare after the step. */
export type StepSnapshot = Map<string, { pfn: number | null; bytes: Uint8Array }>;

function amountBytes(machine: Machine, amount: Amount): number {
  return amount.bytes + amount.pages * machine.pageSize;
}

function pageAddresses(machine: Machine, process: Process, pages: PageRef): number[] {
  const mapping = machine.resolveMapping(process, pages.mapping);
  // The parser bounds page references already; scenarios built in code get the same check.
  if (
    !Number.isSafeInteger(pages.first) ||
    !Number.isSafeInteger(pages.last) ||
    pages.last - pages.first >= MAX_PAGE_SPAN
  )
    throw new ScenarioError(
      `page reference ${pages.mapping}[${pages.first}..${pages.last}] spans more than ${MAX_PAGE_SPAN} pages`,
    );
  const addresses: number[] = [];
  for (let page = pages.first; page <= pages.last; page++) addresses.push(mapping.start + page * machine.pageSize);
  return addresses;
}

function processFor(machine: Machine, step: Step, expectation: Expectation): Process {
  const name = expectation.process ?? step.process;
  if (!name) throw new Error("this expectation needs a process: write 'expect PROC ...'");
  const process = machine.processes.get(name);
  if (!process) throw new Error(`unknown process '${name}'`);
  return process;
}

export function snapshotForStep(
  machine: Machine,
  step: Step,
  expectations: Expectation[],
  _resolve: AddressResolver,
): StepSnapshot | null {
  if (
    !expectations.some(
      (expectation) => expectation.check.kind === "page-outcome" && expectation.check.outcome === "intact",
    )
  )
    return null;
  const snapshot: StepSnapshot = new Map();
  for (const expectation of expectations) {
    if (expectation.check.kind !== "page-outcome" || expectation.check.outcome !== "intact") continue;
    let process: Process;
    try {
      process = processFor(machine, step, expectation);
    } catch {
      continue;
    }
    if (!process.mappings.has(expectation.check.pages.mapping)) continue;
    for (const address of pageAddresses(machine, process, expectation.check.pages)) {
      const pte = machine.pteAt(process, address);
      snapshot.set(`${process.name}:${address}`, {
        pfn: pte?.pfn ?? null,
        bytes: machine.peekUser(process, address, machine.pageSize),
      });
    }
  }
  return snapshot;
}

function describeOutcome(result: StepResult): string {
  const outcome = result.outcome;
  if (!outcome) return "no result (not a call)";
  if ("returned" in outcome) return `returned ${outcome.returned}`;
  if ("errno" in outcome) return `errno ${outcome.errno}`;
  if ("blocked" in outcome) return `blocked after ${outcome.progressBytes}`;
  return `kernel-bug (${outcome.kernelBug})`;
}

function equalBytes(left: Uint8Array, right: Uint8Array): boolean {
  if (left.length !== right.length) return false;
  for (let index = 0; index < left.length; index++) if (left[index] !== right[index]) return false;
  return true;
}

type CheckOf<Kind extends Expectation["check"]["kind"]> = Extract<Expectation["check"], { kind: Kind }>;

/** What is wrong with each page an `expect zapped|intact|moved|copied` line names; empty when all are as expected. */
function pageOutcomeFailures(
  machine: Machine,
  process: Process,
  check: CheckOf<"page-outcome">,
  result: StepResult,
  snapshot: StepSnapshot | null,
): string[] {
  const failures: string[] = [];
  pageAddresses(machine, process, check.pages).forEach((address, index) => {
    const page = check.pages.first + index;
    const label = `${check.pages.mapping}[${page}]`;
    const pageEnd = address + machine.pageSize;
    switch (check.outcome) {
      case "zapped":
        if (!machine.zapped.get(process.name)?.has(address)) failures.push(`${label} not zapped`);
        break;
      case "intact": {
        const before = snapshot?.get(`${process.name}:${address}`);
        const pte = machine.pteAt(process, address);
        if (!pte) failures.push(`${label} has no PTE`);
        else if (before && before.pfn !== pte.pfn) failures.push(`${label} maps PFN ${pte.pfn}, was ${before.pfn}`);
        else if (before && !equalBytes(before.bytes, machine.peekUser(process, address, machine.pageSize)))
          failures.push(`${label} contents changed`);
        break;
      }
      case "moved": {
        const move = result.events.find(
          (event) => event.kind === "move" && event.pid === process.name && event.dstVaddr === address,
        );
        if (!move || move.kind !== "move") {
          failures.push(`${label} not moved`);
          break;
        }
        if (check.from) {
          const other = machine.processes.get(check.from.process);
          if (!other) throw new Error(`unknown process '${check.from.process}'`);
          const expected = pageAddresses(machine, other, check.from.page)[0];
          const chunk = result.chunks.find((record) => record.readerPage === "moved" && record.pfn === move.pfn);
          if (!chunk?.origin || chunk.origin.process !== other.name || chunk.origin.vaddr !== expected) {
            failures.push(
              `${label} got PFN ${move.pfn} from ${chunk?.origin ? `${chunk.origin.process} 0x${chunk.origin.vaddr.toString(16)}` : "an unknown origin"}`,
            );
          }
        }
        break;
      }
      case "copied": {
        const copied = result.events.some(
          (event) =>
            event.kind === "copy" &&
            event.pid === process.name &&
            event.dstVaddr < pageEnd &&
            event.dstVaddr + event.len > address,
        );
        if (!copied) failures.push(`${label} received no copy`);
        break;
      }
    }
  });
  return failures;
}

/** `expect same-frame PAGES OTHER PAGES`: both processes map the same frames, page by page. */
function sameFrameVerdict(
  machine: Machine,
  process: Process,
  check: CheckOf<"same-frame">,
  verdict: (passed: boolean, actual: string) => ExpectationVerdict,
): ExpectationVerdict {
  const other = machine.processes.get(check.otherProcess);
  if (!other) throw new Error(`unknown process '${check.otherProcess}'`);
  const mine = pageAddresses(machine, process, check.pages).map(
    (address) => machine.pteAt(process, address)?.pfn ?? null,
  );
  const theirs = pageAddresses(machine, other, check.other).map(
    (address) => machine.pteAt(other, address)?.pfn ?? null,
  );
  const same = mine.length === theirs.length && mine.every((pfn, index) => pfn !== null && pfn === theirs[index]);
  return verdict(same, `PFNs ${mine.join(",")} vs ${theirs.join(",")}`);
}

/** `expect pipe NAME occupancy|bytes|buffer ...` against the pipe's state now. */
function pipeVerdict(
  machine: Machine,
  check: CheckOf<"pipe-occupancy" | "pipe-bytes" | "pipe-buffer">,
  verdict: (passed: boolean, actual: string) => ExpectationVerdict,
): ExpectationVerdict {
  const pipe = machine.pipes.get(check.pipe);
  if (!pipe) throw new Error(`unknown pipe '${check.pipe}'`);
  if (check.kind === "pipe-occupancy")
    return verdict(pipe.count === check.slots, `${pipe.count} slot(s) in use of ${pipe.size}`);
  if (check.kind === "pipe-bytes") {
    const bytes = pipeBytes(pipe);
    return verdict(bytes === check.bytes, `${bytes} byte(s) queued`);
  }
  if (check.index >= pipe.count) return verdict(false, `pipe holds ${pipe.count} buffer(s)`);
  const buffer = pipe.slots[(pipe.tail + check.index) % pipe.size]!;
  return verdict(
    buffer.offset === check.offset && buffer.len === check.len && buffer.flags === check.flags,
    `offset=${buffer.offset} len=${buffer.len} flags=0x${buffer.flags.toString(16)}`,
  );
}

export function evaluateExpectation(
  machine: Machine,
  step: Step,
  result: StepResult,
  expectation: Expectation,
  snapshot: StepSnapshot | null,
  resolve: AddressResolver,
): ExpectationVerdict {
  const verdict = (passed: boolean, actual: string): ExpectationVerdict => ({
    line: expectation.line,
    text: expectation.text,
    passed,
    actual,
  });
  const check = expectation.check;
  try {
    switch (check.kind) {
      case "returned":
        return verdict(
          !!result.outcome && "returned" in result.outcome && result.outcome.returned === check.value,
          describeOutcome(result),
        );
      case "errno":
        return verdict(
          !!result.outcome && "errno" in result.outcome && result.outcome.errno === check.errno,
          describeOutcome(result),
        );
      case "blocked":
        return verdict(
          !!result.outcome &&
            "blocked" in result.outcome &&
            (check.after === null || result.outcome.progressBytes === check.after),
          describeOutcome(result),
        );
      case "kernel-bug":
        return verdict(!!result.outcome && "kernelBug" in result.outcome, describeOutcome(result));
      case "signal": {
        const sent = result.events.some((event) => event.kind === "signal" && event.signal === check.signal);
        return verdict(sent, sent ? `${check.signal} sent` : "no signal sent");
      }
      case "queued": {
        const queued = machine.queuedThisStep;
        return verdict(queued === check.count, `${queued} buffer(s) queued`);
      }
      case "page-outcome": {
        const failures = pageOutcomeFailures(machine, processFor(machine, step, expectation), check, result, snapshot);
        return verdict(failures.length === 0, failures.length ? failures.join("; ") : `${check.outcome} as expected`);
      }
      case "bytes": {
        const process = processFor(machine, step, expectation);
        const start = resolve(machine, process, check.address);
        const length = amountBytes(machine, check.length);
        if (length > MAX_EXPECT_BYTES)
          throw new Error(`expect bytes compares at most ${MAX_EXPECT_BYTES} bytes (docs/vmsim.md section 9)`);
        const bytes = machine.peekUser(process, start, length);
        const mismatch = bytes.findIndex((byte) => byte !== check.value);
        if (mismatch < 0) return verdict(true, `all ${length} bytes are 0x${check.value.toString(16)}`);
        return verdict(
          false,
          `byte at +${mismatch} is 0x${bytes[mismatch].toString(16)}, expected 0x${check.value.toString(16)}`,
        );
      }
      case "page-state": {
        const process = processFor(machine, step, expectation);
        const states = pageAddresses(machine, process, check.pages).map((address) =>
          machine.describePage(process, address),
        );
        return verdict(
          states.every((state) => state === check.state),
          states.join(", "),
        );
      }
      case "same-frame":
        return sameFrameVerdict(machine, processFor(machine, step, expectation), check, verdict);
      case "pipe-occupancy":
      case "pipe-bytes":
      case "pipe-buffer":
        return pipeVerdict(machine, check, verdict);
      case "rule": {
        const present = result.rules.includes(check.rule);
        return verdict(
          present === check.present,
          result.rules.length ? `rules: ${result.rules.join(", ")}` : "no rules",
        );
      }
    }
  } catch (error) {
    return verdict(false, error instanceof Error ? error.message : String(error));
  }
}

/**
 * The verdicts of every `expect` line that applies to the result's kernel model, in file order.
 * They were evaluated during the run (each right after its step); this checks that the result belongs to the scenario.
 */
export function checkExpectations(scenario: Scenario, result: SimulationResult): ExpectationVerdict[] {
  if (result.scenarioId !== scenario.id) {
    return [
      {
        line: 1,
        text: `scenario ${scenario.id}`,
        passed: false,
        actual: `the result is for scenario ${result.scenarioId}`,
      },
    ];
  }
  return [...result.verdicts].sort((left, right) => left.line - right.line);
}
