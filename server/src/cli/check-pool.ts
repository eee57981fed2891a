/**
 * `check --jobs N`: the files of a run read, pre-filtered and analysed by up to N worker threads (check-worker.ts),
 * with the reports assembled in the run's file order, so the output is the single-thread run's byte for byte.
 *
 * Work is given out by project: the files of one project root go to one worker, which builds that project's index
 * once; when there are fewer projects than workers, each project's files are cut into contiguous parts (every worker
 * given a part builds the project's index itself: more CPU, less wall time). A first phase classifies every file (a
 * report, or a candidate); the main thread then deals the candidates to shards in file order (cli/shard.ts), exactly
 * as the single-thread run does, and a second phase analyses this shard's candidates on workers that hold their
 * project. The first error in file order ends the run with the single-thread run's message. A worker that ends
 * abruptly (a crash) does not hang the run: its part is done again on the main thread, which gives what the
 * single-thread run gives for it (its report, or its error).
 */
import { Worker } from "node:worker_threads";
import {
  CheckSession,
  errorOutcome,
  IoError,
  rootFinder,
  type CacheFailure,
  type Outcome,
  type RunFile,
  type SessionOptions,
} from "./check-session";
import type { CheckWorkerData, CheckWorkerJob } from "./check-worker";
import type { FileReport } from "./check";
import { ShardDealer } from "./shard";
import { loadLanguagesFor } from "../parsing/parser";

/** Files per part when there are no projects (--no-project). */
const PART_SIZE = 32;

/** Where a part of the run is done: a worker thread, or the main thread. */
interface Runner {
  run(phase: "classify" | "analyse", files: RunFile[]): Promise<Outcome[]>;
  /** Why the caches of the runner's projects failed; the runner's projects are released. */
  finish(): Promise<CacheFailure[]>;
}

class WorkerCrash extends Error {}

class ThreadRunner implements Runner {
  private readonly worker: Worker;
  private readonly pending = new Map<number, { resolve: (value: unknown) => void; reject: (error: Error) => void }>();
  private next = 0;
  private ended: string | null = null;

  constructor(script: string, data: CheckWorkerData) {
    const execArgv = script.endsWith(".ts") ? ["--import", "tsx"] : [];
    this.worker = new Worker(script, { workerData: data, execArgv });
    this.worker.on("message", (message: { id: number; result: unknown }) => {
      this.pending.get(message.id)?.resolve(message.result);
      this.pending.delete(message.id);
    });
    const end = (why: string) => {
      this.ended ??= why;
      for (const job of this.pending.values()) job.reject(new WorkerCrash(why));
      this.pending.clear();
    };
    this.worker.on("error", (error) => end(`worker error: ${error.message}`));
    this.worker.on("exit", (code) => end(`worker exited with code ${code}`));
  }

  private ask(job: Omit<CheckWorkerJob, "id">): Promise<unknown> {
    if (this.ended) return Promise.reject(new WorkerCrash(this.ended));
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ ...job, id });
    });
  }

  run(phase: "classify" | "analyse", files: RunFile[]): Promise<Outcome[]> {
    return this.ask({ phase, files }) as Promise<Outcome[]>;
  }

  async finish(): Promise<CacheFailure[]> {
    try {
      return (await this.ask({ phase: "finish", files: [] })) as CacheFailure[];
    } catch {
      return []; // a crashed worker's parts were redone on the main thread, whose session reports its caches
    }
  }

  async terminate(): Promise<void> {
    await this.worker.terminate();
  }
}

/** The main thread's runner, for the parts of a crashed worker: the single-thread code, file by file. */
class LocalRunner implements Runner {
  private session: CheckSession | null = null;
  constructor(
    private readonly options: SessionOptions,
    private readonly version: string,
  ) {}

  async run(phase: "classify" | "analyse", files: RunFile[]): Promise<Outcome[]> {
    await loadLanguagesFor(files.map((file) => file.file));
    this.session ??= new CheckSession(this.options, this.version);
    const outcomes: Outcome[] = [];
    for (const { index, file } of files) {
      try {
        const classified = this.session.classify(file);
        if (classified.kind === "other")
          outcomes.push({ index, kind: phase === "classify" ? "other" : "report", report: classified.report });
        else if (phase === "classify") outcomes.push({ index, kind: "candidate" });
        else outcomes.push({ index, kind: "report", report: this.session.analyse(file, classified.bytes) });
      } catch (error) {
        outcomes.push(errorOutcome(index, error));
        break;
      }
    }
    return outcomes;
  }

  async finish(): Promise<CacheFailure[]> {
    const failures = this.session?.flushCaches() ?? [];
    this.session?.dispose();
    return failures;
  }
}

/** The parts of a run: the files of each project root (cut when there are fewer roots than workers), in file order. */
function partsOf(files: string[], options: SessionOptions, jobs: number): { root: string; files: RunFile[] }[] {
  const byRoot = new Map<string, RunFile[]>();
  const rootOf = options.singleFile ? null : rootFinder(options);
  files.forEach((file, index) => {
    const root = rootOf ? rootOf(file) : `part ${Math.floor(index / PART_SIZE)}`;
    const rootFiles = byRoot.get(root);
    if (rootFiles) rootFiles.push({ index, file });
    else byRoot.set(root, [{ index, file }]);
  });
  const cuts = Math.max(1, Math.ceil(jobs / byRoot.size));
  return [...byRoot].flatMap(([root, rootFiles]) => {
    const size = Math.ceil(rootFiles.length / cuts);
    const parts = [];
    for (let start = 0; start < rootFiles.length; start += size)
      parts.push({ root, files: rootFiles.slice(start, start + size) });
    return parts;
  });
}

