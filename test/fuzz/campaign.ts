/**
 * A fuzzing campaign: inputs from the corpus (samples/**\/*.c, test/fixtures/**\/*.c), each iteration either mutated
 * (robustness: no crash, no hang, no move with a missing fact) or rewritten in a verdict-neutral way (soundness: the same
 * verdicts, page outcomes and rule ids). Every iteration has its own seed derived from the campaign seed, so
 * `--seed S --only I` replays iteration I alone. Failures are grouped into classes by a key that names what failed and
 * how; the first input of each class is saved (and, on request, minimised) for a human to turn into a regression test.
 * Used by scripts/fuzz.ts (`npm run fuzz`) and by the seeded smoke test in test/unit/fuzz-smoke.test.ts.
 */
import { mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { createHash } from "node:crypto";
import type { Parser, Tree } from "web-tree-sitter";
import { createCParser } from "../../server/src/parsing/parser";
import { ruleDelta, type Difference, type Violation } from "./check";
import type { JobRequest, TextOutcome } from "./job";
import { FINDINGS_DIR, KNOWN_FAILURE_CLASSES, type KnownFailureClass, type Reproducer } from "./known-failures";
import { minimise, type Pair } from "./minimise";
import { buildDictionary, MUTATORS, type Mutator } from "./mutations";
import { WorkerPool, type PoolAnswer } from "./pool";
import { iterationSeed, Rng } from "./random";
import { REWRITERS } from "./rewrites";
import { errorCount, tokens } from "./syntax";

export const ROOT = path.resolve(__dirname, "..", "..");

/** Largest input a mutation may produce. */
export const MAX_INPUT_CHARS = 2_000_000;

export interface CampaignOptions {
  count: number;
  seed: number;
  /** Replay only these iterations (for reproducing a failure). */
  only?: number[];
  /** Time budget of one analysis step (parse, extractFacts, judgeCalls under one model and page size), in milliseconds. */
  timeoutMs: number;
  jobs: number;
  /** Share of iterations that are neutral rewrites (the rest are mutations). */
  rewriteShare: number;
  /** Directory for saved failing inputs, or null to save nothing. */
  saveDir: string | null;
  /** Minimise the first input of at most this many failure classes (0: none). */
  minimiseClasses: number;
  /** Largest nesting depth and number of copied calls a mutation makes (5000 by default). */
  maxScale: number;
  /** Progress lines (null: quiet). */
  log: ((line: string) => void) | null;
}

export const DEFAULT_OPTIONS: CampaignOptions = {
  count: 1000,
  seed: 1,
  timeoutMs: 5_000,
  jobs: 1,
  rewriteShare: 0.4,
  saveDir: null,
  minimiseClasses: 0,
  maxScale: 5000,
  log: null,
};

export type FailureKind = "crash" | "internal-error" | "hang" | "invariant" | "neutral";

export interface Failure {
  kind: FailureKind;
  /** The class: failures with the same key are taken to have the same cause. */
  key: string;
  iteration: number;
  /** Corpus file the input came from (relative to the repository root). */
  source: string;
  /** What was done to the corpus file. */
  description: string;
  /** What went wrong, in one or a few lines. */
  detail: string;
  text: string;
  rewritten?: string;
}

export interface FailureClass {
  key: string;
  kind: FailureKind;
  count: number;
  first: Failure;
  /** Where the first input (and its minimised form) were saved. */
  saved: string[];
  minimised: Pair | null;
  /** The first iterations of the class (at most 20), for `--only`. */
  iterations: number[];
}

export interface CampaignReport {
  inputs: number;
  mutated: number;
  rewrites: number;
  crashes: number;
  internalErrors: number;
  hangs: number;
  violations: number;
  neutralChanges: number;
  seconds: number;
  classes: FailureClass[];
  /** Inputs per mutator and per rewrite kind (an input made by two mutators counts for both). */
  made: Record<string, number>;
  summary: string;
}

interface CorpusFile {
  file: string;
  text: string;
  tree: Tree;
}

function listC(dir: string): string[] {
  if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory()) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? listC(path.join(dir, entry.name))
      : entry.name.endsWith(".c")
        ? [path.join(dir, entry.name)]
        : [],
  );
}

export function corpusFiles(): string[] {
  return [...listC(path.join(ROOT, "samples")), ...listC(path.join(ROOT, "test", "fixtures"))]
    .map((file) => path.relative(ROOT, file))
    .sort();
}

