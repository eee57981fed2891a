/**
 * Replays a parsed scenario step by step on a fresh simulated machine and evaluates each `expect` line right after
 * its step, on the state at that moment.
 *
 * This module owns the mapping from scenario commands to machine operations and system calls (kernel.ts), the
 * per-step event collection, and the stop rule (a kernel BUG or a scenario mistake ends the run; later steps are
 * reported as skipped). Pure and deterministic: no clock, randomness, I/O or console; must not import Node's I/O, the
 * editor or the protocol library.
 */
import { closeCall, fcntlCall, readCall, spliceCall, teeCall, vmsplice, writeCall, type UserIovec } from "./kernel";
import { vmaAt, vmasIn, type Process } from "./address-space";
import { LimitError, Machine, ScenarioError } from "./machine";
import type { FdEntry } from "./pipe-ring";
import { MAX_BYTES } from "./limits";
// Chunk records are kept as runs: a 1 GiB replay's step has two runs, not 512 records (chunk-runs.ts).
import { attachChunks, attachEvents, ChunkRuns, chunkRunsOf, EventRuns, eventRunsOf } from "./chunk-runs";
import { evaluateExpectation, snapshotForStep, type StepSnapshot } from "./expect";
import { iovecRunsOf, type IovecRun } from "./iovec-runs";
import type {
  Address,
  Amount,
  CallOutcome,
  Command,
  ExpectationVerdict,
  FdRef,
  MachineView,
  RunOptions,
  Scenario,
  SimulationResult,
  Step,
  StepResult,
  TraceEvent,
} from "./types";

/** Events kept in "summary" traces: what changes data or explains it. */
const SUMMARY_KINDS = new Set<TraceEvent["kind"]>([
  "zap",
  "thpSplit",
  "copy",
  "move",
  "block",
  "signal",
  "hazard",
  "kernelBug",
  "return",
  "cowBreak",
]);

export function runScenario(scenario: Scenario, options: RunOptions): SimulationResult {
  const pageSize = options.pageSize ?? scenario.pageSize ?? 4096;
  const keep = options.trace === "summary" ? (event: TraceEvent) => SUMMARY_KINDS.has(event.kind) : null;
  const machine = new Machine(options.kernel, pageSize, keep);
  const steps: StepResult[] = [];
  const verdicts: ExpectationVerdict[] = [];
  let stoppedAt: number | null = null;
  const applies = (models: readonly string[] | null): boolean => models === null || models.includes(options.kernel);
  for (const expectation of scenario.initialExpectations) {
    if (applies(expectation.models))
      verdicts.push({
        line: expectation.line,
        text: expectation.text,
        passed: false,
        actual: "an expect line before any step has nothing to check",
      });
  }
  scenario.steps.forEach((step, index) => {
    const result: StepResult = {
      index,
      line: step.line,
      text: step.text,
      process: step.process,
      outcome: null,
      events: [],
      chunks: [],
      rules: [],
      skipped: false,
      error: null,
    };
    steps.push(result);
    const expectations = step.expectations.filter((expectation) => applies(expectation.models));
    if (stoppedAt !== null) {
      result.skipped = true;
      for (const expectation of expectations)
        verdicts.push({
          line: expectation.line,
          text: expectation.text,
          passed: false,
          actual: `step on line ${step.line} was not run (the run stopped at line ${scenario.steps[stoppedAt].line})`,
        });
      return;
    }
    machine.events = new EventRuns(pageSize);
    machine.chunks = new ChunkRuns(pageSize);
    machine.zapped.clear();
    machine.queuedThisStep = 0;
    machine.droppedEvents = 0;
    let snapshot: StepSnapshot | null = null;
    try {
      snapshot = snapshotForStep(machine, step, expectations, resolveAddress);
      result.outcome = runStep(machine, step);
      if (result.outcome) machine.emit({ kind: "return", outcome: result.outcome });
    } catch (error) {
      if (!(error instanceof ScenarioError)) throw error;
      result.error = error.message;
      stoppedAt = index;
    }
    if (machine.droppedEvents > 0)
      machine.events.push({
        kind: "note",
        text: `trace limit: ${machine.droppedEvents} further events of this step were not recorded (docs/vmsim.md section 9)`,
      });
    attachEvents(result, machine.events.runs, pageSize);
    attachChunks(result, machine.chunks.runs, pageSize);
    result.rules = collectRules(result);
    if (result.outcome && "kernelBug" in result.outcome) stoppedAt = index;
    for (const expectation of expectations) {
      if (result.error) {
        verdicts.push({
          line: expectation.line,
          text: expectation.text,
          passed: false,
          actual: `scenario error on line ${step.line}: ${result.error}`,
        });
        continue;
      }
      verdicts.push(evaluateExpectation(machine, step, result, expectation, snapshot, resolveAddress));
    }
  });
  return {
    scenarioId: scenario.id,
    kernel: options.kernel,
    pageSize,
    steps,
    stoppedAt,
    final: view(machine),
    verdicts,
  };
}

