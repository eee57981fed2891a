/**
 * `vmsplice-lens record [--kernel K] [--page-size N] [--format text|json|sarif] [--out TRACE.jsonl] -- PROGRAM [ARGS…]`:
 * runs a program with the recorder's LD_PRELOAD shim and reports, for every vmsplice call it (and the processes and
 * threads it starts) made, the verdicts the decision table gives from the facts observed at the moment of the call.
 *
 * Mechanism: an LD_PRELOAD shim (recorder/shim-source.ts) compiled at record time with the system gcc into a cache
 * directory. It interposes libc's vmsplice() and syscall(SYS_vmsplice, …) and reads /proc/self/* and /proc/kpageflags
 * in the calling process, so the facts are read by the process itself at the call, without stopping it (ptrace) or a
 * supervisor round trip (seccomp user notification). What it cannot see: programs linked statically (said before the
 * run), raw `syscall` instructions that bypass libc, and processes that clear LD_PRELOAD or the trace variable.
 *
 * This is the recorder's only I/O: compiling the shim, reading ELF headers, spawning the program (signals forwarded,
 * its exit status returned), running addr2line, reading and removing (or keeping, with --out) the trace.
 */
import { formatOption, kernelOption, pageSizeOption } from "./options";
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import {
  accessSync,
  appendFileSync,
  constants,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  writeFileSync,
} from "node:fs";
import os from "node:os";
import path from "node:path";
import { KERNEL_MODELS, PAGE_SIZES, type KernelModel, type PageSize } from "../analysis/facts";
import { fileOffsetToVaddr, hasDebugInfo, preloadObstacle, readElf, type ElfInfo } from "../recorder/elf";
import { buildReport, formatRecordJson, formatRecordSarif, formatRecordText } from "../recorder/report";
import { SHIM_SOURCE, SHIM_VERSION } from "../recorder/shim-source";
import { parseTrace, type TraceCall, type TraceRun, type TraceSite } from "../recorder/trace";
import { displayPath, frameFileOffset, frameObject, siteKey, siteLookup } from "../recorder/sites";

export const RECORD_USAGE = `  vmsplice-lens record [--kernel ${KERNEL_MODELS.join("|")}] [--page-size ${PAGE_SIZES.join("|")}] [--format text|json|sarif]
                       [--out TRACE.jsonl] -- PROGRAM [ARGS...]
  vmsplice-lens record --trace TRACE.jsonl [--kernel K] [--page-size N] [--format F]   (report a kept trace again)`;

export class RecordUsageError extends Error {}
/** The program cannot be recorded (static binary, no compiler): exit status 2 with the message. */
export class RecordError extends Error {}

export interface RecordOptions {
  kernel: KernelModel;
  pageSize: PageSize;
  format: "text" | "json" | "sarif";
  out: string | null;
  trace: string | null;
  command: string[];
}

export function parseRecordArguments(argv: string[]): RecordOptions {
  const options: RecordOptions = {
    kernel: "rfc-v2",
    pageSize: 4096,
    format: "text",
    out: null,
    trace: null,
    command: [],
  };
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index];
    if (argument === "--") {
      options.command = argv.slice(index + 1);
      break;
    }
    const [flag, inline] = argument.includes("=")
      ? [argument.slice(0, argument.indexOf("=")), argument.slice(argument.indexOf("=") + 1)]
      : [argument, null];
    const value = () => {
      const next = inline ?? argv[++index];
      if (next === undefined) throw new RecordUsageError(`option ${flag} needs a value`);
      return next;
    };
    switch (flag) {
      case "--kernel":
        options.kernel = kernelOption(value(), (message) => new RecordUsageError(message));
        break;
      case "--page-size":
        options.pageSize = pageSizeOption(value(), (message) => new RecordUsageError(message));
        break;
      case "--format":
        options.format = formatOption(value(), (message) => new RecordUsageError(message));
        break;
      case "--out":
        options.out = path.resolve(value());
        break;
      case "--trace":
        options.trace = path.resolve(value());
        break;
      default:
        if (argument.startsWith("-")) throw new RecordUsageError(`unknown option '${argument}'`);
        // The program may be given without "--" when it does not start with "-".
        options.command = argv.slice(index);
        index = argv.length;
    }
  }
  if (options.trace === null && options.command.length === 0)
    throw new RecordUsageError("record needs a program to run: vmsplice-lens record -- PROGRAM [ARGS...]");
  if (options.trace !== null && options.command.length > 0)
    throw new RecordUsageError("record takes either --trace FILE or a program to run, not both");
  return options;
}

