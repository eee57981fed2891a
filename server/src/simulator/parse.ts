/**
 * The `.vmsim` parser (docs/vmsim.md): text in, scenario syntax tree and precise diagnostics out.
 * Pure: no I/O, no editor or protocol imports; never throws.
 */
import type { ParseResult } from "./types";

export function parseScenario(_text: string): ParseResult {
  return { scenario: { id: "", title: "", source: null, pageSize: null, models: ["rfc-v2", "mainline-6.x", "mainline-3.12"], steps: [], initialExpectations: [] }, diagnostics: [{ line: 1, column: 1, message: "parser not implemented yet" }] };
}