function collectRules(result: StepResult): string[] {
  const rules: string[] = [];
  const add = (rule: string | null | undefined): void => {
    if (rule && !rules.includes(rule)) rules.push(rule);
  };
  // A run of more than one move has no rules (chunk-runs.ts), so its first event speaks for it.
  for (const { first: event } of eventRunsOf(result)) {
    if ("rule" in event) add(event.rule);
    if (event.kind === "move") event.rules.forEach(add);
  }
  // A run of more than one record has no rules (chunk-runs.ts), so its first record speaks for it.
  for (const run of chunkRunsOf(result)) run.first.rules.forEach(add);
  return rules;
}

function view(machine: Machine): MachineView {
  return {
    readBytes: (processName, address, length) =>
      machine.peekUser(machine.processes.get(processName) ?? failProcess(processName), address, length),
    pfnAt: (processName, address) => {
      const process = machine.processes.get(processName);
      return process ? (machine.pteAt(process, address)?.pfn ?? null) : null;
    },
    mappingStart: (processName, mapping) => machine.processes.get(processName)?.mappings.get(mapping)?.start ?? null,
    zeroPfn: machine.zeroPfn,
  };
}

function failProcess(name: string): never {
  throw new ScenarioError(`unknown process '${name}'`);
}

export function amountBytes(machine: Machine, amount: Amount): number {
  return offsetBytes(machine, amount.bytes, amount.pages);
}

/** `amountBytes` of bytes plus whole pages, without an Amount. */
function offsetBytes(machine: Machine, amountBytes: number, pages: number): number {
  const bytes = amountBytes + pages * machine.pageSize;
  if (bytes > MAX_BYTES)
    throw new LimitError(
      `a length of ${bytes} bytes exceeds the 128 TiB user address space at ${machine.pageSize}-byte pages (docs/vmsim.md section 9)`,
    );
  return bytes;
}

/** Pages of [start, end): what a command that touches every page of the range will spend. */
function pagesOf(machine: Machine, start: number, end: number): number {
  return Math.max(0, Math.ceil(end / machine.pageSize) - Math.floor(start / machine.pageSize));
}

export function resolveAddress(machine: Machine, process: Process, address: Address): number {
  const mapping = machine.resolveMapping(process, address.mapping);
  const offset = amountBytes(machine, address.offset);
  return address.negative ? mapping.start - offset : mapping.start + offset;
}

/**
 * A vmsplice line's iovecs with their addresses resolved, read from its iovec runs (iovec-runs.ts): iovec `k` of a run
 * is based `k` pages after the first, each address checked as `resolveAddress` checks it, without making the iovec.
 */
function userIovecs(machine: Machine, process: Process, runs: readonly IovecRun[] | null): UserIovec[] | null {
  if (runs === null) return null;
  const iovecs: UserIovec[] = [];
  for (const { first, count } of runs) {
    // A size_t, allowed past the address space (the kernel decides: EINVAL, EFAULT); it allocates nothing.
    const len = first.length.bytes + first.length.pages * machine.pageSize;
    const base = first.base;
    if (base === null) {
      for (let index = 0; index < count; index++) iovecs.push({ base: 0, len });
      continue;
    }
    const start = machine.resolveMapping(process, base.mapping).start;
    for (let index = 0; index < count; index++) {
      const offset = offsetBytes(machine, base.offset.bytes, base.offset.pages + index);
      iovecs.push({ base: base.negative ? start - offset : start + offset, len });
    }
  }
  return iovecs;
}

function resolveFd(machine: Machine, reference: FdRef): FdEntry | null {
  if (reference.kind === "number") return null;
  const key = reference.kind === "pipe" ? `${reference.pipe}[${reference.end}]` : reference.name;
  const entry = machine.fds.get(key);
  if (!entry) throw new ScenarioError(`unknown file descriptor '${key}' (create it with 'pipe' or 'open')`);
  return entry;
}

/** The byte range a memory command covers: from the address to the given length, or to the end of its mapping. */
function range(
  machine: Machine,
  process: Process,
  address: Address,
  length: Amount | null,
): { start: number; end: number } {
  const start = resolveAddress(machine, process, address);
  if (length) return { start, end: start + amountBytes(machine, length) };
  const mapping = machine.resolveMapping(process, address.mapping);
  return { start, end: mapping.start + mapping.length };
}

