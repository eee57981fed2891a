/**
 * `vmsplice-lens simulate SCENARIO.vmsim | FILE.c:LINE [--kernel K] [--page-size N] [--format text|json] [--trace full|summary]`,
 * and `vmsplice-lens simulate --trace TRACE.jsonl FILE.c:LINE [--observation N]`: the replay of a call a recorded run
 * observed at that line (recorder/replay-observed.ts), with its real offsets, lengths and page kinds. `--trace` takes
 * `full` or `summary` (the step detail) or, any other value, a trace file.
 *
 * This module owns the subcommand's argument parsing, the choice between a scenario file and a call-site replay, and
 * the output (the text step table or the replay JSON of issue 3 item 6). File access goes through the injected `io`,
 * so the command is testable without touching the disk; the call-site replay needs the analyzer's facts, which the
 * caller supplies through `io.extractCalls` (it owns the tree-sitter parser).
 * Exit codes: 0 success (and every `expect` line held), 1 an expectation failed, 2 usage, I/O or parse error.
 */
import { KERNEL_MODELS, PAGE_SIZES, type KernelModel, type PageSize, type VmspliceCall } from "../analysis/facts";
import { parseTrace } from "../recorder/trace";
import { writeJson } from "./json-stream";
import { ObservedReplayError, replayObserved } from "../recorder/replay-observed";
import {
  checkExpectations,
  parseScenario,
  replayCallSite,
  runScenario,
  compactReplay,
  compactRunLengthJson,
  toCompactReplayJson,
  toCompactText,
  toReplayJson,
  type CompactReplayJson,
  type ReplayJson,
} from "../simulator/index";

export interface SimulateIo {
  readFile(path: string): string;
  stdout(text: string): void;
  stderr(text: string): void;
  /** The analyzer's facts for a C file; required for `FILE.c:LINE`. */
  extractCalls?(path: string, text: string): VmspliceCall[];
}

const USAGE = `usage: vmsplice-lens simulate SCENARIO.vmsim | FILE.c:LINE [--kernel ${KERNEL_MODELS.join("|")}|all] [--page-size ${PAGE_SIZES.join("|")}] [--format text|json] [--trace full|summary]
       vmsplice-lens simulate --trace TRACE.vmsplice-trace.jsonl FILE.c:LINE [--observation N] [--kernel K] [--page-size N] [--format text|json]`;

interface Arguments {
  target: string;
  kernels: KernelModel[] | null;
  pageSize: PageSize | null;
  format: "text" | "json";
  trace: "full" | "summary";
  /** A recorded run's trace file: replay the call it observed at FILE:LINE. */
  traceFile: string | null;
  /** One-based observation at the site (default 1). */
  observation: number | null;
}

class UsageError extends Error {}

