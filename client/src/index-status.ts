/**
 * The project index status in words, for the output channel ("Show project index status"); pure, so unit tests can
 * call it without VS Code.
 */
import type { IndexStatus } from "../../server/src/protocol/ext";

/** The status of the server's projects in words, one block per project (plain text for the output channel). */
export function describeIndexStatus(statuses: readonly IndexStatus[]): string {
  if (statuses.length === 0) return "No project index yet: open a C or C++ file of a project.";
  return statuses
    .map((status) => {
      const count = (value: number | null) => (value === null ? "not listed yet" : value.toLocaleString("en-US"));
      const list = (items: readonly string[]) =>
        items.length === 0 ? " none" : items.map((item) => `\n    ${item}`).join("");
      const state = status.building ? "being built" : status.state;
      return [
        `Project ${status.root} (${state})`,
        `  compile database: ${status.compileDatabase ?? "none"}`,
        `  source files: ${count(status.sourceFiles)}, headers: ${count(status.headerFiles)}`,
        `  files searched: ${status.filesSearched.toLocaleString("en-US")}, sources parsed: ${status.sourcesParsed}, headers parsed: ${status.headersParsed}`,
        `  wrappers (${status.wrappers.length}):${list(status.wrappers)}`,
        `  pipe fillers (${status.pipeFillers.length}):${list(status.pipeFillers)}`,
        `  field fills (${status.fieldFills.length}):${list(status.fieldFills)}`,
        `  syscall tables (${status.syscallTables.length}):${list(status.syscallTables)}`,
        `  limits hit:${list(status.limits)}`,
        `  time taken: ${status.buildMs === null ? "not measured" : `${status.buildMs} ms`}`,
      ].join("\n");
    })
    .join("\n\n");
}
