/**
 * The custom requests `vmsplice-lens/replay` (a call site of an open C document) and `vmsplice-lens/replayScenario`
 * (a `.vmsim` text), answered with the simulator's replay JSON (issue 3 item 6), the same JSON as
 * `vmsplice-lens simulate --format json`.
 *
 * The server never invents a trace: the call site's facts go to the simulator's `replayCallSite`, which lists every
 * assumption it had to make; when the call cannot be found or the parameters are wrong, the answer is a ResponseError
 * with a sentence the client can show.
 */
import { fileURLToPath } from "node:url";
import { ResponseError, type CancellationToken } from "vscode-languageserver/node";
import { KERNEL_MODELS, PAGE_SIZES, type KernelModel, type PageSize } from "../analysis/facts";
import { parseScenario } from "../simulator/parse";
import type { CallAnalysis } from "../analysis/facts";
import { findRule, unsafeKind } from "../rules/index";
import { replayCallSite, type StepSource } from "../simulator/replay";
import {
  ObservedReplayError,
  observedOutcomes,
  replayObserved,
  sameSourceFile,
  type ObservedReplay,
} from "../recorder/replay-observed";
import type { Trace } from "../recorder/trace";
import { toReplayJson, type ReplayJson } from "../simulator/report";
import { runScenario } from "../simulator/run";
import { currentAnalysis, type ServerContext } from "./context";
import { fromLspPosition, ruleDocumentationHref } from "./convert";
import {
  ReplayErrorCodes,
  type ObservedOutcomesParams,
  type ObservedOutcomesResult,
  type ReplayParams,
  type ReplayResult,
  type ReplayRuleWords,
  type ReplayScenarioParams,
} from "./ext";
import { throwIfCancelled } from "./handler";
import { callAtOffset } from "./hover";
import { countPages, verdictSummary } from "./present";

const INVALID_PARAMS = -32602;

function checkOverrides(params: { kernel?: unknown; pageSize?: unknown }): {
  kernel?: KernelModel;
  pageSize?: PageSize;
} {
  if (params.kernel !== undefined && !(KERNEL_MODELS as readonly unknown[]).includes(params.kernel)) {
    throw new ResponseError(
      INVALID_PARAMS,
      `unknown kernel model ${JSON.stringify(params.kernel)}; expected one of ${KERNEL_MODELS.join(", ")}`,
    );
  }
  if (params.pageSize !== undefined && !(PAGE_SIZES as readonly unknown[]).includes(params.pageSize)) {
    throw new ResponseError(
      INVALID_PARAMS,
      `unsupported page size ${JSON.stringify(params.pageSize)}; expected one of ${PAGE_SIZES.join(", ")}`,
    );
  }
  return { kernel: params.kernel as KernelModel | undefined, pageSize: params.pageSize as PageSize | undefined };
}

/** A path for `site.file` when the URI is a file, the URI otherwise (untitled documents). */
function displayFile(uri: string): string {
  try {
    return uri.startsWith("file:") ? fileURLToPath(uri) : uri;
  } catch {
    return uri;
  }
}

