/**
 * Worker-thread entry of the fuzzer: answers JobRequests one at a time with JobResults, announcing each analysis step
 * (`{ step }`) before it starts. The parent enforces the time budget per step by terminating this thread, so a hang in
 * the engine is detected, and named, instead of stalling the campaign.
 * A crash inside the tree-sitter runtime may leave the parser unusable, so a new one is made after every crash.
 */
import { parentPort } from "node:worker_threads";
import type { Parser } from "web-tree-sitter";
import { createCParser } from "../../server/src/parsing/parser";
import { runJob, type JobRequest } from "./job";

async function serve(): Promise<void> {
  const port = parentPort;
  if (!port) throw new Error("test/fuzz/worker.ts runs only as a worker thread");
  let parser: Parser = await createCParser();
  port.on("message", async (request: JobRequest) => {
    const result = runJob(parser, request, (step) => port.postMessage({ step }));
    if (result.original.crash || result.rewritten?.crash) {
      parser.delete();
      parser = await createCParser();
    }
    port.postMessage(result);
  });
  port.postMessage({ ready: true });
}

void serve();
