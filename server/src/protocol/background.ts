/**
 * Analysis off the message loop: large documents are analysed by a worker thread (analysis-worker.ts) with an engine of
 * its own, so while a multi-megabyte file is parsed and judged, hovers, code lenses and other documents' diagnostics
 * are still answered. One job runs at a time; a newer version of a document replaces its queued job. The worker's engine
 * checks the time budget between calls (see analysis-worker.ts): over budget it answers with the calls it finished and
 * says which it left out. A job still running well past the budget (one unit of work, the parse or one call, that does
 * not end) ends the worker (the next job starts a fresh one) and the document gets a sentence saying so instead.
 * The open documents (analysis-service.ts), closed files published from the disk and the workspace scan
 * (workspace-scan.ts) all use the same worker, size threshold and budget.
 * Results are plain data (the engine's analysis without its tree), so quick fixes, which edit the tree, are not
 * offered on documents analysed here.
 *
 * The worker keeps its own copy of each document it analyses, kept in step the way the server's own copy is: the
 * whole text once, then the didChange content changes (`changed`), which the worker applies to its piece table and
 * hands to its engine as tree edits. Sending the whole text with every job made each keystroke on a 270k-line file
 * join, copy and compare ten megabytes several times over, which cost several times tree-sitter's reparse.
 */
import { Worker } from "node:worker_threads";
import type { TextDocumentContentChangeEvent } from "vscode-languageserver/node";
import type { EngineAnalysis } from "../engine/engine";
import type { AnalysisOptions } from "../analysis/facts";

/** Documents with more UTF-16 code units than this are analysed in the worker. */
export const BACKGROUND_CHARS = 512 * 1024;

/** The default grace of `hardLimitMs`. */
export const HARD_LIMIT_GRACE_MS = 10_000;

/**
 * How long past the budget the worker may take to answer before it is ended: the engine stops between calls, so the
 * excess is one unit of work (the parse, finding the calls, or one call), which the budget cannot cut short.
 */
export function hardLimitMs(budgetMs: number, graceMs = HARD_LIMIT_GRACE_MS): number {
  return 2 * budgetMs + graceMs;
}

/**
 * Content changes kept for a document between two of its jobs; past this the worker gets the whole text again
 * (a long typing session while another document's job ran).
 */
const MAX_LOGGED_CHANGES = 512;

/** What the worker needs for one analysis of the version of the document it holds. */
export interface WorkerJob {
  kind: "job";
  id: number;
  uri: string;
  /** The version the worker's copy must have (the sync messages before the job bring it there). */
  version: number;
  options: AnalysisOptions & { maxFileSize: number };
  /** The project the document belongs to (null: the file alone), and the registry's generation of project facts. */
  project: { file: string; root: string; includePaths: string[]; generation: number } | null;
  /** The time budget (vmspliceLens.analysisTimeBudgetMs), counted by the worker from when it starts the job. */
  budgetMs: number;
  /** The worker forgets the file afterwards (a closed file read from the disk: no edit will follow). */
  forget: boolean;
}

/** The worker's copy of a document: opened with its whole text, then moved on by content changes, in order. */
export type WorkerSync =
  | { kind: "open"; uri: string; languageId: string; version: number; text: string }
  | { kind: "change"; uri: string; changes: { version: number; changes: TextDocumentContentChangeEvent[] }[] }
  | { kind: "close"; uri: string };

export type WorkerMessage = WorkerJob | WorkerSync;

/** The document a job analyses, as the server holds it (LensDocument fits). */
export interface BackgroundDocument {
  readonly version: number;
  readonly languageId: string;
  getText(): string;
}

/** The server-side record of what the current worker holds of a document: changes not yet sent to it. */
interface Synced {
  log: { version: number; changes: TextDocumentContentChangeEvent[] }[];
}

export type WorkerAnalysis = Omit<EngineAnalysis, "tree">;

export type WorkerReply = { id: number; result: WorkerAnalysis } | { id: number; error: string };

/**
 * How a background analysis ended: a result (partial when `result.stopped` is set: the budget ran out), past the hard
 * limit (no result), failed, or replaced by a newer version before it ran.
 */
export type BackgroundOutcome =
  | { kind: "done"; result: WorkerAnalysis }
  | { kind: "over-budget"; budgetMs: number; limitMs: number }
  | { kind: "failed"; message: string }
  | { kind: "superseded" };

interface Pending {
  job: Omit<WorkerJob, "version">;
  document: BackgroundDocument;
  resolve: (outcome: BackgroundOutcome) => void;
}

export class BackgroundAnalyses {
  private worker: Worker | null = null;
  private running: (Pending & { timer: ReturnType<typeof setTimeout> }) | null = null;
  /** The next job of each document (a newer version replaces the older one, whose caller hears "superseded"). */
  private readonly queue = new Map<string, Pending>();
  private nextId = 1;
  /** The documents the current worker holds (cleared when a worker ends). */
  private readonly synced = new Map<string, Synced>();
  /** Workers started so far (the first, and one after each job past the hard limit, or crash). */
  started = 0;