/** The directory compiled shims are kept in: $VMSPLICE_LENS_CACHE, $XDG_CACHE_HOME/vmsplice-lens or ~/.cache/vmsplice-lens. */
export function cacheDirectory(env: NodeJS.ProcessEnv = process.env): string {
  if (env.VMSPLICE_LENS_CACHE) return env.VMSPLICE_LENS_CACHE;
  const base = env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache");
  return path.join(base, "vmsplice-lens");
}

/** Compiles the shim with the system C compiler (once per source and compiler) and returns the shared object's path. */
export function buildShim(env: NodeJS.ProcessEnv = process.env): string {
  const compiler = env.CC || "gcc";
  const version = spawnSync(compiler, ["--version"], { encoding: "utf8", timeout: 30_000 });
  if (version.error || version.status !== 0)
    throw new RecordError(
      `record builds its LD_PRELOAD shim with the system C compiler, and '${compiler}' is not available (${version.error?.message ?? `exit status ${version.status}`}); install gcc (and libc6-dev) or set CC`,
    );
  const hash = createHash("sha256").update(SHIM_SOURCE).update(version.stdout).update(os.machine()).digest("hex");
  const directory = cacheDirectory(env);
  const target = path.join(directory, `record-shim-v${SHIM_VERSION}-${hash.slice(0, 16)}.so`);
  if (existsSync(target)) return target;
  mkdirSync(directory, { recursive: true });
  const work = mkdtempSync(path.join(directory, "build-"));
  try {
    const source = path.join(work, "shim.c");
    writeFileSync(source, SHIM_SOURCE);
    const output = path.join(work, "shim.so");
    const result = spawnSync(compiler, ["-shared", "-fPIC", "-O2", "-Wall", "-o", output, source, "-ldl", "-pthread"], {
      encoding: "utf8",
      timeout: 120_000,
    });
    if (result.error || result.status !== 0)
      throw new RecordError(
        `compiling the recorder's shim with ${compiler} failed: ${result.error?.message ?? result.stderr.trim()}`,
      );
    // Atomic: concurrent records either see no shim or a complete one.
    renameSync(output, target);
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return target;
}

/** The program's path as execvp would find it. */
function resolveProgram(program: string, env: NodeJS.ProcessEnv): string | null {
  const candidates = program.includes("/")
    ? [path.resolve(program)]
    : (env.PATH ?? "").split(":").map((dir) => path.join(dir || ".", program));
  for (const candidate of candidates) {
    try {
      accessSync(candidate, constants.X_OK);
      return candidate;
    } catch {
      // not this one
    }
  }
  return null;
}

function elfOf(file: string, cache: Map<string, ElfInfo | null>): ElfInfo | null {
  if (cache.has(file)) return cache.get(file) ?? null;
  let elf: ElfInfo | null = null;
  try {
    elf = readElf(readFileSync(file));
  } catch {
    elf = null;
  }
  cache.set(file, elf);
  return elf;
}

/** addr2line over one object's addresses: file:line and function of the innermost (inlined) frame of each. */
function addr2line(
  object: string,
  addresses: number[],
): Map<number, { file: string | null; line: number | null; fn: string | null }> {
  const result = new Map<number, { file: string | null; line: number | null; fn: string | null }>();
  const hex = addresses.map((address) => `0x${address.toString(16)}`);
  const run = spawnSync("addr2line", ["-e", object, "-a", "-f", "-i", "-C", ...hex], {
    encoding: "utf8",
    timeout: 60_000,
  });
  if (run.error || run.status !== 0) return result;
  let current: number | null = null;
  let pendingFunction: string | null = null;
  for (const line of run.stdout.split("\n")) {
    if (/^0x[0-9a-f]+$/i.test(line)) {
      current = Number(BigInt(line));
      pendingFunction = null;
      continue;
    }
    if (current === null) continue;
    if (pendingFunction === null) {
      pendingFunction = line;
      continue;
    }
    if (!result.has(current)) {
      const match = /^(.*):(\d+|\?)(?: \(discriminator \d+\))?$/.exec(line);
      const file = match && match[1] !== "??" ? match[1] : null;
      const lineNumber = match && match[2] !== "?" ? Number(match[2]) : null;
      result.set(current, {
        file,
        line: lineNumber && lineNumber > 0 ? lineNumber : null,
        fn: pendingFunction === "??" ? null : pendingFunction,
      });
    }
    pendingFunction = null;
  }
  return result;
}

/** Resolves every call's site through DWARF, once per object and offset; notes say which objects could not be. */
export function resolveSites(calls: TraceCall[], cwd: string): { sites: TraceSite[]; notes: string[] } {
  const elfCache = new Map<string, ElfInfo | null>();
  const byObject = new Map<string, Map<number, number | null>>();
  const notes: string[] = [];
  const sites: TraceSite[] = [];
  const unresolved = new Map<string, string>();
  // Every frame's object and offset: the call itself, and the frames above it (callers of a wrapper).
  const primary = new Set<string>();
  for (const call of calls) {
    for (const frame of [call.caller, ...(call.callers ?? [])]) {
      const object = frameObject(frame);
      const offset = frameFileOffset(frame);
      if (object === null || offset === null) continue;
      if (frame === call.caller) primary.add(siteKey(object, offset));
      const offsets = byObject.get(object) ?? new Map<number, number | null>();
      if (!offsets.has(offset)) {
        const elf = elfOf(object, elfCache);
        offsets.set(offset, elf ? fileOffsetToVaddr(elf, offset) : null);
      }
      byObject.set(object, offsets);
    }
  }
  const haveAddr2line = !spawnSync("addr2line", ["--version"], { encoding: "utf8", timeout: 10_000 }).error;
  if (!haveAddr2line)
    notes.push("addr2line (GNU binutils) is not installed: calls are located by object and address only");
  for (const [object, offsets] of byObject) {
    const elf = elfOf(object, elfCache);
    const debug = elf !== null && hasDebugInfo(elf);
    const addresses = [...offsets.values()].filter((address): address is number => address !== null);
    const lines = haveAddr2line && addresses.length > 0 ? addr2line(object, addresses) : new Map();
    for (const [offset, address] of offsets) {
      const found = address === null ? undefined : lines.get(address);
      const site: TraceSite = {
        type: "site",
        object,
        fileOffset: `0x${offset.toString(16)}`,
        address: `0x${(address ?? offset).toString(16)}`,
        file: found?.file ? path.resolve(cwd, found.file) : null,
        line: found?.line ?? null,
        function: found?.fn ?? null,
      };
      if (site.line === null) {
        site.unresolved = !elf
          ? `${object} could not be read`
          : debug
            ? `${object} has debug info, but none for this address`
            : `${object} has no debug info (no .debug_info section: build with -g)`;
        // Only the call sites themselves are worth a note (_start or libc in a caller frame has no line, as expected).
        if (primary.has(siteKey(object, offset))) unresolved.set(object, site.unresolved);
      }
      sites.push(site);
    }
  }
  for (const reason of unresolved.values())
    notes.push(`${reason}: its calls are shown by address, without a source line`);
  return { sites, notes };
}

const FORWARDED_SIGNALS: NodeJS.Signals[] = ["SIGINT", "SIGTERM", "SIGHUP", "SIGQUIT", "SIGUSR1", "SIGUSR2"];

/** Runs the program with the shim; resolves with its exit code (128 + signal number when a signal ended it). */
function runProgram(
  command: string[],
  env: NodeJS.ProcessEnv,
  stdoutToStderr: boolean,
): Promise<{ exitCode: number | null; signal: NodeJS.Signals | null; spawnError: string | null }> {
  return new Promise((resolve) => {
    const child = spawn(command[0], command.slice(1), {
      stdio: ["inherit", stdoutToStderr ? process.stderr : "inherit", "inherit"],
      env,
    });
    const forward = (signal: NodeJS.Signals) => () => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
    };
    const handlers = FORWARDED_SIGNALS.map((signal) => [signal, forward(signal)] as const);
    for (const [signal, handler] of handlers) process.on(signal, handler);
    const done = (result: { exitCode: number | null; signal: NodeJS.Signals | null; spawnError: string | null }) => {
      for (const [signal, handler] of handlers) process.off(signal, handler);
      resolve(result);
    };
    child.once("error", (error) => done({ exitCode: null, signal: null, spawnError: error.message }));
    // "exit", not "close": a daemon the program leaves behind may keep the inherited stdio open forever.
    child.once("exit", (code, signal) => done({ exitCode: code, signal, spawnError: null }));
  });
}