export interface FuzzInput {
  iteration: number;
  source: string;
  family: "mutation" | "rewrite";
  /** Mutator names or the rewrite kind and detail. */
  tags: string[];
  description: string;
  text: string;
  rewritten?: string;
}

export class Generator {
  private readonly dictionary: Map<string, string[]>;

  constructor(
    private readonly parser: Parser,
    private readonly corpus: CorpusFile[],
    private readonly options: CampaignOptions,
  ) {
    this.dictionary = buildDictionary(corpus);
  }

  generate(iteration: number): FuzzInput {
    const rng = new Rng(iterationSeed(this.options.seed, iteration));
    const source = rng.pick(this.corpus);
    if (rng.chance(this.options.rewriteShare)) {
      const rewrite = this.rewrite(source, rng);
      if (rewrite) return { iteration, ...rewrite };
    }
    return { iteration, ...this.mutate(source, rng) };
  }

  private rewrite(source: CorpusFile, rng: Rng): Omit<FuzzInput, "iteration"> | null {
    const errorsBefore = errorCount(source.tree);
    for (let attempt = 0; attempt < 8; attempt++) {
      const rewriter = rng.weighted(REWRITERS.map((entry) => [entry.weight, entry] as const));
      const rewrite = rewriter.apply({ text: source.text, tree: source.tree, rng });
      if (!rewrite || rewrite.text === source.text) continue;
      const tree = this.parser.parse(rewrite.text);
      const sameRecovery = tree !== null && errorCount(tree) === errorsBefore;
      tree?.delete();
      if (!sameRecovery) continue;
      return {
        source: source.file,
        family: "rewrite",
        tags: [rewrite.kind, rewrite.detail],
        description: rewrite.description,
        text: source.text,
        rewritten: rewrite.text,
      };
    }
    return null;
  }

  private mutate(source: CorpusFile, rng: Rng): Omit<FuzzInput, "iteration"> {
    const steps = rng.weighted([[6, 1] as const, [3, 2], [1, 3]]);
    let text = source.text;
    let tree: Tree | null = source.tree;
    const tags: string[] = [];
    const descriptions: string[] = [];
    for (let step = 0; step < steps; step++) {
      if (!tree) tree = this.parser.parse(text);
      if (!tree) break;
      let applied = false;
      for (let attempt = 0; attempt < 6 && !applied; attempt++) {
        const mutator: Mutator = rng.weighted(MUTATORS.map((entry) => [entry.weight, entry] as const));
        const mutation = mutator.apply({
          text,
          tree,
          tokens: tokens(tree, text),
          rng,
          dictionary: this.dictionary,
          maxScale: this.options.maxScale,
        });
        // Inputs of megabytes measure throughput (tree-sitter parses about 1.5 MB/s), not robustness.
        if (!mutation || mutation.text.length > MAX_INPUT_CHARS) continue;
        text = mutation.text;
        tags.push(mutator.name);
        descriptions.push(mutation.description);
        applied = true;
      }
      if (tree !== source.tree) tree.delete();
      tree = null;
    }
    return { source: source.file, family: "mutation", tags, description: descriptions.join("; "), text };
  }
}

function normaliseMessage(message: string): string {
  return message
    .split("\n")[0]
    .replace(/\d+/g, "N")
    .replace(/"[^"]*"|'[^']*'|`[^`]*`/g, "_")
    .slice(0, 120);
}

/** Shapes of the analyzer's "missing" sentences, with the program's own text (names, expressions) left out. */
const MISSING_SHAPES: readonly [RegExp, string][] = [
  [/^length of /, "length of _"],
  [/^buffer behind /, "buffer behind _"],
  [/^offset of .* in its buffer/, "offset of _ in its buffer"],
  [/^alignment of /, "alignment of _"],
  [/^memory kind of /, "memory kind of _"],
  [/^whether .* is written before the call/, "whether _ is written before the call"],
  [/^number of iovecs filled by the loop/, "number of iovecs filled by the loop"],
  [/^nr_segs is \d+ but only \d+ iovec entries/, "nr_segs is N but only M iovec entries are filled"],
  [/^nr_segs /, "nr_segs"],
];

/** The kind of fact a "missing" sentence names, without the program's own names (for failure keys). */
export function missingKind(missing: string): string {
  for (const [shape, kind] of MISSING_SHAPES) if (shape.test(missing)) return kind;
  return missing.split(/ \(|:/)[0].replace(/\d+/g, "N").trim().slice(0, 60);
}

function crashFrame(stack: string): string {
  const frame = stack.split("\n").find((line) => line.includes("server/src/"));
  const match = frame?.match(/server\/src\/[^:)]+/);
  return match ? match[0] : "outside server/src";
}

