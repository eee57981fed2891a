/**
 * The `vmsplice-lens` command line: `check`, `explain`, `simulate` and `record` over the same engine as the language server.
 *
 * This is the only CLI module that touches the file system and the process; it reads files, walks directories, and
 * hands their text to the engine (engine/engine.ts), the same one the language server and the workspace scan use, with
 * the same limits. Exit codes: 0 no warning or error finding, 1 findings, 2 usage or I/O error.
 */
import { formatOption, kernelOption, pageSizeOption } from "./options";
import { existsSync, readFileSync, writeFileSync } from "node:fs";
import path from "node:path";
import { setFlagsFromString } from "node:v8";
import { KERNEL_MODELS, PAGE_SIZES } from "../analysis/facts";
import { DEFAULT_MAX_FILE_SIZE } from "../engine/engine";
import { loadLanguagesFor, newParser } from "../parsing/parser";
import { PROBE_WORDS, TreeScan } from "../project/tree-scan";
import { WalkCache } from "../project/walk-cache";
import { findRule, RULES } from "../rules";
import { plainText, ruleDocMarkdown, ruleDocTerminal } from "../docs/rule-docs";
import { formatJson, formatSarif, formatText, summarise, type FileReport } from "./check";
import { runSimulate } from "./simulate-entry";
import { writeJson } from "./json-stream";
import { parseShard, ShardDealer } from "./shard";
import { CheckSession, IoError, type SessionOptions } from "./check-session";
import { directoryExists, findProjectRoot } from "../project/project";
import { runPool } from "./check-pool";
import { MergeError, mergeSarif } from "./merge-sarif";
import { RECORD_USAGE, RecordError, RecordUsageError, runRecord } from "./record";
import packageJson from "../../../package.json";

export { CLI_REDUCE_ABOVE, describeSkip } from "./check-session";

const USAGE = `usage:
  vmsplice-lens check [--kernel ${KERNEL_MODELS.join("|")}] [--page-size ${PAGE_SIZES.join("|")}] [--format text|json|sarif] [--max-file-size BYTES]
                      [--project ROOT] [-I DIR]... [--compile-commands FILE] [--no-project]
                      [--index-dir DIR | --no-cache] [--shard I/N] [--jobs N] PATH...
  vmsplice-lens merge-sarif A.sarif B.sarif... -o OUT.sarif
  vmsplice-lens explain RULE-ID [--format text|markdown] | --list
  vmsplice-lens simulate FILE.c:LINE | SCENARIO.vmsim [--kernel K] [--page-size N] [--format text|json]
  vmsplice-lens simulate --trace TRACE.vmsplice-trace.jsonl FILE.c:LINE [--observation N] [--kernel K] [--page-size N] [--format text|json]
${RECORD_USAGE}`;

class UsageError extends Error {}

interface CheckOptions extends SessionOptions {
  paths: string[];
  /** --jobs N: worker threads for reading and analysing the files (1: all on the main thread; null: not given). */
  jobs: number | null;
}

/**
 * The worker threads of a run: --jobs, else one. Measured on this project's 2-core machine, two threads were not
 * faster on a one-project tree (each thread builds the project's index itself), so more threads are asked for, not
 * assumed.
 */
function jobsFor(options: CheckOptions): number {
  return options.jobs ?? 1;
}

function jobsOption(text: string): number {
  const jobs = /^\d+$/.test(text) ? Number(text) : NaN;
  if (!Number.isSafeInteger(jobs) || jobs < 1)
    throw new UsageError(`--jobs needs a whole number of worker threads, 1 or more (got '${text}')`);
  return jobs;
}

