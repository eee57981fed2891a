/**
 * The analysis worker thread (see background.ts): an engine of its own that analyses the large documents the server
 * hands it, one job at a time, and answers with the analysis as plain data. It keeps its own copy of each document
 * (a DocumentStore over its engine, as the server does), opened with the whole text and moved on by the same content
 * changes, so a keystroke reaches its engine as a tree edit; a closed file read from the disk is opened for one job and
 * forgotten after it. The time budget is checked by the engine between calls (a clock `AnalysisBudget`, the one clock
 * of the analysis): when it runs out, the answer holds the calls finished and lists the others (`stopped`). Project
 * headers are read as the server reads them (readUnitHeaders), from disk; its projects are made afresh when the
 * server's project generation moves on.
 * Bundled as dist/analysis-worker.js.
 */
import { parentPort } from "node:worker_threads";
import { Engine, type AnalysisBudget } from "../engine/engine";
import { newParser } from "../parsing/parser";
import { Project } from "../project/project";
import { BACKGROUND_CHARS, type WorkerJob, type WorkerMessage, type WorkerReply, type WorkerSync } from "./background";
import { ItemTables } from "../engine/regions";
import { DocumentStore } from "./documents";
import { UnitHeadersMemo } from "./unit-headers-memo";

// Nothing here needs a tree of a whole document: large C files alone are read through their live item tables.
const store = new DocumentStore(
  new Engine(newParser, false, Number.POSITIVE_INFINITY, new ItemTables(), BACKGROUND_CHARS),
);
// A keystroke does not read the document's unit again when nothing that reading rests on changed.
const unitHeaders = new UnitHeadersMemo();
store.onEdit = (uri, edit, document) => unitHeaders.edited(uri, edit, document);
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

function run(job: WorkerJob): WorkerReply {
  try {
    const entry = store.get(job.uri);
    if (!entry || entry.document.version !== job.version)
      throw new Error(`the worker holds version ${entry?.document.version ?? "none"} of a job for ${job.version}`);
    // Counted from here: opening the document (and loading its grammar, once) is not this analysis.
    const budget = clockBudget(job.budgetMs);
    const engine = store.engine;
    if (job.project) unitHeaders.read(engine, job.uri, job.project.file, entry.document, projectFor(job.project));
    // eslint-disable-next-line @typescript-eslint/no-unused-vars
    const { tree, ...result } = engine.analysis(job.uri, job.options, undefined, budget);
    return { id: job.id, result };
  } catch (error) {
    return { id: job.id, error: error instanceof Error ? error.message : String(error) };
  } finally {
    if (job.forget) {
      store.close(job.uri);
      unitHeaders.forget(job.uri);
    }
  }
}

async function apply(message: WorkerSync): Promise<void> {
  if (message.kind === "open") {
    unitHeaders.forget(message.uri);
    await store.open(message.uri, message.languageId, message.version, message.text);
  } else if (message.kind === "close") {
    store.close(message.uri);
    unitHeaders.forget(message.uri);
  } else for (const { version, changes } of message.changes) store.change(message.uri, version, changes);
}

// Messages take effect in the order they came (opening a document may wait for its grammar the first time).
let previous: Promise<void> = Promise.resolve();
parentPort?.on("message", (message: WorkerMessage) => {
  previous = previous.then(async () => {
    if (message.kind === "job") parentPort?.postMessage(run(message));
    else await apply(message);
  });
});