function violationKey(violation: Violation): string {
  const family = violation.combo.startsWith("rfc-v2") ? "rfc-v2" : "mainline";
  const kinds = [...new Set(violation.missing.map(missingKind))].sort().join("; ");
  return `invariant ${violation.check} (${family})${kinds ? `: ${kinds}` : ""}`;
}

function differenceSummary(difference: Difference): string {
  if (difference.field === "calls") return "number of calls";
  if (difference.field.endsWith("rules") || difference.field === "rules")
    return `${difference.field} ${ruleDelta(difference.before, difference.after)}`;
  if (difference.field.endsWith("pages")) return difference.field.replace(/\d+/, "N");
  return `${difference.field.replace(/\d+/, "N")} ${difference.before}→${difference.after}`;
}

/** What made a heavy input heavy, for hang keys: deep nesting and thousands of calls hang for different reasons. */
function heavyShape(tags: string[]): string {
  if (tags.includes("deep-nesting")) return " (deep nesting)";
  if (tags.includes("many-calls")) return " (many calls)";
  return "";
}

/** Classifies one analysed input: every failure it shows (an input can fail in several ways). */
export function classify(generated: FuzzInput, answer: PoolAnswer): Failure[] {
  const base = {
    iteration: generated.iteration,
    source: generated.source,
    description: generated.description,
    text: generated.text,
    ...(generated.rewritten !== undefined ? { rewritten: generated.rewritten } : {}),
  };
  if (answer.kind === "hang")
    return [
      {
        ...base,
        kind: "hang",
        key: `hang in ${answer.step.replace(/^(original|rewritten): /, "").replace(/ .*/, "")}${heavyShape(generated.tags)}`,
        detail: `${answer.step} did not finish within ${answer.ms} ms (input made by ${generated.tags.join(" + ")})`,
      },
    ];
  if (answer.kind === "died")
    return [
      {
        ...base,
        kind: "crash",
        key: `crash: worker died: ${normaliseMessage(answer.message)}`,
        detail: answer.message,
      },
    ];
  const failures: Failure[] = [];
  const outcomes: [string, TextOutcome | null][] = [
    ["original", answer.result.original],
    ["rewritten", answer.result.rewritten],
  ];
  for (const [which, outcome] of outcomes) {
    if (!outcome) continue;
    // Faults of an unmodified corpus file show up in every rewrite of it: reported once, under the mutation family.
    if (which === "original" && generated.family === "rewrite") continue;
    if (outcome.crash)
      failures.push({
        ...base,
        kind: "crash",
        key: `crash: ${normaliseMessage(outcome.crash.message)} at ${crashFrame(outcome.crash.stack)}`,
        detail: outcome.crash.stack.split("\n").slice(0, 6).join("\n"),
      });
    for (const error of outcome.internalErrors.slice(0, 1))
      failures.push({
        ...base,
        kind: "internal-error",
        key: `internal-error (${error.where}): ${normaliseMessage(error.message)}`,
        detail: `${error.line ? `line ${error.line}: ` : ""}${error.message}`,
      });
    const byKey = new Map<string, Violation>();
    for (const violation of outcome.violations)
      if (!byKey.has(violationKey(violation))) byKey.set(violationKey(violation), violation);
    for (const [key, violation] of byKey)
      failures.push({
        ...base,
        kind: "invariant",
        key,
        detail: `${violation.combo} call ${violation.call} (line ${violation.line}): ${violation.detail}: ${violation.missing.join("; ")}`,
      });
  }
  const differences = answer.result.differences;
  if (differences.length > 0) {
    const main = differences.find((difference) => difference.combo === "rfc-v2@4096") ?? differences[0];
    failures.push({
      ...base,
      kind: "neutral",
      key: `neutral ${generated.tags.join(" ")}: ${differenceSummary(main)}`,
      detail: differences
        .slice(0, 6)
        .map(
          (difference) =>
            `${difference.combo} call ${difference.call}: ${difference.field} ${JSON.stringify(difference.before)} → ${JSON.stringify(difference.after)}`,
        )
        .join("\n"),
    });
  }
  return failures;
}

export function slug(key: string): string {
  const hash = createHash("sha1").update(key).digest("hex").slice(0, 8);
  return `${key
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-|-$/g, "")
    .slice(0, 60)}-${hash}`;
}