function actingProcess(machine: Machine, step: Step): Process {
  if (!step.process) throw new ScenarioError(`'${step.command.kind}' needs a process`);
  return machine.process(step.process);
}

function runStep(machine: Machine, step: Step): CallOutcome | null {
  const command: Command = step.command;
  switch (command.kind) {
    case "process":
      machine.addProcess(command.name, command.privileged, command.sigpipeIgnored);
      return null;
    case "fork":
      machine.fork(actingProcess(machine, step), command.child);
      return null;
    case "exit":
      machine.exit(actingProcess(machine, step));
      return null;
    case "mmap":
    case "munmap":
    case "madvise":
    case "mlock":
    case "mprotect":
      return mappingStep(machine, step, command);
    case "fill":
    case "touch":
    case "ksm-merge":
    case "race-fault":
      return contentsStep(machine, step, command);
    case "file":
      machine.files.set(command.name, {
        id: command.name,
        kind: "file",
        fill: command.value,
        sizeBytes: amountBytes(machine, command.size),
        pages: new Map(),
      });
      return null;
    case "open": {
      const file = machine.files.get(command.file);
      if (!file) throw new ScenarioError(`unknown file '${command.file}'`);
      const read = command.mode === "O_RDONLY" || command.mode === "O_RDWR";
      const write = command.mode === "O_WRONLY" || command.mode === "O_RDWR";
      machine.fds.set(command.name, {
        kind: "regular",
        pipe: null,
        file,
        read,
        write,
        nonblock: false,
        open: true,
        position: 0,
      });
      return { returned: 3 + machine.fds.size };
    }
    case "pipe":
      machine.createPipe(command.name, command.flags);
      return { returned: 0 };
    case "fcntl": {
      const process = step.process ? machine.process(step.process) : { privileged: false };
      return fcntlCall(
        machine,
        process as Process,
        resolveFd(machine, command.fd),
        command.command,
        command.size ? amountBytes(machine, command.size) : null,
        command.statusFlags,
      );
    }
    case "close":
      return closeCall(resolveFd(machine, command.fd));
    case "vmsplice":
    case "read":
    case "write":
    case "splice":
    case "tee":
      return transferStep(machine, step, command);
  }
}

type CommandOf<Kind extends Command["kind"]> = Extract<Command, { kind: Kind }>;

/** Commands that change a process's mappings: mmap, munmap, madvise, mlock, mprotect. */
function mappingStep(
  machine: Machine,
  step: Step,
  command: CommandOf<"mmap" | "munmap" | "madvise" | "mlock" | "mprotect">,
): CallOutcome | null {
  const pageSize = machine.pageSize;
  switch (command.kind) {
    case "mmap": {
      const process = actingProcess(machine, step);
      machine.mmap(
        process,
        command.name,
        amountBytes(machine, command.length),
        command.prot,
        command.flags,
        command.file,
        command.align ? amountBytes(machine, command.align) : null,
      );
      return null;
    }
    case "munmap": {
      const process = actingProcess(machine, step);
      const { start, end } = range(machine, process, command.address, command.length);
      for (const vma of vmasIn(process, start, end, machine.pageSize)) {
        machine.removePtesIn(process, vma.start, vma.end);
        process.vmas.splice(process.vmas.indexOf(vma), 1);
      }
      return { returned: 0 };
    }
    case "madvise": {
      const process = actingProcess(machine, step);
      const { start, end } = range(machine, process, command.address, command.length);
      const vmas = vmasIn(process, start, end, machine.pageSize);
      if (command.advice === "MADV_DONTNEED") {
        if (vmas.some((vma) => vma.locked || vma.kind === "hugetlb")) return { errno: "EINVAL" };
        for (const vma of vmas) machine.zapRange(process, vma, vma.start, vma.end - vma.start, undefined);
        return { returned: 0 };
      }
      for (const vma of vmas) {
        if (command.advice === "MADV_HUGEPAGE") vma.thpEligible = true;
        if (command.advice === "MADV_NOHUGEPAGE") vma.thpEligible = false;
        if (command.advice === "MADV_DONTFORK") vma.dontFork = true;
        if (command.advice === "MADV_DOFORK") vma.dontFork = false;
        if (command.advice === "MADV_MERGEABLE") vma.mergeable = true;
        if (command.advice === "MADV_UNMERGEABLE") vma.mergeable = false;
      }
      return { returned: 0 };
    }
    case "mlock": {
      const process = actingProcess(machine, step);
      const { start, end } = range(machine, process, command.address, command.length);
      machine.ensureBudget(pagesOf(machine, start, end));
      for (const vma of vmasIn(process, start, end, machine.pageSize)) vma.locked = true;
      for (let address = start - (start % pageSize); address < end; address += pageSize) {
        const vma = vmaAt(process, address);
        const frame = machine.fault(
          process,
          address,
          vma?.prot.write && (vma.kind === "private-anon" || vma.kind === "private-file") ? "write" : "read",
        );
        if (frame) frame.mlocked = true;
      }
      return { returned: 0 };
    }
    case "mprotect": {
      const process = actingProcess(machine, step);
      const { start, end } = range(machine, process, command.address, command.length);
      for (const vma of vmasIn(process, start, end, machine.pageSize)) {
        vma.prot = { ...command.prot };
        if (!command.prot.write)
          for (const [, pte] of process.ptes.presentIn(machine.vpn(vma.start), machine.vpn(vma.end)))
            pte.writable = false;
      }
      return { returned: 0 };
    }
  }
}