/** `record --trace TRACE.jsonl`: a kept trace reported again (without the binary or binutils). */
function reportKeptTrace(
  tracePath: string,
  options: RecordOptions,
  reportOptions: { kernel: RecordOptions["kernel"]; pageSize: RecordOptions["pageSize"] },
  cwd: string,
  version: string,
  out: (text: string) => void,
): number {
  const traceFile = tracePath;
  let text: string;
  try {
    text = readFileSync(traceFile, "utf8");
  } catch (error) {
    throw new RecordError(
      `cannot read trace '${traceFile}': ${error instanceof Error ? error.message : String(error)}`,
    );
  }
  const trace = parseTrace(text);
  const lookup = siteLookup(trace.sites, cwd);
  // Notes for the call sites themselves, not for caller frames (_start, libc) that have no line anyway.
  const callSites = new Set(
    trace.calls.flatMap((call) => {
      const object = frameObject(call.caller);
      const offset = frameFileOffset(call.caller);
      return object !== null && offset !== null ? [siteKey(object, offset)] : [];
    }),
  );
  const notes = [
    ...new Set(
      trace.sites
        .filter((site) => site.unresolved && callSites.has(siteKey(site.object, Number(BigInt(site.fileOffset)))))
        .map((site) => `${site.unresolved}: its calls are shown by address`),
    ),
  ];
  const report = buildReport(trace, lookup, reportOptions, notes);
  emit(report, options, version, trace.run, out);
  return 0;
}