export function parseCheckArguments(argv: string[]): CheckOptions {
  const options: CheckOptions = {
    kernel: "rfc-v2",
    pageSize: 4096,
    format: "text",
    maxFileSize: DEFAULT_MAX_FILE_SIZE,
    paths: [],
    project: null,
    includePaths: [],
    compileCommands: null,
    singleFile: false,
    indexDir: null,
    cache: true,
    shard: null,
    jobs: null,
  };
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index];
    const [flag, inline] =
      argument.startsWith("--") && argument.includes("=")
        ? [argument.slice(0, argument.indexOf("=")), argument.slice(argument.indexOf("=") + 1)]
        : [argument, null];
    const value = () => {
      const next = inline ?? argv[++index];
      if (next === undefined) throw new UsageError(`option ${flag} needs a value`);
      return next;
    };
    if (argument.startsWith("-I")) {
      const dir = argument.length > 2 ? argument.slice(2) : argv[++index];
      if (dir === undefined) throw new UsageError("option -I needs a directory");
      options.includePaths.push(path.resolve(dir));
      continue;
    }
    switch (flag) {
      case "--project":
        options.project = path.resolve(value());
        break;
      case "--compile-commands":
        options.compileCommands = path.resolve(value());
        break;
      case "--no-project":
        options.singleFile = true;
        break;
      case "--index-dir":
        options.indexDir = path.resolve(value());
        break;
      case "--no-cache":
        options.cache = false;
        break;
      case "--jobs":
      case "-j":
        options.jobs = jobsOption(value());
        break;
      case "--shard":
        options.shard = parseShard(value(), (message) => new UsageError(message));
        break;
      case "--kernel":
        options.kernel = kernelOption(value(), (message) => new UsageError(message));
        break;
      case "--page-size":
        options.pageSize = pageSizeOption(value(), (message) => new UsageError(message));
        break;
      case "--format":
        options.format = formatOption(value(), (message) => new UsageError(message));
        break;
      case "--max-file-size": {
        const size = Number(value());
        if (!Number.isSafeInteger(size) || size <= 0)
          throw new UsageError(`--max-file-size needs a positive number of bytes`);
        options.maxFileSize = size;
        break;
      }
      default:
        if (argument.startsWith("-") && argument !== "-") throw new UsageError(`unknown option '${argument}'`);
        options.paths.push(argument);
    }
  }
  if (options.paths.length === 0) throw new UsageError("check needs at least one file or directory");
  return options;
}

/** The worker script of `check --jobs`: beside the bundle (dist/check-worker.js), or the source under tsx. */
function checkWorkerScript(): string {
  const here = typeof __dirname === "string" ? __dirname : process.cwd();
  const bundled = path.join(here, "check-worker.js");
  return existsSync(bundled) ? bundled : path.join(here, "check-worker.ts");
}

async function runCheck(argv: string[], out: (text: string) => void, err: (text: string) => void): Promise<number> {
  const options = parseCheckArguments(argv);
  const jobs = jobsFor(options);
  // Files to analyse: every named file, and the C and C++ files under every named directory (sorted, recursive), found
  // by one walk that also reads every file once on a single thread (worker threads read their own).
  const walkCache = jobs === 1 ? walkCacheFor(options) : null;
  const scan = new TreeScan(options.maxFileSize, jobs === 1, walkCache);
  const files = scan.walk(options.paths, (item) => new IoError(`cannot read '${item}': no such file or directory`));
  let reports: FileReport[];
  let cacheFailures: string[];
  if (jobs > 1 && files.length > 1)
    ({ reports, cacheFailures } = await runPool(files, options, jobs, checkWorkerScript(), packageJson.version));
  else ({ reports, cacheFailures } = await runSingle(files, options, scan));
  walkCache?.save();
  if (walkCache?.failure) cacheFailures.push(walkCache.failure);
  for (const failure of cacheFailures) err(`vmsplice-lens: note: ${failure} (results are not cached)\n`);
  if (options.format === "json")
    writeJson(formatJson(reports, options.kernel, options.pageSize, packageJson.version), out);
  else if (options.format === "sarif")
    writeJson(formatSarif(reports, options.kernel, options.pageSize, packageJson.version), out);
  else out(formatText(reports, options.kernel, options.pageSize));
  const summary = summarise(reports);
  return summary.errors + summary.warnings > 0 ? 1 : 0;
}

/**
 * The walk cache of a single-thread run over a directory (walk-cache.ts), in the index directory: --index-dir, else
 * the summary cache's folder of the first path's project. None with --no-cache. It holds nothing of the files' contents but whether they
 * mention the probe words, so it is shared by every kernel model and option.
 */
