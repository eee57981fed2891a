/**
 * The custom requests `vmsplice-lens/replay` (a call site of an open C document) and `vmsplice-lens/replayScenario`
 * (a `.vmsim` text), answered with the simulator's replay JSON.
 *
 * The server does not invent traces: until the simulator's call-site replay (server/src/simulator/replay.ts) is built
 * into the server, both requests answer a ResponseError saying replay is unavailable.
 */
import { ResponseError, type CancellationToken } from "vscode-languageserver/node";
import { currentAnalysis, type ServerContext } from "./context";
import { fromLspPosition } from "./convert";
import { ReplayErrorCodes, type ReplayParams, type ReplayResult, type ReplayScenarioParams } from "./ext";
import { callAtOffset } from "./hover";

/** Finds the call at the position; the line of its callee also selects it, so a code lens position always works. */
export async function replayAtPosition(context: ServerContext, params: ReplayParams, token: CancellationToken): Promise<ReplayResult> {
  if (!params || typeof params.uri !== "string") throw new ResponseError(-32602, "replay needs {uri, line, character}");
  const result = await currentAnalysis(context, params.uri, token);
  if (!result) throw new ResponseError(ReplayErrorCodes.unknownDocument, `the document ${params.uri} is not open in the vmsplice Lens server`);
  const entry = context.store.get(params.uri);
  if (!entry) throw new ResponseError(ReplayErrorCodes.unknownDocument, `the document ${params.uri} is not open in the vmsplice Lens server`);
  const offset = fromLspPosition(entry.document, { line: params.line, character: params.character });
  const calls = result.analysis.calls;
  const analysis = callAtOffset(calls, offset) ?? calls.find((candidate) => candidate.call.calleeRange.start.line === params.line) ?? null;
  if (!analysis) throw new ResponseError(ReplayErrorCodes.noCallAtPosition, `no vmsplice call at line ${params.line + 1}`);
  throw new ResponseError(ReplayErrorCodes.unavailable, "replay is unavailable: the simulator's call-site replay is not built into this server yet");
}

export async function replayScenario(_context: ServerContext, params: ReplayScenarioParams, _token: CancellationToken): Promise<ReplayResult> {
  if (!params || typeof params.uri !== "string") throw new ResponseError(-32602, "replayScenario needs {uri, text?}");
  throw new ResponseError(ReplayErrorCodes.unavailable, "scenario replay is unavailable: the simulator is not built into this server yet");
}