function save(dir: string, name: string, failure: Failure, minimised: Pair | null): string[] {
  mkdirSync(dir, { recursive: true });
  const written: string[] = [];
  const write = (file: string, content: string) => {
    writeFileSync(path.join(dir, file), content);
    written.push(path.join(dir, file));
  };
  write(`${name}.c`, failure.text);
  if (failure.rewritten !== undefined) write(`${name}.rewritten.c`, failure.rewritten);
  if (minimised) {
    write(`${name}.min.c`, minimised.original);
    if (minimised.rewritten !== undefined) write(`${name}.min.rewritten.c`, minimised.rewritten);
  }
  const { text: _text, rewritten: _rewritten, ...meta } = failure;
  write(`${name}.json`, JSON.stringify(meta, null, 2) + "\n");
  return written;
}

function plural(count: number, word: string, many = `${word}s`): string {
  return `${count} ${count === 1 ? word : many}`;
}

export async function runCampaign(partial: Partial<CampaignOptions> = {}): Promise<CampaignReport> {
  const options: CampaignOptions = { ...DEFAULT_OPTIONS, ...partial };
  const started = Date.now();
  const parser = await createCParser();
  const corpus: CorpusFile[] = corpusFiles().map((file) => {
    const text = readFileSync(path.join(ROOT, file), "utf8");
    const tree = parser.parse(text);
    if (!tree) throw new Error(`tree-sitter returned no tree for ${file}`);
    return { file, text, tree };
  });
  const generator = new Generator(parser, corpus, options);
  const pool = new WorkerPool(options.jobs, options.timeoutMs);
  const classes = new Map<string, FailureClass>();
  const counts = {
    inputs: 0,
    mutated: 0,
    rewrites: 0,
    crashes: 0,
    internalErrors: 0,
    hangs: 0,
    violations: 0,
    neutralChanges: 0,
  };
  const iterations = options.only ?? Array.from({ length: options.count }, (_, index) => index);
  let nextLog = Date.now() + 10_000;

  const made: Record<string, number> = {};
  const record = (generated: FuzzInput, answer: PoolAnswer) => {
    counts.inputs++;
    const madeBy = generated.family === "rewrite" ? [`rewrite ${generated.tags[0]}`] : [...new Set(generated.tags)];
    for (const tag of madeBy) made[tag] = (made[tag] ?? 0) + 1;
    if (generated.family === "mutation") counts.mutated++;
    else counts.rewrites++;
    const failures = classify(generated, answer);
    const kinds = new Set(failures.map((failure) => failure.kind));
    if (kinds.has("crash")) counts.crashes++;
    if (kinds.has("internal-error")) counts.internalErrors++;
    if (kinds.has("hang")) counts.hangs++;
    if (kinds.has("invariant")) counts.violations++;
    if (kinds.has("neutral")) counts.neutralChanges++;
    for (const failure of failures) {
      const known = classes.get(failure.key);
      if (known) {
        known.count++;
        if (known.iterations.length < 20) known.iterations.push(failure.iteration);
        if (failure.iteration < known.first.iteration) known.first = failure;
        continue;
      }
      classes.set(failure.key, {
        key: failure.key,
        kind: failure.kind,
        count: 1,
        first: failure,
        saved: [],
        minimised: null,
        iterations: [failure.iteration],
      });
      options.log?.(`new failure class (iteration ${failure.iteration}): ${failure.key}`);
      if (failure.kind === "hang" && options.saveDir) {
        // Saved at once: a hang may be what stops the campaign.
        save(options.saveDir, slug(failure.key), failure, null);
      }
    }
    if (options.log && Date.now() > nextLog) {
      nextLog = Date.now() + 10_000;
      options.log(
        `${counts.inputs}/${iterations.length} inputs, ${classes.size} failure classes, ${((Date.now() - started) / 1000).toFixed(0)} s`,
      );
    }
  };

  // Inputs are generated in iteration order on this thread; up to `jobs` of them are analysed at once.
  let cursor = 0;
  const runNext = async (): Promise<void> => {
    while (cursor < iterations.length) {
      const generated = generator.generate(iterations[cursor++]);
      const answer = await pool.run({ id: generated.iteration, text: generated.text, rewritten: generated.rewritten });
      record(generated, answer);
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.max(1, options.jobs) }, runNext));

    const sorted = [...classes.values()].sort((left, right) => left.first.iteration - right.first.iteration);
    let minimisedCount = 0;
    for (const failureClass of sorted) {
      const { first } = failureClass;
      if (failureClass.kind !== "hang" && minimisedCount < options.minimiseClasses) {
        minimisedCount++;
        options.log?.(`minimising: ${failureClass.key}`);
        const stillFails = async (candidate: Pair): Promise<boolean> => {
          const generated: FuzzInput = {
            ...first,
            family: first.rewritten !== undefined ? "rewrite" : "mutation",
            tags: first.key.startsWith("neutral ") ? first.key.slice(8).split(":")[0].split(" ") : [],
            text: candidate.original,
            rewritten: candidate.rewritten,
          };
          const answer = await pool.run({ id: -1, text: candidate.original, rewritten: candidate.rewritten });
          return classify(generated, answer).some((failure) => failure.key === first.key);
        };
        failureClass.minimised = await minimise(
          first.rewritten !== undefined
            ? { original: first.text, rewritten: first.rewritten }
            : { original: first.text },
          stillFails,
        );
      }
      if (options.saveDir)
        failureClass.saved = save(options.saveDir, slug(failureClass.key), first, failureClass.minimised);
    }
    const seconds = (Date.now() - started) / 1000;
    const summary =
      `fuzz: ${counts.inputs} inputs (${counts.mutated} mutated, ${counts.rewrites} rewrites), ` +
      `${plural(counts.crashes, "crash", "crashes")}, ${plural(counts.internalErrors, "internal error")}, ${plural(counts.hangs, "hang")}, ` +
      `${plural(counts.violations, "invariant violation")}, ${plural(counts.neutralChanges, "neutral-rewrite change")}, ` +
      `${seconds.toFixed(1)} s`;
    return { ...counts, seconds, classes: sorted, made, summary };
  } finally {
    await pool.close();
    for (const file of corpus) file.tree.delete();
    parser.delete();
  }
}

