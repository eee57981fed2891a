/**
 * Code lenses above each vmsplice call: the verdict in a few words ("8 pages: 1 moved, 7 copied · rfc-v2", or
 * "4 pages: 1 unsafe, 3 copied · rfc-v2", where an unsafe page is never counted as moved)
 * and a "Replay" link running the client command `vmsplice-lens.replay` on that call.
 *
 * The verdict lens has an empty command id: editors show it as plain text, because clicking a verdict has no meaning.
 * When a recorded run (a `*.vmsplice-trace.jsonl` kept by `vmsplice-lens record --out`) observed calls on the call's
 * lines, a third lens says what the run saw: "observed: 4 pages moved (run of 2026-12-04)", under the same kernel model,
 * and a "Replay observed" link replays a call the run observed there (its real offsets, lengths and page kinds): the
 * first, or, when the calls there had several distinct outcomes, the first of the outcome the user picks (the client
 * asks `vmsplice-lens/observedOutcomes` and shows a quick pick).
 */
import type { CancellationToken, CodeLens, CodeLensParams } from "vscode-languageserver/node";
import { currentAnalysis, type ServerContext } from "./context";
import { toLspRange } from "./convert";
import { Commands, type ReplayCommandArgs } from "./ext";
import { throwIfCancelled } from "./handler";
import { verdictSummary } from "./present";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { observedLensTitle } from "../recorder/observed";

export async function provideCodeLenses(
  context: ServerContext,
  params: CodeLensParams,
  token: CancellationToken,
): Promise<CodeLens[]> {
  const result = await currentAnalysis(context, params.textDocument.uri, token);
  if (!result || result.skipped || !result.settings.codeLens) return [];
  const lenses: CodeLens[] = [];
  const uri = params.textDocument.uri;
  const observed =
    context.observed && uri.startsWith("file:")
      ? context.observed.sitesFor(fileURLToPath(uri), {
          kernel: result.settings.kernel,
          pageSize: result.settings.pageSize,
        })
      : [];
  for (const analysis of result.analysis.calls) {
    throwIfCancelled(token);
    const range = toLspRange(analysis.call.calleeRange);
    const args: ReplayCommandArgs = {
      uri: params.textDocument.uri,
      line: analysis.call.calleeRange.start.line,
      character: analysis.call.calleeRange.start.column,
    };
    lenses.push({ range, command: { title: verdictSummary(analysis), command: "" } });
    lenses.push({ range, command: { title: "Replay", command: Commands.replay, arguments: [args] } });
    const first = analysis.call.range.start.line + 1;
    const last = analysis.call.range.end.line + 1;
    const sites = observed.filter((item) => item.line >= first && item.line <= last);
    // One "Replay observed" per trace: it replays the first call that trace observed on any of the call's lines.
    const traces = [...new Set(sites.map((site) => site.trace))];
    for (const site of sites) lenses.push({ range, command: { title: observedLensTitle(site), command: "" } });
    for (const trace of traces) {
      const observedArgs: ReplayCommandArgs = { ...args, observed: { trace, observation: 1 } };
      const title = traces.length > 1 ? `Replay observed (${path.basename(trace)})` : "Replay observed";
      lenses.push({ range, command: { title, command: Commands.replay, arguments: [observedArgs] } });
    }
  }
  return lenses;
}