function parseArguments(argv: string[]): Arguments {
  let target: string | null = null;
  let kernels: KernelModel[] | null = null;
  let pageSize: PageSize | null = null;
  let format: "text" | "json" = "text";
  let trace: "full" | "summary" = "full";
  let traceFile: string | null = null;
  let observation: number | null = null;
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index];
    const [flag, inline] =
      argument.startsWith("--") && argument.includes("=")
        ? [argument.slice(0, argument.indexOf("=")), argument.slice(argument.indexOf("=") + 1)]
        : [argument, null];
    const value = (): string => {
      if (inline !== null) return inline;
      const next = argv[++index];
      if (next === undefined) throw new UsageError(`${flag} needs a value`);
      return next;
    };
    switch (flag) {
      case "--kernel": {
        const kernel = value();
        if (kernel === "all") kernels = [...KERNEL_MODELS];
        else if ((KERNEL_MODELS as readonly string[]).includes(kernel)) kernels = [kernel as KernelModel];
        else throw new UsageError(`unknown kernel model '${kernel}' (${KERNEL_MODELS.join(", ")} or all)`);
        break;
      }
      case "--page-size": {
        const size = Number(value());
        if (!(PAGE_SIZES as readonly number[]).includes(size))
          throw new UsageError(`unsupported page size '${argv[index]}' (4096, 16384 or 65536)`);
        pageSize = size as PageSize;
        break;
      }
      case "--format": {
        const chosen = value();
        if (chosen !== "text" && chosen !== "json") throw new UsageError(`unknown format '${chosen}' (text or json)`);
        format = chosen;
        break;
      }
      case "--trace": {
        // The step detail (full or summary), or any other value: a recorded run's trace file.
        const chosen = value();
        if (chosen === "full" || chosen === "summary") trace = chosen;
        else traceFile = chosen;
        break;
      }
      case "--observation": {
        const chosen = value();
        if (!/^[1-9][0-9]{0,8}$/.test(chosen))
          throw new UsageError(`--observation needs a positive whole number, not '${chosen}'`);
        observation = Number(chosen);
        break;
      }
      default:
        if (argument.startsWith("--")) throw new UsageError(`unknown option '${argument}'`);
        if (target !== null) throw new UsageError(`unexpected argument '${argument}'`);
        target = argument;
    }
  }
  if (target === null) throw new UsageError("missing SCENARIO.vmsim or FILE.c:LINE");
  if (observation !== null && traceFile === null)
    throw new UsageError("--observation selects a recorded call: give --trace TRACE.jsonl too");
  return { target, kernels, pageSize, format, trace, traceFile, observation };
}