/** Runs a part on a runner; a part whose worker crashed runs again on the main thread (`local`). */
async function runPart(runner: Runner, local: Runner, phase: "classify" | "analyse", files: RunFile[]) {
  try {
    return { runner, outcomes: await runner.run(phase, files) };
  } catch (error) {
    if (!(error instanceof WorkerCrash)) throw error;
    return { runner: local, outcomes: await local.run(phase, files) };
  }
}

/** Phase 1: every part classified on the first runner free; returns the outcomes and who holds each root. */
async function classifyParts(parts: { root: string; files: RunFile[] }[], runners: Runner[], local: Runner) {
  const outcomes: Outcome[] = [];
  const holders = new Map<string, Runner[]>();
  const queue = [...parts];
  await Promise.all(
    runners.map(async (first) => {
      for (let part = queue.shift(); part !== undefined; part = queue.shift()) {
        const done = await runPart(first, local, "classify", part.files);
        outcomes.push(...done.outcomes);
        const held = holders.get(part.root) ?? [];
        if (!held.includes(done.runner)) held.push(done.runner);
        holders.set(part.root, held);
      }
    }),
  );
  return { outcomes, holders };
}

/** Phase 2: the candidates dealt to this run, each project's in turn to the runners holding that project. */
async function analyseCandidates(
  candidates: RunFile[],
  rootOf: (file: RunFile) => string,
  holders: Map<string, Runner[]>,
  local: Runner,
) {
  const work = new Map<Runner, RunFile[]>();
  const turns = new Map<string, number>();
  for (const candidate of candidates) {
    const root = rootOf(candidate);
    const held = holders.get(root) ?? [local];
    const turn = turns.get(root) ?? 0;
    turns.set(root, turn + 1);
    const runner = held[turn % held.length];
    const files = work.get(runner);
    if (files) files.push(candidate);
    else work.set(runner, [candidate]);
  }
  const done = await Promise.all([...work].map(([runner, files]) => runPart(runner, local, "analyse", files)));
  return done.flatMap((part) => part.outcomes);
}

/** The error the single-thread run would have stopped with. */
function rethrow(outcome: Outcome & { kind: "error" }): never {
  if (outcome.io) throw new IoError(outcome.message);
  const error = new Error(outcome.message);
  if (outcome.stack) error.stack = outcome.stack;
  throw error;
}

export interface PoolRun {
  reports: FileReport[];
  /** Cache failures in the order the single-thread run meets their projects. */
  cacheFailures: string[];
}

/**
 * Runs `check` over the files (sorted) on `jobs` worker threads started from `script`. Throws the error the
 * single-thread run would (IoError for a file that cannot be read).
 */
export async function runPool(
  files: string[],
  options: SessionOptions,
  jobs: number,
  script: string,
  version: string,
): Promise<PoolRun> {
  const parts = partsOf(files, options, jobs);
  const data: CheckWorkerData = { options, version, crashOn: process.env.VMSPLICE_LENS_TEST_WORKER_CRASH ?? null };
  const runners: ThreadRunner[] = [];
  for (let count = Math.min(jobs, parts.length); runners.length < count;) runners.push(new ThreadRunner(script, data));
  const local = new LocalRunner(options, version);
  const rootOfPart = new Map(parts.flatMap((part) => part.files.map((file) => [file.index, part.root] as const)));
  const rootOf = (file: RunFile) => rootOfPart.get(file.index) ?? "";
  try {
    const classified = await classifyParts(parts, runners, local);
    const byIndex: (Outcome | undefined)[] = new Array(files.length);
    for (const outcome of classified.outcomes) byIndex[outcome.index] = outcome;
    // The shard dealt in file order, up to the first file that stops the run.
    const dealer = new ShardDealer(options.shard);
    const candidates: RunFile[] = [];
    const kept: (Outcome | undefined)[] = new Array(files.length);
    let stop = files.length;
    for (let index = 0; index < files.length; index++) {
      const outcome = byIndex[index];
      if (!outcome || outcome.kind === "error") {
        stop = index;
        break;
      }
      if (outcome.kind === "candidate") {
        if (dealer.candidate()) candidates.push({ index, file: files[index] });
      } else if (dealer.other()) kept[index] = outcome;
    }
    for (const outcome of await analyseCandidates(candidates, rootOf, classified.holders, local))
      kept[outcome.index] = outcome;
    const reports: FileReport[] = [];
    for (let index = 0; index < files.length; index++) {
      const outcome = index === stop ? byIndex[index] : kept[index];
      if (outcome?.kind === "error") rethrow(outcome);
      if (index === stop) throw new Error(`no report for ${files[index]}`);
      if (outcome && (outcome.kind === "other" || outcome.kind === "report")) reports.push(outcome.report);
    }
    const failures = (await Promise.all([...runners, local].map((runner) => runner.finish()))).flat();
    return { reports, cacheFailures: orderFailures(failures, files, parts) };
  } finally {
    await Promise.all(runners.map((runner) => runner.terminate()));
  }
}

/** One failure per project root, in the order of the roots' first files (as the single-thread run creates them). */
function orderFailures(failures: CacheFailure[], files: string[], parts: { root: string; files: RunFile[] }[]) {
  const first = new Map<string, number>();
  for (const part of parts) first.set(part.root, Math.min(first.get(part.root) ?? files.length, part.files[0].index));
  const byRoot = new Map<string, string>();
  for (const { root, failure } of failures) if (!byRoot.has(root)) byRoot.set(root, failure);
  return [...byRoot]
    .sort(([left], [right]) => (first.get(left) ?? 0) - (first.get(right) ?? 0))
    .map(([, failure]) => failure);
}