  /** `graceMs`: see `hardLimitMs` (tests shorten it). */
  constructor(
    private readonly script: string,
    private readonly execArgv: string[] = [],
    private readonly graceMs = HARD_LIMIT_GRACE_MS,
  ) {}

  /**
   * Analyses the document's version current when the job starts in the worker, within the time budget; resolves when
   * done (maybe partial), past the hard limit, failed or superseded. The caller drops a result whose version moved on.
   * `forget`: a closed file read from the disk (its text given whole), which the worker forgets after the job.
   */
  analyse(
    uri: string,
    document: BackgroundDocument,
    options: WorkerJob["options"],
    project: WorkerJob["project"],
    budgetMs: number,
    forget = false,
  ): Promise<BackgroundOutcome> {
    return new Promise((resolve) => {
      this.queue.get(uri)?.resolve({ kind: "superseded" });
      const job = { kind: "job" as const, id: this.nextId++, uri, options, project, budgetMs, forget };
      this.queue.set(uri, { job, document, resolve });
      this.pump();
    });
  }

  /**
   * The content changes of one didChange of an open document (every one, in order): kept for the worker's copy, which
   * receives them before the document's next job. A document the worker does not hold gets its whole text then.
   */
  changed(uri: string, version: number, changes: TextDocumentContentChangeEvent[]): void {
    const synced = this.synced.get(uri);
    if (!synced) return;
    if (synced.log.length >= MAX_LOGGED_CHANGES) {
      this.synced.delete(uri);
      this.worker?.postMessage({ kind: "close", uri } satisfies WorkerSync);
      return;
    }
    synced.log.push({ version, changes });
  }

  /** The worker forgets a closed document. */
  close(uri: string): void {
    this.queue.get(uri)?.resolve({ kind: "superseded" });
    this.queue.delete(uri);
    this.synced.delete(uri);
    this.worker?.postMessage({ kind: "close", uri } satisfies WorkerSync);
  }

  dispose(): void {
    for (const pending of this.queue.values()) pending.resolve({ kind: "superseded" });
    this.queue.clear();
    if (this.running) {
      clearTimeout(this.running.timer);
      this.running.resolve({ kind: "superseded" });
      this.running = null;
    }
    void this.worker?.terminate();
    this.worker = null;
  }

  private ensureWorker(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(this.script, { execArgv: this.execArgv });
    this.started++;
    // A new worker holds no document yet.
    this.synced.clear();
    worker.on("message", (reply: WorkerReply) => {
      const running = this.running;
      if (!running || running.job.id !== reply.id) return;
      this.finish(
        "result" in reply ? { kind: "done", result: reply.result } : { kind: "failed", message: reply.error },
      );
    });
    worker.on("error", (error) => this.lost(worker, error.message));
    worker.on("exit", (code) => this.lost(worker, `the analysis worker exited with code ${code}`));
    // The server may exit while the worker works: the worker does not keep it alive.
    worker.unref();
    this.worker = worker;
    return worker;
  }

  /** The worker died: the running job fails and the next job starts a new worker. */
  private lost(worker: Worker, message: string): void {
    if (this.worker !== worker) return;
    this.worker = null;
    if (this.running) this.finish({ kind: "failed", message });
  }

  private finish(outcome: BackgroundOutcome): void {
    const running = this.running;
    if (!running) return;
    clearTimeout(running.timer);
    this.running = null;
    running.resolve(outcome);
    this.pump();
  }

  private pump(): void {
    if (this.running) return;
    const next = this.queue.entries().next();
    if (next.done) return;
    const [uri, pending] = next.value;
    this.queue.delete(uri);
    const worker = this.ensureWorker();
    const budgetMs = pending.job.budgetMs;
    const limitMs = hardLimitMs(budgetMs, this.graceMs);
    const timer = setTimeout(() => {
      // Past the hard limit: the worker is ended (its engine with it) and the document is told why it has no findings.
      if (this.worker === worker) this.worker = null;
      void worker.terminate();
      this.finish({ kind: "over-budget", budgetMs, limitMs });
    }, limitMs);
    this.running = { ...pending, timer };
    this.sync(worker, uri, pending.document);
    worker.postMessage({ ...pending.job, version: pending.document.version } satisfies WorkerJob);
    // The worker forgets a closed file after its job: the next job of it sends the whole text again.
    if (pending.job.forget) this.synced.delete(uri);
  }

  /** Brings the worker's copy of the document to its current version: the changes since the last job, or the text. */
  private sync(worker: Worker, uri: string, document: BackgroundDocument): void {
    const synced = this.synced.get(uri);
    if (synced) {
      if (synced.log.length > 0) worker.postMessage({ kind: "change", uri, changes: synced.log } satisfies WorkerSync);
      synced.log = [];
      return;
    }
    const { version, languageId } = document;
    worker.postMessage({ kind: "open", uri, languageId, version, text: document.getText() } satisfies WorkerSync);
    this.synced.set(uri, { log: [] });
  }
}