/** Plain-text words of a rule field (the registry writes markdown code spans). */
function plain(text: string): string {
  return text.replace(/`([^`]*)`/g, "$1");
}

/**
 * What the webview says about each rule id the trace carries: its title and effect in words, whether a page it fires
 * on is unsafe rather than moved, and its documentation link (the diagnostics' link).
 */
export function ruleWords(json: ReplayJson, docsBase: string): Record<string, ReplayRuleWords> {
  const ids = new Set<string>();
  for (const page of json.pages) for (const id of page.rules) ids.add(id);
  for (const step of json.steps) for (const id of step.rules) ids.add(id);
  const words: Record<string, ReplayRuleWords> = {};
  for (const id of [...ids].sort()) {
    const record = findRule(id);
    if (!record) continue;
    words[id] = {
      title: plain(record.title),
      effect: plain(record.effect),
      unsafe: unsafeKind(id),
      href: ruleDocumentationHref(docsBase, id),
    };
  }
  return words;
}

/** The simulator's JSON as the protocol type (the same fields; steps become plain objects), with the rules in words. */
function toResult(json: ReplayJson, docsBase: string): ReplayResult {
  return {
    ...json,
    steps: json.steps.map((step) => ({ ...step })),
    pages: json.pages.map((page) => ({ ...page })),
    results: { ...json.results },
    ruleWords: ruleWords(json, docsBase),
  };
}

const MEMORY_WORDS: Record<string, string> = {
  mmap: "mapped",
  fill: "written before the call",
  madvise: "madvise()",
  mlock: "mlock()",
  fork: "fork() while it is mapped",
  munmap: "unmapped",
  "ksm-merge": "merged by KSM",
};

/** Steps about the pipe rather than a buffer. */
const PIPE_WORDS: Record<string, string> = {
  read: "read() from the pipe before the call",
  fcntl: "fcntl(F_SETPIPE_SZ) resizes the pipe",
};

/** A call's text on one line, shortened: what the step log shows for the writer and reader steps. */
function callText(text: string, call: CallAnalysis["call"]): string {
  const source = text.slice(call.range.startIndex, call.range.endIndex).replace(/\s+/g, " ");
  return source.length > 80 ? `${source.slice(0, 77)}...` : source;
}

/** The C code of a range of the main file on one line, shortened; null outside it (a header's). */
function codeAt(text: string, origin: StepSource["origin"]): string | null {
  if (!origin || origin.startIndex < 0 || origin.endIndex > text.length || origin.endIndex <= origin.startIndex)
    return null;
  const code = text.slice(origin.startIndex, origin.endIndex).replace(/\s+/g, " ").trim();
  return code.length > 80 ? `${code.slice(0, 77)}...` : code;
}

/**
 * Step labels in the C program's words, keyed by the generated scenario's line: the writer and reader calls with their
 * C line and text, the buffers' memory by their C names; the scenario language never reaches the user.
 */
export function stepLabels(
  sources: readonly StepSource[],
  scenarioLines: readonly string[],
  calls: readonly CallAnalysis[],
  text: string,
): Record<number, string> {
  const labels: Record<number, string> = {};
  const callOnLine = (line: number | null) =>
    line === null ? null : (calls.find((candidate) => candidate.call.calleeRange.start.line + 1 === line) ?? null);
  for (const source of sources) {
    const scenarioText = scenarioLines[source.scenarioLine - 1] ?? "";
    const verb = /^[WR]: (\S+)/.exec(scenarioText)?.[1] ?? "";
    switch (source.role) {
      case "writer":
      case "reader": {
        const call = callOnLine(source.cLine);
        labels[source.scenarioLine] =
          call && source.cLine !== null
            ? `line ${source.cLine}: ${callText(text, call.call)}`
            : `the ideal ${source.role} the replay added (no ${source.role} call on this pipe in the file)`;
        break;
      }
      case "writer-memory":
      case "reader-memory": {
        const side = source.role === "writer-memory" ? "writer" : "reader";
        if (PIPE_WORDS[verb]) {
          labels[source.scenarioLine] = `${side}: ${PIPE_WORDS[verb]}`;
          break;
        }
        const what = source.buffer ? `'${source.buffer}'` : `the ${side}'s buffer (assumed by the replay)`;
        const origin = codeAt(text, source.origin);
        if (verb === "mmap" && origin) {
          labels[source.scenarioLine] = `line ${source.origin!.line}: ${origin} (the ${side}'s buffer ${what})`;
          break;
        }
        // The replay fills the reader's buffer with a marker byte, so the picture shows which bytes the call changes.
        const words =
          side === "reader" && verb === "fill"
            ? "filled with a marker byte by the replay (to show which bytes change)"
            : (MEMORY_WORDS[verb] ?? verb);
        labels[source.scenarioLine] = `${side}: ${what} ${words}`;
        break;
      }
      case "pipe": {
        const origin = codeAt(text, source.origin);
        labels[source.scenarioLine] =
          origin && source.origin ? `line ${source.origin.line}: ${origin}` : "pipe() creates the pipe";
        break;
      }
      default:
        if (/^process W/.test(scenarioText)) labels[source.scenarioLine] = "the writing process";
        else if (/^process R/.test(scenarioText)) labels[source.scenarioLine] = "the reading process";
    }
  }
  return labels;
}

