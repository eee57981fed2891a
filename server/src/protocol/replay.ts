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
import { replayCallSite } from "../simulator/replay";
import { toReplayJson, type ReplayJson } from "../simulator/report";
import { runScenario } from "../simulator/run";
import { currentAnalysis, type ServerContext } from "./context";
import { fromLspPosition } from "./convert";
import { ReplayErrorCodes, type ReplayParams, type ReplayResult, type ReplayScenarioParams } from "./ext";
import { throwIfCancelled } from "./handler";
import { callAtOffset } from "./hover";

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

/** The simulator's JSON as the protocol type (the same fields; steps become plain objects). */
function toResult(json: ReplayJson): ReplayResult {
  return {
    ...json,
    steps: json.steps.map((step) => ({ ...step })),
    pages: json.pages.map((page) => ({ ...page })),
    results: { ...json.results },
  };
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
  const replay = replayCallSite(factCalls, index, {
    kernel: overrides.kernel ?? result.settings.kernel,
    pageSize: overrides.pageSize ?? result.settings.pageSize,
    file: displayFile(params.uri),
  });
  return toResult(replay.json);
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
  return toResult(toReplayJson(parsed.scenario, simulation, { site: { file: displayFile(params.uri), line: 1 } }));
}