/** What the program's ELF header says before the run: refused when LD_PRELOAD cannot work, notes otherwise. */
function inspectProgram(program: string, resolved: string): { notes: string[]; noDebugInfo: boolean } {
  const elf = elfOf(resolved, new Map());
  const notes: string[] = [];
  let noDebugInfo = false;
  if (elf) {
    const obstacle = preloadObstacle(elf, os.arch());
    if (obstacle)
      throw new RecordError(
        `cannot record ${program}: ${obstacle}. Nothing was run and nothing could be recorded; link it dynamically (without -static) to record its calls`,
      );
    noDebugInfo = !hasDebugInfo(elf);
    if (noDebugInfo)
      notes.push(
        `${resolved} has no debug info (no .debug_info section): calls in it are located by address only; rebuild with -g for file:line`,
      );
  } else {
    notes.push(
      `${program} is not an ELF executable (a script?): the processes it starts are recorded when they are dynamically linked; statically linked ones are not`,
    );
  }

  return { notes, noDebugInfo };
}

export async function runRecord(
  argv: string[],
  out: (text: string) => void,
  _err: (text: string) => void,
  version: string,
): Promise<number> {
  const options = parseRecordArguments(argv);
  const cwd = process.cwd();
  const reportOptions = { kernel: options.kernel, pageSize: options.pageSize };
  if (options.trace !== null) return reportKeptTrace(options.trace, options, reportOptions, cwd, version, out);

  const env = { ...process.env };
  const [program] = options.command;
  const resolved = resolveProgram(program, env);
  if (resolved === null) throw new RecordError(`cannot run '${program}': not found or not executable`);
  const { notes, noDebugInfo } = inspectProgram(program, resolved);

  const shim = buildShim(env);
  const keep = options.out;
  const scratch = keep ? null : mkdtempSync(path.join(os.tmpdir(), "vmsplice-lens-record-"));
  const tracePath = keep ?? path.join(scratch ?? os.tmpdir(), "trace.jsonl");
  if (keep) {
    mkdirSync(path.dirname(keep), { recursive: true });
    writeFileSync(keep, "");
  }
  const start = new Date();
  try {
    const preload = [shim, env.LD_PRELOAD].filter(Boolean).join(":");
    const result = await runProgram(
      options.command,
      { ...env, LD_PRELOAD: preload, VMSPLICE_LENS_TRACE: tracePath },
      // A JSON or SARIF report owns standard output; the program's own output goes to standard error.
      options.format !== "text",
    );
    if (result.spawnError) throw new RecordError(`cannot run '${program}': ${result.spawnError}`);
    const signalNumber = result.signal ? (os.constants.signals[result.signal] ?? 0) : 0;
    const exitCode = result.exitCode ?? 128 + signalNumber;
    const text = existsSync(tracePath) ? readFileSync(tracePath, "utf8") : "";
    const trace = parseTrace(text);
    if (trace.processes.length === 0)
      notes.push(
        "no process loaded the recorder's shim (LD_PRELOAD was ignored or cleared: a setuid or statically linked program?): nothing was recorded",
      );
    const { sites, notes: siteNotes } = resolveSites(trace.calls, cwd);
    // The program's own missing debug info was said before the run.
    notes.push(...siteNotes.filter((note) => !(noDebugInfo && note.startsWith(`${resolved} has no debug info`))));
    const run: TraceRun = {
      type: "run",
      program: resolved,
      args: options.command.slice(1),
      start: start.toISOString(),
      exitCode: result.exitCode,
      signal: result.signal,
      kernelRelease: os.release(),
    };
    trace.sites = sites;
    trace.run = run;
    if (keep) appendFileSync(keep, [...sites, run].map((line) => JSON.stringify(line) + "\n").join(""));
    notes.push(
      `${program} ${result.signal ? `was killed by ${result.signal}` : `exited with status ${result.exitCode}`}; ${trace.processes.length} process${trace.processes.length === 1 ? "" : "es"} recorded${keep ? `; trace kept in ${displayPath(keep, cwd)}` : ""}`,
    );
    if (trace.calls.length > 0)
      notes.push(
        "a run cannot show whether the return value is checked or the buffer is written after the call: VMS-PARTIAL and the aliasing rules are check's to report",
      );
    const report = buildReport(trace, siteLookup(sites, cwd), reportOptions, notes);
    emit(report, options, version, run, out);
    return exitCode;
  } finally {
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  }
}

function emit(
  report: ReturnType<typeof buildReport>,
  options: RecordOptions,
  version: string,
  run: TraceRun | null,
  write: (text: string) => void,
): void {
  const reportOptions = { kernel: options.kernel, pageSize: options.pageSize };
  if (options.format === "json")
    write(JSON.stringify(formatRecordJson(report, reportOptions, version, run), null, 2) + "\n");
  else if (options.format === "sarif")
    write(JSON.stringify(formatRecordSarif(report, reportOptions, version, run), null, 2) + "\n");
  else write(formatRecordText(report, reportOptions));
}