/** Finds the call at the position; the line of its callee also selects it, so a code lens position always works. */
export async function replayAtPosition(
  context: ServerContext,
  params: ReplayParams,
  token: CancellationToken,
): Promise<ReplayResult> {
  if (!params || typeof params.uri !== "string" || typeof params.line !== "number")
    throw new ResponseError(INVALID_PARAMS, "replay needs {uri, line, character}");
  const overrides = checkOverrides(params);
  if (params.observed !== undefined) return replayObservedAt(context, params, overrides, token);
  const result = await currentAnalysis(context, params.uri, token);
  const entry = context.store.get(params.uri);
  if (!result || !entry)
    throw new ResponseError(
      ReplayErrorCodes.unknownDocument,
      `the document ${params.uri} is not open in the vmsplice Lens server`,
    );
  if (result.skipped) throw new ResponseError(ReplayErrorCodes.noCallAtPosition, result.skipped);
  const offset = fromLspPosition(entry.document, { line: params.line, character: params.character });
  const calls = result.analysis.calls;
  const analysis =
    callAtOffset(calls, offset) ??
    calls.find((candidate) => candidate.call.calleeRange.start.line === params.line) ??
    null;
  if (!analysis || !result.facts)
    throw new ResponseError(ReplayErrorCodes.noCallAtPosition, `no vmsplice call at line ${params.line + 1}`);
  const factCalls = result.facts.calls;
  let index = factCalls.indexOf(analysis.call);
  if (index < 0) index = factCalls.findIndex((call) => call.range.startIndex === analysis.call.range.startIndex);
  if (index < 0)
    throw new ResponseError(ReplayErrorCodes.noCallAtPosition, `no vmsplice call at line ${params.line + 1}`);
  throwIfCancelled(token);
  const kernel = overrides.kernel ?? result.settings.kernel;
  const pageSize = overrides.pageSize ?? result.settings.pageSize;
  const replay = replayCallSite(factCalls, index, { kernel, pageSize, file: displayFile(params.uri) });
  const text = entry.document.getText();
  const focusRole = replay.sources.find((source) => source.cLine === analysis.call.calleeRange.start.line + 1)?.role;
  // The code lens's count for this call under the replay's kernel and page size: the webview shows the same number.
  const lensAnalysis =
    kernel === result.settings.kernel && pageSize === result.settings.pageSize
      ? analysis
      : lensUnder(context, params.uri, analysis, result.settings, kernel, pageSize, token);
  return {
    ...toResult(replay.json, context.docsBase),
    stepLabels: stepLabels(replay.sources, replay.scenarioText.split("\n"), calls, text),
    focus: {
      role: focusRole === "reader" ? "reader" : "writer",
      line: analysis.call.calleeRange.start.line + 1,
      pages: lensAnalysis ? countPages(lensAnalysis).total : null,
      lens: lensAnalysis ? verdictSummary(lensAnalysis) : null,
    },
  };
}

