/**
 * Replays a parsed scenario step by step on a fresh simulated machine.
 * Pure and deterministic: no clock, randomness, I/O or console; no editor or protocol imports.
 */
import type { RunOptions, Scenario, SimulationResult } from "./types";

export function runScenario(scenario: Scenario, options: RunOptions): SimulationResult {
  const pageSize = options.pageSize ?? scenario.pageSize ?? 4096;
  return {
    scenarioId: scenario.id,
    kernel: options.kernel,
    pageSize,
    steps: [],
    stoppedAt: null,
    final: { readBytes: (_p, _a, length) => new Uint8Array(length), pfnAt: () => null, mappingStart: () => null, zeroPfn: 0 },
  };
}
