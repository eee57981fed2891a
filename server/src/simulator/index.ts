/**
 * Public API of the page-movement simulator: parse a `.vmsim` scenario, replay it under one kernel model and page size,
 * and check its `expect` lines.
 *
 * This module owns nothing but the re-exports; the format is described in docs/vmsim.md, the model in machine.ts and
 * kernel.ts. The simulator is pure and deterministic (no clock, randomness, I/O or console) and must not import Node's
 * I/O, the editor or the protocol library.
 */
export { parseScenario } from "./parse";
export { runScenario } from "./run";
export { checkExpectations } from "./expect";
export { replayCallSite } from "./replay";
export type { CallSiteReplay, ReplayOptions } from "./replay";
export {
  compactReplay,
  compactRunLengthJson,
  toCompactReplayJson,
  toCompactText,
  toReplayJson,
  toRunLengthJson,
  toText,
} from "./report";
export type { CompactReplayJson, ReplayJson, ReplayPage, ReplayPageRun, ReplayStepJson, ReportOptions } from "./report";
export type * from "./types";