export async function replayScenario(
  context: ServerContext,
  params: ReplayScenarioParams,
  token: CancellationToken,
): Promise<ReplayResult> {
  if (!params || typeof params.uri !== "string")
    throw new ResponseError(INVALID_PARAMS, "replayScenario needs {uri, text?}");
  const overrides = checkOverrides(params);
  const text = typeof params.text === "string" ? params.text : context.store.get(params.uri)?.document.getText();
  if (text === undefined)
    throw new ResponseError(
      ReplayErrorCodes.unknownDocument,
      `the scenario ${params.uri} is not open and no text was sent`,
    );
  const parsed = parseScenario(text);
  if (parsed.diagnostics.length > 0) {
    const problems = parsed.diagnostics
      .slice(0, 5)
      .map((problem) => `line ${problem.line}, column ${problem.column}: ${problem.message}`);
    throw new ResponseError(ReplayErrorCodes.scenarioInvalid, `the scenario does not parse: ${problems.join("; ")}`);
  }
  throwIfCancelled(token);
  const settings = await context.settings.get(params.uri);
  const kernel =
    overrides.kernel ??
    (parsed.scenario.models.length > 0 && !parsed.scenario.models.includes(settings.kernel)
      ? parsed.scenario.models[0]
      : settings.kernel);
  const pageSize = overrides.pageSize ?? parsed.scenario.pageSize ?? settings.pageSize;
  const simulation = runScenario(parsed.scenario, { kernel, pageSize });
  return toResult(
    toReplayJson(parsed.scenario, simulation, { site: { file: displayFile(params.uri), line: 1 } }),
    context.docsBase,
  );
}

/** The `observed` selector of a replay request, checked. */
function checkObserved(observed: unknown): { trace: string; observation: number } {
  const value = observed as { trace?: unknown; observation?: unknown } | null;
  const observation = value?.observation ?? 1;
  if (
    typeof value !== "object" ||
    value === null ||
    typeof value.trace !== "string" ||
    typeof observation !== "number" ||
    !Number.isInteger(observation) ||
    observation < 1
  )
    throw new ResponseError(
      INVALID_PARAMS,
      "observed needs {trace: a trace path, observation?: a positive whole number}",
    );
  return { trace: value.trace, observation };
}

/**
 * Replays the call a kept trace of the workspace observed on the lines of the call at the position (the "Replay
 * observed" code lens): recorder/replay-observed.ts, under the request's or the document's kernel model and page size.
 */
async function replayObservedAt(
  context: ServerContext,
  params: ReplayParams,
  overrides: { kernel?: KernelModel; pageSize?: PageSize },
  token: CancellationToken,
): Promise<ReplayResult> {
  const selector = checkObserved(params.observed);
  const site = await observedSite(context, params, selector.trace, token);
  let replay: ObservedReplay;
  try {
    replay = replayObserved(
      site.trace,
      { file: site.file, firstLine: site.firstLine, lastLine: site.lastLine, observation: selector.observation },
      {
        kernel: overrides.kernel ?? site.settings.kernel,
        pageSize: overrides.pageSize ?? site.settings.pageSize,
        traceName: selector.trace,
      },
    );
  } catch (error) {
    if (error instanceof ObservedReplayError) throw new ResponseError(ReplayErrorCodes.noCallAtPosition, error.message);
    throw error;
  }
  const text = context.store.get(params.uri)?.document.getText() ?? "";
  return {
    ...toResult(replay.json, context.docsBase),
    stepLabels: observedStepLabels(replay, site.calls, text, site.file),
    focus: {
      role: replay.role,
      line: site.analysis ? site.analysis.call.calleeRange.start.line + 1 : params.line + 1,
      pages: null,
      lens: null,
    },
    observed: { trace: selector.trace, observation: replay.observation, observations: replay.observations },
  };
}

/**
 * The recorded site of the call at a position: the workspace trace (parsed), the file, the call's first and last lines
 * (the lens shows what the run observed on any line of the call: a multi-line call, a wrapper's call site), the
 * document's analysis and settings.
 */
