/**
 * The `vmsplice-lens` command line: `check`, `explain`, `simulate` and `record` over the same engine as the language server.
 *
 * This is the only CLI module that touches the file system and the process; it reads files, walks directories, and
 * hands their text to the engine (engine/engine.ts), the same one the language server and the workspace scan use, with
 * the same limits. Exit codes: 0 no warning or error finding, 1 findings, 2 usage or I/O error.
 */
import { formatOption, kernelOption, pageSizeOption } from "./options";
import { readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import type { FileAnalysis } from "../analysis/analyze";
import { KERNEL_MODELS, PAGE_SIZES, type KernelModel, type PageSize } from "../analysis/facts";
import { DEFAULT_MAX_FILE_SIZE, Engine, skipReason, type EngineAnalysis, type SkipReason } from "../engine/engine";
import { diskFs, findProjectRoot, Project, searchWords, readUnitHeaders, type UnitHeaders } from "../project/project";
import { decodeSource } from "../engine/source-text";
import { isSourceName, loadLanguagesFor, newParser } from "../parsing/parser";
import { findRule, RULES } from "../rules";
import { plainText, ruleDocMarkdown, ruleDocTerminal } from "../docs/rule-docs";
import { formatJson, formatSarif, formatText, summarise, type FileReport } from "./check";
import { runSimulate } from "./simulate-entry";
import { writeJson } from "./json-stream";
import { parseShard, ShardDealer, type Shard } from "./shard";
import { MergeError, mergeSarif } from "./merge-sarif";
import { DiskSummaryCache } from "../project/summary-cache";
import { RECORD_USAGE, RecordError, RecordUsageError, runRecord } from "./record";
import packageJson from "../../../package.json";

const USAGE = `usage:
  vmsplice-lens check [--kernel ${KERNEL_MODELS.join("|")}] [--page-size ${PAGE_SIZES.join("|")}] [--format text|json|sarif] [--max-file-size BYTES]
                      [--project ROOT] [-I DIR]... [--compile-commands FILE] [--no-project]
                      [--index-dir DIR | --no-cache] [--shard I/N] PATH...
  vmsplice-lens merge-sarif A.sarif B.sarif... -o OUT.sarif
  vmsplice-lens explain RULE-ID [--format text|markdown] | --list
  vmsplice-lens simulate FILE.c:LINE | SCENARIO.vmsim [--kernel K] [--page-size N] [--format text|json]
  vmsplice-lens simulate --trace TRACE.vmsplice-trace.jsonl FILE.c:LINE [--observation N] [--kernel K] [--page-size N] [--format text|json]
${RECORD_USAGE}`;

class UsageError extends Error {}

interface CheckOptions {
  kernel: KernelModel;
  pageSize: PageSize;
  format: "text" | "json" | "sarif";
  maxFileSize: number;
  paths: string[];
  /** --project: the root for every path (default: the nearest ancestor with a root marker). */
  project: string | null;
  /** -I DIR, in order. */
  includePaths: string[];
  /** --compile-commands: the compile database to use. */
  compileCommands: string | null;
  /** --no-project: read each file alone, as before project support (the A/B baseline). */
  singleFile: boolean;
  /** --index-dir: where summaries are cached (default: ROOT/.cache/vmsplice-lens); null with --no-cache. */
  indexDir: string | null;
  cache: boolean;
  /** --shard I/N: this run's share of the files (1-based I). */
  shard: Shard | null;
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

/** Files to analyse: every named file, and the .c/.h files under every named directory (sorted, recursive). */
function collectFiles(paths: string[]): string[] {
  const files: string[] = [];
  const visit = (directory: string) => {
    const entries = readdirSync(directory, { withFileTypes: true }).sort((left, right) =>
      left.name.localeCompare(right.name),
    );
    for (const entry of entries) {
      if (entry.name === "node_modules" || entry.name.startsWith(".")) continue;
      const full = path.join(directory, entry.name);
      if (entry.isDirectory()) visit(full);
      else if (entry.isFile() && isSourceName(entry.name)) files.push(full);
    }
  };
  for (const item of paths) {
    let stats;
    try {
      stats = statSync(item);
    } catch {
      throw new IoError(`cannot read '${item}': no such file or directory`);
    }
    if (stats.isDirectory()) visit(item);
    else files.push(item);
  }
  return files;
}

class IoError extends Error {}

/** What the project could not resolve, said where it can matter: in a file with a call whose verdict is unknown. */
function projectNotes(result: EngineAnalysis, headers: UnitHeaders | null): string[] {
  if (!headers || !result.calls.some((call) => call.verdict === "unknown")) return [];
  const notes = headers.limits.map((limit) => `project: ${limit}`);
  if (headers.unresolved.length > 0)
    notes.push(
      `project: #include not found: ${headers.unresolved.join(", ")} (-I DIR, --project ROOT or a compile_commands.json would resolve it)`,
    );
  return notes;
}

/** The CLI's words for an engine skip reason (naming the option that sets the limit). */
export function describeSkip(skip: SkipReason): string {
  if (skip.kind === "too-large")
    return `file is ${skip.byteLength} bytes, over the ${skip.limit}-byte limit (--max-file-size)`;
  return "binary file (contains NUL bytes)";
}

/**
 * C texts of at least this many characters are analysed from a reduced parse (issue 12, "parse what matters"). Below it
 * a whole parse takes a few milliseconds, less than a process start, and the lexer pass and extra rounds would not pay.
 */
export const CLI_REDUCE_ABOVE = 64 * 1024;

/** The projects of a run, one per root, each with its summary cache (unless --no-cache). */
function projectsFor(options: CheckOptions) {
  const projects = new Map<string, Project>();
  const caches: DiskSummaryCache[] = [];
  const markers = new Map<string, string | null>();
  const projectOf = (file: string): Project => {
    const root = options.project ?? findProjectRoot(path.dirname(path.resolve(file)), diskFs, markers);
    let project = projects.get(root);
    if (!project) {
      let summaryCache: DiskSummaryCache | undefined;
      if (options.cache) {
        summaryCache = new DiskSummaryCache(options.indexDir ?? path.join(root, ".cache", "vmsplice-lens"));
        caches.push(summaryCache);
      }
      project = new Project(root, newParser, {
        includePaths: options.includePaths,
        compileDatabase: options.compileCommands ?? undefined,
        summaryCache,
        version: packageJson.version,
        // The project's summary of a large file comes from reduced parses too (engine/reduced-summary.ts).
        reduceAbove: CLI_REDUCE_ABOVE,
      });
      projects.set(root, project);
    }
    return project;
  };
  return { projects, caches, projectOf };
}

const EMPTY: FileAnalysis = { calls: [], findings: [], notes: [] };

/** Reads a file's bytes, or the report of a file too large to read. */
function readChecked(file: string, maxFileSize: number): Buffer | FileReport {
  try {
    // The engine's size limit, applied to the size on disk so a huge file is never read (see decodeSource).
    const tooLarge = skipReason(statSync(file).size, 0, maxFileSize);
    if (tooLarge) return { path: file, analysis: EMPTY, skipped: describeSkip(tooLarge) };
    return readFileSync(file);
  } catch (error) {
    throw new IoError(
      `cannot read '${file}': ${error instanceof Error ? error.message.replace(/^[A-Z]+: /, "") : String(error)}`,
    );
  }
}

async function runCheck(argv: string[], out: (text: string) => void, err: (text: string) => void): Promise<number> {
  const options = parseCheckArguments(argv);
  const files = collectFiles(options.paths);
  await loadLanguagesFor(files);
  // Large C files are parsed only where their vmsplice calls and what those read are (engine/regions.ts).
  const engine = new Engine(newParser, false, CLI_REDUCE_ABOVE);
  const { projects, caches, projectOf } = projectsFor(options);
  const dealer = new ShardDealer(options.shard);
  const reports: FileReport[] = [];
  const engineOptions = { kernel: options.kernel, pageSize: options.pageSize, maxFileSize: options.maxFileSize };
  try {
    for (const file of files) {
      const bytes = readChecked(file, options.maxFileSize);
      if (!Buffer.isBuffer(bytes)) {
        if (dealer.other()) reports.push(bytes);
        continue;
      }
      // The byte-level pre-filter: a text file that names neither "splice" nor a word of its project that leads to
      // vmsplice has nothing to analyse; it is not decoded (the engine would find nothing in it either).
      const project = options.singleFile ? null : projectOf(file);
      const words = project ? searchWords(["splice", ...project.triggerWords()]) : ["splice"];
      if (!bytes.includes(0) && !words.some((word) => bytes.includes(word))) {
        if (dealer.other()) reports.push({ path: file, analysis: EMPTY });
        continue;
      }
      if (!dealer.candidate()) continue;
      // Suppression comments (`// vmsplice-lens: ignore VMS-ID -- reason`) apply exactly as in the editor.
      const text = decodeSource(bytes);
      engine.setText(file, text);
      const headers = project ? readUnitHeaders(engine, file, file, text, project) : null;
      const result = engine.analysis(file, engineOptions);
      engine.close(file);
      if (result.skipped) reports.push({ path: file, analysis: EMPTY, skipped: describeSkip(result.skipped) });
      else
        reports.push({
          path: file,
          analysis: { ...result, notes: [...result.notes, ...projectNotes(result, headers)] },
        });
    }
  } finally {
    engine.dispose();
    for (const project of projects.values()) project.dispose();
  }
  for (const cache of caches)
    if (cache.failure) err(`vmsplice-lens: note: ${cache.failure} (results are not cached)\n`);
  if (options.format === "json")
    writeJson(formatJson(reports, options.kernel, options.pageSize, packageJson.version), out);
  else if (options.format === "sarif")
    writeJson(formatSarif(reports, options.kernel, options.pageSize, packageJson.version), out);
  else out(formatText(reports, options.kernel, options.pageSize));
  const summary = summarise(reports);
  return summary.errors + summary.warnings > 0 ? 1 : 0;
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

if (require.main === module) {
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