function walkCacheFor(options: CheckOptions): WalkCache | null {
  // Files named one by one (an editor's or a hook's run) are read anyway: a cache per list of them would only pile up.
  if (!options.cache || !options.paths.some((item) => directoryExists(item))) return null;
  const root = options.project ?? findProjectRoot(options.paths[0]);
  const dir = options.indexDir ?? path.join(root, ".cache", "vmsplice-lens");
  return WalkCache.forWalk(dir, options.paths, PROBE_WORDS);
}

/** Thrown by the first pass's parser factory: some file needs a parse, so the grammar must be loaded first. */
class GrammarNeeded extends Error {}

/**
 * `check --jobs 1`: every file on this thread, in order. The grammar (web-tree-sitter's wasm) is loaded only when some
 * file needs a parse: a first pass runs without it, with a parser factory that notes the need and throws. Once it has
 * been asked (even where a caller swallowed the throw), that pass is discarded whole and the run starts again with the
 * grammar loaded and a new session, so its reports are those of a run that loaded the grammar first. A run whose files
 * all fail the byte-level pre-filter (a file without any relevant name) never loads it.
 */
async function runSingle(files: string[], options: CheckOptions, scan: TreeScan) {
  let needed = false;
  const lazy = () => {
    needed = true;
    throw new GrammarNeeded("the grammar is not loaded in the first pass");
  };
  try {
    const first = runSession(files, options, scan, lazy);
    if (!needed) return first;
  } catch (error) {
    if (!needed && !(error instanceof GrammarNeeded)) throw error;
  }
  await loadLanguagesFor(files);
  return runSession(files, options, scan, newParser);
}

/** One pass of runSingle over every file, with a new session whose parsers come from `createParser`. */
function runSession(
  files: string[],
  options: CheckOptions,
  scan: TreeScan,
  createParser: ConstructorParameters<typeof CheckSession>[4],
) {
  const session = new CheckSession(options, packageJson.version, scan, scan, createParser);
  const dealer = new ShardDealer(options.shard);
  const reports: FileReport[] = [];
  try {
    for (const file of files) {
      const classified = session.classify(file);
      if (classified.kind === "other") {
        if (dealer.other()) reports.push(classified.report);
      } else if (dealer.candidate()) reports.push(session.analyse(file, classified.bytes));
    }
    return { reports, cacheFailures: session.flushCaches().map((failure) => failure.failure) };
  } finally {
    session.dispose();
  }
}

/** `merge-sarif A.sarif B.sarif… -o OUT.sarif` (cli/merge-sarif.ts); `-o -` or no -o writes to stdout. */
function runMergeSarif(argv: string[], out: (text: string) => void): number {
  let output: string | null = null;
  const inputs: string[] = [];
  for (let index = 0; index < argv.length; index++) {
    if (argv[index] === "-o" || argv[index] === "--output") {
      output = argv[++index] ?? null;
      if (output === null) throw new UsageError("option -o needs a file");
    } else if (argv[index].startsWith("-") && argv[index] !== "-")
      throw new UsageError(`unknown option '${argv[index]}'`);
    else inputs.push(argv[index]);
  }
  if (inputs.length === 0) throw new UsageError("merge-sarif needs at least one SARIF file");
  const logs = inputs.map((file) => {
    try {
      return JSON.parse(readFileSync(file, "utf8")) as unknown;
    } catch (error) {
      throw new IoError(`cannot read '${file}' as JSON: ${error instanceof Error ? error.message : String(error)}`);
    }
  });
  let merged: object;
  try {
    merged = mergeSarif(logs);
  } catch (error) {
    if (error instanceof MergeError) throw new IoError(error.message);
    throw error;
  }
  if (output === null || output === "-") writeJson(merged, out);
  else {
    const chunks: string[] = [];
    writeJson(merged, (text) => chunks.push(text));
    writeFileSync(output, chunks.join(""));
  }
  return 0;
}

/**
 * `explain RULE-ID [--format text|markdown]`: the rule's page, for a terminal by default (wrapped, no markdown syntax,
 * headings in bold only when stdout is a terminal and NO_COLOR is unset), or as the markdown the extension ships.
 */