async function observedSite(
  context: ServerContext,
  params: { uri: string; line: number; character: number },
  tracePath: string,
  token: CancellationToken,
) {
  if (!params.uri.startsWith("file:"))
    throw new ResponseError(ReplayErrorCodes.noCallAtPosition, "recorded runs are matched to files on disk only");
  const trace: Trace | null = context.observed?.readTrace(tracePath) ?? null;
  if (!trace)
    throw new ResponseError(
      ReplayErrorCodes.noCallAtPosition,
      `the trace ${tracePath} is not a readable *.vmsplice-trace.jsonl of the open folders`,
    );
  const result = await currentAnalysis(context, params.uri, token);
  const settings = result?.settings ?? (await context.settings.get(params.uri));
  const calls = result && !result.skipped ? result.analysis.calls : [];
  const offset = result ? fromLspPosition(context.store.get(params.uri)!.document, params) : null;
  const analysis =
    (offset === null ? null : callAtOffset(calls, offset)) ??
    calls.find((candidate) => candidate.call.calleeRange.start.line === params.line) ??
    null;
  throwIfCancelled(token);
  return {
    trace,
    file: fileURLToPath(params.uri),
    firstLine: analysis ? analysis.call.range.start.line + 1 : params.line + 1,
    lastLine: analysis ? analysis.call.range.end.line + 1 : params.line + 1,
    analysis,
    calls,
    settings,
  };
}

/** The distinct outcomes a kept trace observed at the call at a position (ObservedOutcomesRequest). */
export async function observedOutcomesAt(
  context: ServerContext,
  params: ObservedOutcomesParams,
  token: CancellationToken,
): Promise<ObservedOutcomesResult> {
  if (
    !params ||
    typeof params.uri !== "string" ||
    typeof params.line !== "number" ||
    typeof params.character !== "number" ||
    typeof params.trace !== "string"
  )
    throw new ResponseError(INVALID_PARAMS, "observedOutcomes needs {uri, line, character, trace}");
  const overrides = checkOverrides(params);
  const site = await observedSite(context, params, params.trace, token);
  const outcomes = observedOutcomes(
    site.trace,
    { file: site.file, firstLine: site.firstLine, lastLine: site.lastLine },
    { kernel: overrides.kernel ?? site.settings.kernel, pageSize: overrides.pageSize ?? site.settings.pageSize },
  );
  if (outcomes.length === 0)
    throw new ResponseError(
      ReplayErrorCodes.noCallAtPosition,
      `the trace ${params.trace} observed no vmsplice call at ${site.file}:${site.firstLine}`,
    );
  return {
    trace: params.trace,
    observations: outcomes.reduce((sum, outcome) => sum + outcome.count, 0),
    outcomes,
  };
}

/**
 * Step labels of an observed call's replay: the writer and reader steps name the recorded calls (with the C text when
 * the call is on a line of this document), the ideal counterpart says no call on the pipe was recorded.
 */
function observedStepLabels(
  replay: ObservedReplay,
  calls: readonly CallAnalysis[],
  text: string,
  file: string,
): Record<number, string> {
  const labels = stepLabels(replay.sources, replay.scenarioText.split("\n"), calls, text);
  for (const source of replay.sources) {
    if (source.role !== "writer" && source.role !== "reader") continue;
    const recorded = source.role === replay.role ? replay.focus : replay.counterpart;
    const inThisFile =
      recorded &&
      sameSourceFile(recorded.site.file, file) &&
      calls.some((call) => call.call.calleeRange.start.line + 1 === source.cLine);
    if (!recorded)
      labels[source.scenarioLine] =
        `the ideal ${source.role} the replay added (no ${source.role} on this pipe was recorded)`;
    else if (!inThisFile)
      labels[source.scenarioLine] =
        `the recorded ${source.role} call at ${recorded.site.file}:${recorded.site.line ?? "?"} (pid ${recorded.trace.pid})`;
  }
  return labels;
}

/** The call's analysis under another kernel model or page size (the webview's switches), for the lens's words. */
function lensUnder(
  context: ServerContext,
  uri: string,
  analysis: CallAnalysis,
  settings: { maxFileSize: number },
  kernel: KernelModel,
  pageSize: PageSize,
  token: CancellationToken,
): CallAnalysis | null {
  const result = context.store.engine.analysis(uri, { kernel, pageSize, maxFileSize: settings.maxFileSize }, token);
  return result.calls.find((candidate) => candidate.call.range.startIndex === analysis.call.range.startIndex) ?? null;
}