/** For a failure class: the lines a human needs (key, count, reproduction, saved files). */
export function describeClass(failureClass: FailureClass, seed: number): string {
  const { first } = failureClass;
  return [
    `[${failureClass.kind}] ${failureClass.key} — ${plural(failureClass.count, "input")}`,
    `  first: iteration ${first.iteration} (replay: npm run fuzz -- --seed ${seed} --only ${first.iteration}), from ${first.source}`,
    ...(failureClass.iterations.length > 1
      ? [`  iterations: ${[...failureClass.iterations].sort((a, b) => a - b).join(",")}`]
      : []),
    `  input: ${first.description}`,
    ...first.detail.split("\n").map((line) => `  ${line}`),
    ...failureClass.saved.map((file) => `  saved: ${path.relative(ROOT, file)}`),
  ].join("\n");
}

export interface ReplayResult {
  known: KnownFailureClass;
  reproducer: Reproducer;
  failures: Failure[];
  /** The reproducer still shows its class (false: fixed, or the reproducer no longer fits). */
  stillFails: boolean;
}

/** Analyses one reproducer of a known class with `run` (the worker pool, or in-process) and classifies the answer. */
export async function replayReproducer(
  known: KnownFailureClass,
  reproducer: Reproducer,
  run: (request: JobRequest) => Promise<PoolAnswer>,
): Promise<ReplayResult> {
  const read = (file: string) => readFileSync(path.join(FINDINGS_DIR, file), "utf8");
  const input: FuzzInput = {
    iteration: -1,
    source: path.relative(ROOT, path.join(FINDINGS_DIR, reproducer.file)),
    family: reproducer.rewritten ? "rewrite" : "mutation",
    tags: reproducer.tags,
    description: reproducer.description ?? reproducer.tags.join(" "),
    text: read(reproducer.file),
    ...(reproducer.rewritten ? { rewritten: read(reproducer.rewritten) } : {}),
  };
  const answer = await run({ id: -1, text: input.text, rewritten: input.rewritten });
  const failures = classify(input, answer);
  return { known, reproducer, failures, stillFails: failures.some((failure) => known.matches(failure)) };
}

/** Replays every reproducer in test/fuzz/findings/ under the watchdog (`npm run fuzz -- --findings`). */
export async function replayFindings(timeoutMs: number, includeSlow = true): Promise<ReplayResult[]> {
  const pool = new WorkerPool(1, timeoutMs);
  try {
    const results: ReplayResult[] = [];
    for (const known of KNOWN_FAILURE_CLASSES) {
      if (known.slow && !includeSlow) continue;
      for (const reproducer of known.reproducers)
        results.push(await replayReproducer(known, reproducer, (request) => pool.run(request)));
    }
    return results;
  } finally {
    await pool.close();
  }
}