/** Runs the subcommand; returns the process exit code. */
export function runSimulateCommand(argv: string[], io: SimulateIo): number {
  let args: Arguments;
  try {
    args = parseArguments(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr(`vmsplice-lens simulate: ${error.message}\n${USAGE}\n`);
    return 2;
  }
  const site = /^(.*):([0-9]+)$/.exec(args.target);
  if (args.traceFile !== null) {
    if (!site) {
      io.stderr(
        `vmsplice-lens simulate: --trace ${args.traceFile} replays a recorded call: give FILE.c:LINE\n${USAGE}\n`,
      );
      return 2;
    }
    return simulateObserved(site[1], Number(site[2]), args, args.traceFile, io);
  }
  if (site && !args.target.endsWith(".vmsim")) return simulateCallSite(site[1], Number(site[2]), args, io);
  return simulateScenario(args, io);
}

function read(io: SimulateIo, path: string): string | null {
  try {
    return io.readFile(path);
  } catch (error) {
    io.stderr(
      `vmsplice-lens simulate: cannot read ${path}: ${error instanceof Error ? error.message : String(error)}\n`,
    );
    return null;
  }
}

/** A replay in the form the output needs: the full page list (full JSON) or its runs (text and summary JSON). */
interface ReportSource {
  full(): ReplayJson;
  compact(): CompactReplayJson;
}

function sourceOf(json: ReplayJson): ReportSource {
  return { full: () => json, compact: () => compactReplay(json) };
}

/**
 * Writes reports as they are made, so a finished kernel's replay can be freed before the next one runs and no single
 * string has to hold all of them (`--kernel all` on a 4 GiB fill). The bytes are exactly those of
 * `JSON.stringify(reports.length === 1 ? reports[0] : reports, null, 2)`, or the text reports joined by blank lines.
 */
function reportStream(
  io: SimulateIo,
  format: "text" | "json",
  total: number,
  trace: "full" | "summary" = "full",
): (source: ReportSource) => void {
  let index = 0;
  return (source) => {
    const last = index === total - 1;
    if (format === "text") {
      io.stdout((index > 0 ? "\n" : "") + toCompactText(source.compact()));
      index++;
      return;
    }
    // Summary JSON lists runs of pages, chunks and moves ("pages 0–262143 moved" is one entry); text always does.
    // Written in pieces: a full trace of a 1 GiB run is larger than the largest string V8 can hold.
    const report = trace === "summary" ? compactRunLengthJson(source.compact()) : source.full();
    if (total === 1) writeJson(report, io.stdout);
    else {
      io.stdout(`${index === 0 ? "[\n" : ""}  `);
      writeJson(report, io.stdout, "  ", { indent: "  ", end: last ? "\n]\n" : ",\n" });
    }
    index++;
  };
}

function simulateScenario(args: Arguments, io: SimulateIo): number {
  const text = read(io, args.target);
  if (text === null) return 2;
  const { scenario, diagnostics } = parseScenario(text);
  if (diagnostics.length) {
    for (const diagnostic of diagnostics)
      io.stderr(`${args.target}:${diagnostic.line}:${diagnostic.column}: ${diagnostic.message}\n`);
    return 2;
  }
  // Without --kernel the scenario runs under the first model it is written for (rfc-v2 unless it says otherwise).
  const kernels = args.kernels ?? [scenario.models[0] ?? "rfc-v2"];
  const write = reportStream(io, args.format, kernels.length, args.trace);
  let failed = false;
  for (const kernel of kernels) {
    const result = runScenario(scenario, { kernel, pageSize: args.pageSize ?? undefined, trace: args.trace });
    if (checkExpectations(scenario, result).some((verdict) => !verdict.passed)) failed = true;
    const options = { site: { file: args.target, line: 1 } };
    write({
      full: () => toReplayJson(scenario, result, options),
      compact: () => toCompactReplayJson(scenario, result, options),
    });
  }
  return failed ? 1 : 0;
}

function simulateCallSite(file: string, line: number, args: Arguments, io: SimulateIo): number {
  if (!io.extractCalls) {
    io.stderr("vmsplice-lens simulate: call-site replay needs the analyzer; this entry point was built without it\n");
    return 2;
  }
  const text = read(io, file);
  if (text === null) return 2;
  const calls = io.extractCalls(file, text);
  const index = findCallAtLine(calls, line);
  if (index < 0) {
    const lines = calls.map((call) => call.calleeRange.start.line + 1);
    io.stderr(
      `vmsplice-lens simulate: no vmsplice call at ${file}:${line}${lines.length ? ` (calls are on lines ${lines.join(", ")})` : " (the file has none)"}\n`,
    );
    return 2;
  }
  const kernels = args.kernels ?? ["rfc-v2" as KernelModel];
  const write = reportStream(io, args.format, kernels.length, args.trace);
  for (const kernel of kernels)
    write(
      sourceOf(replayCallSite(calls, index, { kernel, pageSize: args.pageSize ?? 4096, file, trace: args.trace }).json),
    );
  return 0;
}

/** Replays the call a recorded run observed at FILE:LINE (the first observation, or --observation N). */
function simulateObserved(file: string, line: number, args: Arguments, traceFile: string, io: SimulateIo): number {
  const text = read(io, traceFile);
  if (text === null) return 2;
  const trace = parseTrace(text);
  const kernels = args.kernels ?? ["rfc-v2" as KernelModel];
  const selector = { file, firstLine: line, observation: args.observation ?? 1 };
  const options = { pageSize: args.pageSize ?? 4096, traceName: traceFile, trace: args.trace };
  const replays: ReplayJson[] = [];
  try {
    // Every kernel's replay is made before any is written, so a wrong site writes nothing to stdout.
    for (const kernel of kernels) replays.push(replayObserved(trace, selector, { ...options, kernel }).json);
  } catch (error) {
    if (!(error instanceof ObservedReplayError)) throw error;
    io.stderr(`vmsplice-lens simulate: ${error.message}\n`);
    return 2;
  }
  const write = reportStream(io, args.format, kernels.length);
  for (const replay of replays) write(sourceOf(replay));
  return 0;
}

/** The call whose callee is on the line, else the call whose range covers it (one-based line). */
export function findCallAtLine(calls: VmspliceCall[], line: number): number {
  const zeroBased = line - 1;
  const onCallee = calls.findIndex((call) => call.calleeRange.start.line === zeroBased);
  if (onCallee >= 0) return onCallee;
  return calls.findIndex((call) => call.range.start.line <= zeroBased && zeroBased <= call.range.end.line);
}
