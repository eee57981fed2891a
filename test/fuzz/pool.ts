/**
 * Runs jobs in worker threads under a time budget per analysis step (parse, fact extraction, judging one kernel model
 * and page size): the worker announces each step, and a step that overruns the budget is a hang. The worker is then
 * terminated (which interrupts synchronous JavaScript and WebAssembly alike) and replaced. A worker that dies (out of
 * memory, an uncaught exception) fails its job as a crash. The workers load the TypeScript sources through tsx.
 */
import { Worker } from "node:worker_threads";
import path from "node:path";
import type { JobRequest, JobResult } from "./job";

export type PoolAnswer =
  | { kind: "done"; result: JobResult; ms: number }
  | { kind: "hang"; ms: number; step: string }
  | { kind: "died"; message: string; ms: number };

const WORKER_SOURCE = `require(${JSON.stringify(require.resolve("tsx/cjs/api"))}).register();
require(${JSON.stringify(path.join(__dirname, "worker.ts"))});`;

class Slot {
  private worker: Worker | null = null;
  private ready: Promise<void> | null = null;
  private pending: ((answer: PoolAnswer) => void) | null = null;
  private started = 0;
  private timer: NodeJS.Timeout | null = null;
  private step = "start";
  private timeoutMs = 0;

  constructor(private readonly memoryMb: number) {}

  private start(): Promise<void> {
    if (this.ready) return this.ready;
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      resourceLimits: { maxOldGenerationSizeMb: this.memoryMb, stackSizeMb: 4 },
    });
    this.worker = worker;
    this.ready = new Promise((resolve, reject) => {
      const onReady = (message: { ready?: boolean }) => {
        if (message?.ready) {
          worker.off("message", onReady);
          worker.on("message", (message: JobResult | { step: string }) => {
            if ("step" in message) this.arm(message.step);
            else this.finish({ kind: "done", result: message, ms: this.elapsed() });
          });
          resolve();
        }
      };
      worker.on("message", onReady);
      worker.on("error", (error) => {
        if (!this.pending) reject(error);
        this.finish({
          kind: "died",
          message: error instanceof Error ? error.message : String(error),
          ms: this.elapsed(),
        });
        this.discard();
      });
      worker.on("exit", (code) => {
        if (this.worker !== worker) return;
        this.finish({ kind: "died", message: `worker exited with code ${code}`, ms: this.elapsed() });
        this.discard();
      });
    });
    return this.ready;
  }

  private elapsed(): number {
    return Date.now() - this.started;
  }

  /** Starts the budget of a new step. */
  private arm(step: string): void {
    if (!this.pending) return;
    this.step = step;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.finish({ kind: "hang", ms: this.timeoutMs, step: this.step });
      this.discard();
    }, this.timeoutMs);
  }

  private finish(answer: PoolAnswer): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const pending = this.pending;
    this.pending = null;
    pending?.(answer);
  }

  private discard(): void {
    const worker = this.worker;
    this.worker = null;
    this.ready = null;
    if (worker) void worker.terminate();
  }

  async run(request: JobRequest, timeoutMs: number): Promise<PoolAnswer> {
    await this.start();
    return new Promise((resolve) => {
      this.pending = resolve;
      this.started = Date.now();
      this.timeoutMs = timeoutMs;
      this.arm("start");
      this.worker!.postMessage(request);
    });
  }

  async close(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    this.ready = null;
    if (worker) await worker.terminate();
  }
}

export class WorkerPool {
  private readonly slots: Slot[];
  private readonly idle: Slot[];
  private readonly waiting: ((slot: Slot) => void)[] = [];

  constructor(
    size: number,
    private readonly timeoutMs: number,
    memoryMb = 2048,
  ) {
    this.slots = Array.from({ length: Math.max(1, size) }, () => new Slot(memoryMb));
    this.idle = [...this.slots];
  }

  private acquire(): Promise<Slot> {
    const slot = this.idle.pop();
    if (slot) return Promise.resolve(slot);
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(slot: Slot): void {
    const next = this.waiting.shift();
    if (next) next(slot);
    else this.idle.push(slot);
  }

  async run(request: JobRequest, timeoutMs = this.timeoutMs): Promise<PoolAnswer> {
    const slot = await this.acquire();
    try {
      return await slot.run(request, timeoutMs);
    } finally {
      this.release(slot);
    }
  }

  async close(): Promise<void> {
    await Promise.all(this.slots.map((slot) => slot.close()));
  }
}
