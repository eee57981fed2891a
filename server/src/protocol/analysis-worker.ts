/**
 * The analysis worker thread (see background.ts): an engine of its own that analyses the large documents the server
 * hands it, one job at a time, and answers with the analysis as plain data. The time budget is checked by the engine
 * between calls (a clock `AnalysisBudget`, the one clock of the analysis): when it runs out, the answer holds the calls
 * finished and lists the others (`stopped`). Project headers are read as the server
 * reads them (readUnitHeaders), from disk; its projects are made afresh when the server's project generation moves on.
 * Bundled as dist/analysis-worker.js.
 */
import { parentPort } from "node:worker_threads";
import { Engine, type AnalysisBudget } from "../engine/engine";
import { loadLanguagesFor, newParser } from "../parsing/parser";
import { Project, readUnitHeaders } from "../project/project";
import type { WorkerJob, WorkerReply } from "./background";

const engine = new Engine(newParser);
const projects = new Map<string, Project>();
let generation = -1;

function projectFor(job: NonNullable<WorkerJob["project"]>): Project {
  if (job.generation !== generation) {
    for (const project of projects.values()) project.dispose();
    projects.clear();
    generation = job.generation;
  }
  const key = `${job.root}\0${job.includePaths.join("\0")}`;
  let project = projects.get(key);
  if (!project) {
    project = new Project(job.root, newParser, { includePaths: job.includePaths });
    projects.set(key, project);
  }
  return project;
}

/** Share of the budget the extraction of facts may use; the rest is kept for judging the calls extracted. */
const EXTRACT_SHARE = 0.8;

/** The budget counted from now: extraction until EXTRACT_SHARE of it, judging until the end. */
function clockBudget(budgetMs: number): AnalysisBudget {
  const start = performance.now();
  return {
    allows: (phase) => performance.now() - start < (phase === "extract" ? EXTRACT_SHARE * budgetMs : budgetMs),
  };
}

async function run(job: WorkerJob): Promise<WorkerReply> {
  try {
    await loadLanguagesFor([job.uri]);
    // Counted from here: loading the grammar is the worker's start-up, once, not this file's analysis.
    const budget = clockBudget(job.budgetMs);
    engine.setText(job.uri, job.text);
    if (job.project) readUnitHeaders(engine, job.uri, job.project.file, job.text, projectFor(job.project));
    // eslint-disable-next-line @typescript-eslint/no-unused-vars
    const { tree, ...result } = engine.analysis(job.uri, job.options, undefined, budget);
    return { id: job.id, result };
  } catch (error) {
    return { id: job.id, error: error instanceof Error ? error.message : String(error) };
  } finally {
    if (job.forget) engine.close(job.uri);
  }
}

parentPort?.on("message", (message: WorkerJob | { close: string }) => {
  if ("close" in message) {
    engine.close(message.close);
    return;
  }
  void run(message).then((reply) => parentPort?.postMessage(reply));
});
