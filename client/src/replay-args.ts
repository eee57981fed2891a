/**
 * Parses the arguments the replay commands receive. Pure (no `vscode` import), so unit tests cover every caller's shape.
 *
 * `vmsplice-lens.replay` is invoked from the server's code lens and hover link with one `ReplayCommandArgs` object
 * (ext.ts), possibly JSON-decoded from a command URI; from the command palette or the context menu with no usable
 * argument, in which case the caller uses the cursor. `vmsplice-lens.replayScenario` gets `{ uri }` from the code lens,
 * a resource URI from the editor title menu, or nothing from the palette.
 */
import type { ObservedOutcomesResult, ReplayCommandArgs } from "../../server/src/protocol/ext";

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

function isPosition(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= 0;
}

/** A URI given as a string or as a `vscode.Uri`-like object (its toString() gives the URI text). */
function uriText(value: unknown): string | null {
  if (typeof value === "string" && value.length > 0) return value;
  if (
    isRecord(value) &&
    typeof value.scheme === "string" &&
    typeof value.toString === "function" &&
    value.toString !== Object.prototype.toString
  ) {
    return String(value.toString());
  }
  return null;
}

/** The recorded call of a "Replay observed" code lens (`{ trace, observation }`), or null. */
function observedSelector(value: unknown): ReplayCommandArgs["observed"] | null {
  if (!isRecord(value) || typeof value.trace !== "string" || value.trace.length === 0) return null;
  const observation = value.observation ?? 1;
  return typeof observation === "number" && Number.isInteger(observation) && observation >= 1
    ? { trace: value.trace, observation }
    : null;
}

/** The call-site position of a `vmsplice-lens.replay` invocation, or null when the cursor must be used. */
export function parseReplayArgs(args: readonly unknown[]): ReplayCommandArgs | null {
  const [first, second] = args;
  if (isRecord(first) && !("scheme" in first)) {
    const uri = uriText(first.uri);
    if (uri && isPosition(first.line) && isPosition(first.character)) {
      const observed = observedSelector(first.observed);
      return observed
        ? { uri, line: first.line, character: first.character, observed }
        : { uri, line: first.line, character: first.character };
    }
    return null;
  }
  // (uri, {line, character}): the shape of VS Code's own position-taking commands.
  const uri = uriText(first);
  if (uri && isRecord(second) && isPosition(second.line) && isPosition(second.character))
    return { uri, line: second.line, character: second.character };
  return null;
}

/** The scenario URI of a `vmsplice-lens.replayScenario` invocation, or null when the active editor must be used. */
export function parseScenarioArgs(args: readonly unknown[]): string | null {
  const [first] = args;
  if (isRecord(first) && !("scheme" in first)) return uriText(first.uri);
  return uriText(first);
}

/** "main.c:28" from a URI and a zero-based line; the URI's last path segment, percent-decoded when possible. */
export function siteLabel(uri: string, line: number | null): string {
  const withoutQuery = uri.split(/[?#]/)[0];
  const segment = withoutQuery.slice(withoutQuery.lastIndexOf("/") + 1) || withoutQuery;
  let name = segment;
  try {
    name = decodeURIComponent(segment);
  } catch {
    // A malformed escape stays as written.
  }
  return line === null ? name : `${name}:${line + 1}`;
}

/** One vmsplice call of a file as the Replay quick pick lists it: its position, its source line and the lens's verdict. */
export interface CallChoice {
  args: ReplayCommandArgs;
  label: string;
  description: string;
}

/**
 * The calls of a file, from its code lenses (each call has a Replay lens with its position and a verdict lens on the
 * same range), in line order: what the Replay quick pick offers when the cursor is not on a call.
 */
export function callChoices(
  lenses: readonly { line: number; command: string; title: string; args: unknown }[],
  lineText: (line: number) => string,
): CallChoice[] {
  const choices: CallChoice[] = [];
  for (const lens of lenses) {
    if (lens.command !== "vmsplice-lens.replay") continue;
    const args = parseReplayArgs([lens.args]);
    if (!args || choices.some((choice) => choice.args.line === args.line)) continue;
    const verdict = lenses.find((other) => other.line === lens.line && other.command === "")?.title ?? "";
    const text = lineText(args.line).trim();
    choices.push({
      args,
      label: `line ${args.line + 1}: ${text.length > 70 ? `${text.slice(0, 67)}...` : text}`,
      description: verdict,
    });
  }
  return choices.sort((a, b) => a.args.line - b.args.line);
}

/** The call on the cursor's line, when there is one; otherwise null (the quick pick is shown). */
export function callOnLine(choices: readonly CallChoice[], line: number): CallChoice | null {
  return choices.find((choice) => choice.args.line === line) ?? null;
}

/** The choice to preselect: the nearest call at or above the cursor, else the first. */
export function nearestChoice(choices: readonly CallChoice[], line: number): CallChoice | null {
  let best: CallChoice | null = null;
  for (const choice of choices) if (choice.args.line <= line) best = choice;
  return best ?? choices[0] ?? null;
}

/** One text change as the editor reports it: the replaced range's lines and the inserted text. */
export interface LineChange {
  startLine: number;
  endLine: number;
  text: string;
}

/**
 * Where a zero-based line is after one change event (its ranges are positions in the document before the event, as
 * VS Code reports them): a change wholly above the line shifts it by the lines it adds or removes; a change on or
 * below it leaves it. So "Replay again" after an edit above the call still finds the call.
 */
export function shiftLine(line: number, changes: readonly LineChange[]): number {
  let shifted = line;
  for (const change of changes) {
    if (change.endLine >= line) continue;
    const added = change.text.split("\n").length - 1;
    shifted += added - (change.endLine - change.startLine);
  }
  return Math.max(0, shifted);
}

/** One distinct outcome of a recorded site as the "Replay observed" quick pick lists it. */
export interface OutcomeChoice {
  observation: number;
  label: string;
  description: string;
  detail: string;
}

/**
 * The quick pick's items for the outcomes a trace observed at a call: one per distinct outcome, with its count ("3 of 5
 * calls"), the first time it was seen and its processes. Null when there is nothing to choose (one outcome or none):
 * the replay then goes ahead with the observation it was given.
 */
export function outcomeChoices(result: ObservedOutcomesResult): OutcomeChoice[] | null {
  if (result.outcomes.length < 2) return null;
  return result.outcomes.map((outcome) => ({
    observation: outcome.observation,
    label: outcome.label,
    description: `${outcome.count} of ${result.observations} call${result.observations === 1 ? "" : "s"}`,
    detail: `first: observation ${outcome.observation}, ${outcome.first.replace("T", " ").slice(0, 19)} UTC, pid ${outcome.pids.join(", ")}${
      outcome.returned.length > 0 ? `; returned ${outcome.returned.join(", ")} bytes` : ""
    }`,
  }));
}