/** Commands that write or fault in memory contents: fill, touch, ksm-merge, race-fault. */
function contentsStep(
  machine: Machine,
  step: Step,
  command: CommandOf<"fill" | "touch" | "ksm-merge" | "race-fault">,
): CallOutcome | null {
  const pageSize = machine.pageSize;
  switch (command.kind) {
    case "fill": {
      const process = actingProcess(machine, step);
      const { start, end } = range(machine, process, command.address, command.length);
      machine.ensureBudget(2 * pagesOf(machine, start, end));
      if (command.value === "pattern") {
        const mapping = machine.resolveMapping(process, command.address.mapping);
        for (let address = start; address < end;) {
          const pageEnd = Math.min(end, address - (address % pageSize) + pageSize);
          const pageIndex = Math.floor((address - mapping.start) / pageSize);
          if (!machine.writeUser(process, address, pageEnd - address, (0x10 + pageIndex) & 0xff))
            throw new ScenarioError(`fill of ${command.address.mapping} faults at 0x${address.toString(16)}`);
          address = pageEnd;
        }
      } else if (!machine.writeUser(process, start, end - start, command.value)) {
        throw new ScenarioError(`fill of ${command.address.mapping} faults (no writable mapping)`);
      }
      return null;
    }
    case "touch": {
      const process = actingProcess(machine, step);
      const { start, end } = range(machine, process, command.address, command.length);
      machine.ensureBudget(pagesOf(machine, start, end));
      for (let address = start - (start % pageSize); address < end; address += pageSize)
        machine.fault(process, address, "read");
      return null;
    }
    case "ksm-merge": {
      const process = actingProcess(machine, step);
      const { start, end } = range(machine, process, command.address, command.length);
      for (const [, pte] of process.ptes.presentIn(machine.vpn(start), Math.ceil(end / pageSize))) {
        const frame = machine.frames.get(pte.pfn);
        if (frame.kind === "anon") frame.kind = "ksm";
        pte.writable = false;
      }
      return null;
    }
    case "race-fault": {
      const process = actingProcess(machine, step);
      const address = resolveAddress(machine, process, command.address);
      machine.racingFaults.add(`${process.name}:${address - (address % pageSize)}`);
      return null;
    }
  }
}

/** The system calls that move data through a pipe: vmsplice, read, write, splice, tee. */
function transferStep(
  machine: Machine,
  step: Step,
  command: CommandOf<"vmsplice" | "read" | "write" | "splice" | "tee">,
): CallOutcome | null {
  switch (command.kind) {
    case "vmsplice": {
      const process = actingProcess(machine, step);
      const iovecs = userIovecs(machine, process, iovecRunsOf(command));
      const nrSegs = command.nrSegs ?? (iovecs ? iovecs.length : 0);
      return vmsplice(machine, process, resolveFd(machine, command.fd), iovecs, nrSegs, command.flags);
    }
    case "read": {
      const process = actingProcess(machine, step);
      return readCall(
        machine,
        process,
        resolveFd(machine, command.fd),
        resolveAddress(machine, process, command.address),
        amountBytes(machine, command.length),
      );
    }
    case "write": {
      const process = actingProcess(machine, step);
      const source = command.address ? resolveAddress(machine, process, command.address) : null;
      return writeCall(
        machine,
        process,
        resolveFd(machine, command.fd),
        source,
        amountBytes(machine, command.length),
        command.value,
      );
    }
    case "splice":
      return spliceCall(
        machine,
        actingProcess(machine, step),
        resolveFd(machine, command.input),
        resolveFd(machine, command.output),
        amountBytes(machine, command.length),
        command.flags,
      );
    case "tee":
      return teeCall(
        machine,
        actingProcess(machine, step),
        resolveFd(machine, command.input),
        resolveFd(machine, command.output),
        amountBytes(machine, command.length),
        command.flags,
      );
  }
}
