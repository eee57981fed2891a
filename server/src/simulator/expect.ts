/**
 * Checks the `expect` lines of a scenario against a simulation result.
 * Pure: no I/O, no editor or protocol imports.
 */
import type { ExpectationVerdict, Scenario, SimulationResult } from "./types";

export function checkExpectations(_scenario: Scenario, _result: SimulationResult): ExpectationVerdict[] {
  return [];
}
