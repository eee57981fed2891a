/**
 * A `check --jobs N` worker thread (check-pool.ts): a CheckSession of its own (one engine, its own tree-sitter
 * parsers, made once, and the projects of the files it is given) that classifies the files of a job with the byte-level
 * pre-filter, then analyses the candidates the main thread deals it. Answers are plain data; a file's error is answered
 * as such (the main thread reports the first in file order, as the single-thread run would).
 * Bundled as dist/check-worker.js.
 */
import { parentPort, workerData } from "node:worker_threads";
import path from "node:path";
import { loadLanguagesFor } from "../parsing/parser";
import { CheckSession, errorOutcome, type Outcome, type RunFile, type SessionOptions } from "./check-session";

export interface CheckWorkerData {
  options: SessionOptions;
  version: string;
  /** Tests only: the worker ends abruptly before reading a file of this name (a crash the main thread must survive). */
  crashOn: string | null;
}

export type CheckWorkerJob =
  { id: number; phase: "classify" | "analyse"; files: RunFile[] } | { id: number; phase: "finish"; files: [] };

const data = workerData as CheckWorkerData;
const session = new CheckSession(data.options, data.version);
/** The bytes of the candidates classified here, until they are analysed. */
const held = new Map<number, Buffer>();

function classify(file: RunFile): Outcome {
  const classified = session.classify(file.file);
  if (classified.kind === "other") return { index: file.index, kind: "other", report: classified.report };
  held.set(file.index, classified.bytes);
  return { index: file.index, kind: "candidate" };
}

function analyse(file: RunFile): Outcome {
  let bytes = held.get(file.index);
  held.delete(file.index);
  if (!bytes) {
    // A candidate classified by another thread (of the same project): read again.
    const classified = session.classify(file.file);
    if (classified.kind === "other") return { index: file.index, kind: "report", report: classified.report };
    bytes = classified.bytes;
  }
  return { index: file.index, kind: "report", report: session.analyse(file.file, bytes) };
}

async function run(job: CheckWorkerJob): Promise<unknown> {
  if (job.phase === "finish") {
    const failures = session.flushCaches();
    session.dispose();
    return failures;
  }
  await loadLanguagesFor(job.files.map((file) => file.file));
  const outcomes: Outcome[] = [];
  for (const file of job.files) {
    if (data.crashOn !== null && path.basename(file.file) === data.crashOn) process.exit(70);
    try {
      outcomes.push(job.phase === "classify" ? classify(file) : analyse(file));
    } catch (error) {
      // The run stops at its first error in file order: the rest of this job cannot come before it.
      outcomes.push(errorOutcome(file.index, error));
      break;
    }
  }
  return outcomes;
}

parentPort?.on("message", (job: CheckWorkerJob) => {
  void run(job).then(
    (result) => parentPort?.postMessage({ id: job.id, result }),
    (error: unknown) =>
      parentPort?.postMessage({ id: job.id, result: [errorOutcome(job.files[0]?.index ?? 0, error)] }),
  );
});