function runExplain(argv: string[], out: (text: string) => void): number {
  let format = "text";
  const rest: string[] = [];
  for (let index = 0; index < argv.length; index++) {
    const argument = argv[index];
    if (argument === "--format" || argument.startsWith("--format=")) {
      format = argument.includes("=") ? argument.slice(argument.indexOf("=") + 1) : (argv[++index] ?? "");
      if (format !== "text" && format !== "markdown")
        throw new UsageError(`unknown format '${format}' for explain (expected text or markdown)`);
    } else rest.push(argument);
  }
  if (rest[0] === "--list" || rest.length === 0) {
    for (const record of RULES)
      out(`${record.id.padEnd(26)} ${record.severity.padEnd(8)} ${plainText(record.title)}\n`);
    return 0;
  }
  const record = findRule(rest[0].toUpperCase());
  if (!record) throw new UsageError(`unknown rule id '${rest[0]}' (try 'vmsplice-lens explain --list')`);
  if (format === "markdown") out(ruleDocMarkdown(record, packageJson.version));
  else {
    const color = process.stdout.isTTY === true && !process.env.NO_COLOR;
    out(ruleDocTerminal(record, packageJson.version, { width: process.stdout.columns ?? 80, color }));
  }
  return 0;
}

export async function main(argv: string[], out: (text: string) => void, err: (text: string) => void): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case "check":
        return await runCheck(rest, out, err);
      case "merge-sarif":
        return runMergeSarif(rest, out);
      case "explain":
        return runExplain(rest, out);
      case "simulate": {
        return await runSimulate(rest, out, err);
      }
      case "record":
        return await runRecord(rest, out, err, packageJson.version);
      case "--version":
      case "-v":
        out(`${packageJson.version}\n`);
        return 0;
      case "--help":
      case "-h":
      case "help":
        out(USAGE + "\n");
        return 0;
      default:
        throw new UsageError(command ? `unknown command '${command}'` : "missing command");
    }
  } catch (error) {
    if (error instanceof UsageError || error instanceof RecordUsageError) {
      err(`vmsplice-lens: ${error.message}\n${USAGE}\n`);
      return 2;
    }
    if (error instanceof IoError || error instanceof RecordError) {
      err(`vmsplice-lens: ${error.message}\n`);
      return 2;
    }
    err(`vmsplice-lens: internal error: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    return 2;
  }
}

/**
 * A closed reader (`vmsplice-lens check … | head`) is not an error of ours: the output is no longer wanted, so the
 * process ends quietly with status 0 instead of dying with an EPIPE stack trace. Other stream errors still surface.
 */
export function exitQuietlyOnEpipe(stream: NodeJS.WritableStream, exit: (code: number) => void): void {
  stream.on("error", (error: NodeJS.ErrnoException) => {
    if (error.code === "EPIPE") exit(0);
    else throw error;
  });
}

/**
 * How much a WebAssembly function runs before V8 compiles it again with its optimising compiler (V8's default is
 * 1,800,000, "roughly bytes executed"). The grammar's lexer and parse-table functions are large: optimising them cost
 * the CLI about 150 ms of CPU per process, more than a reduced parse of a sqlite3.c-sized file takes (issue 12), while a
 * full parse of that file runs long enough to cross this budget too and takes the same time (measured with the bench's
 * parse process: about 1.9 s of CPU with this budget, 2.0 s with the default). Set before any wasm is compiled; it is
 * process-wide, so the `--jobs` worker threads have it as well.
 */
export const WASM_TIERING_BUDGET = 400_000_000;

if (require.main === module) {
  setFlagsFromString(`--wasm-tiering-budget=${WASM_TIERING_BUDGET}`);
  exitQuietlyOnEpipe(process.stdout, (code) => process.exit(code));
  exitQuietlyOnEpipe(process.stderr, (code) => process.exit(code));
  main(
    process.argv.slice(2),
    (text) => process.stdout.write(text),
    (text) => process.stderr.write(text),
  ).then((code) => {
    process.exitCode = code;
  });
}
