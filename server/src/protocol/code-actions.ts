/**
 * Code actions of kind `quickfix` for the findings under the cursor: the mechanical fixes of analysis/fixes.ts and
 * "insert suppression comment". Offsets from the fix engine become LSP ranges here; each action carries the
 * diagnostics it resolves, so the editor shows it on the right squiggle. An action is computed for the document
 * version the request saw, and none is answered when the document changed meanwhile.
 */
import {
  CodeActionKind,
  type CancellationToken,
  type CodeAction,
  type CodeActionParams,
  type Diagnostic,
  type TextEdit,
} from "vscode-languageserver/node";
import type { PositionMapper } from "./text-document";
import { suppressionFix, type QuickFix } from "../analysis/fixes";
import { quickFixesForCall } from "../rules/quick-fixes";
import { currentAnalysis, type ServerContext } from "./context";
import { DIAGNOSTIC_SOURCE, rangesOverlap, toLspDiagnostics, toLspRange } from "./convert";
import { throwIfCancelled } from "./handler";

export const CODE_ACTION_KINDS = [CodeActionKind.QuickFix] as const;

function toTextEdits(document: PositionMapper, fix: QuickFix): TextEdit[] {
  return fix.edits.map((edit) => ({
    range: { start: document.positionAt(edit.startIndex), end: document.positionAt(edit.endIndex) },
    newText: edit.newText,
  }));
}

export async function provideCodeActions(
  context: ServerContext,
  params: CodeActionParams,
  token: CancellationToken,
): Promise<CodeAction[]> {
  if (
    params.context.only &&
    !params.context.only.some(
      (kind) =>
        kind === CodeActionKind.QuickFix ||
        kind === CodeActionKind.Empty ||
        CodeActionKind.QuickFix.startsWith(`${kind}.`),
    )
  )
    return [];
  const uri = params.textDocument.uri;
  const result = await currentAnalysis(context, uri, token);
  const entry = context.store.get(uri);
  if (!result || result.skipped || !entry || entry.document.version !== result.version) return [];
  const document = entry.document;
  const actions: CodeAction[] = [];
  for (const analysis of result.analysis.calls) {
    throwIfCancelled(token);
    const findings = analysis.findings.filter(
      (finding) =>
        rangesOverlap(toLspRange(finding.range), params.range) ||
        rangesOverlap(toLspRange(analysis.call.range), params.range),
    );
    if (findings.length === 0) continue;
    const diagnostics = toLspDiagnostics(findings, result.settings, context.docsBase);
    if (diagnostics.length === 0) continue;
    const ruleIds = [...new Set(diagnostics.map((diagnostic) => String(diagnostic.code)))];
    const attached = (rules: readonly string[]): Diagnostic[] => {
      const fromClient = params.context.diagnostics.filter(
        (diagnostic) => diagnostic.source === DIAGNOSTIC_SOURCE && rules.includes(String(diagnostic.code)),
      );
      return fromClient.length > 0
        ? fromClient
        : diagnostics.filter((diagnostic) => rules.includes(String(diagnostic.code)));
    };
    const fixes = quickFixesForCall(analysis, result.text, result.tree, findings, () => token.isCancellationRequested);
    throwIfCancelled(token);
    for (const fix of fixes) {
      actions.push({
        title: fix.title,
        kind: CodeActionKind.QuickFix,
        isPreferred: fix.isPreferred,
        diagnostics: attached(fix.rules),
        edit: { changes: { [uri]: toTextEdits(document, fix) } },
      });
    }
    const suppression = suppressionFix(analysis, result.text, ruleIds);
    if (suppression) {
      actions.push({
        title: suppression.title,
        kind: CodeActionKind.QuickFix,
        isPreferred: false,
        diagnostics: attached(ruleIds),
        edit: { changes: { [uri]: toTextEdits(document, suppression) } },
      });
    }
  }
  return actions;
}
