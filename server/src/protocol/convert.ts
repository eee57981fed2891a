/**
 * Conversions between the analyzer's shapes and LSP shapes (to-lsp and from-lsp), in one place (STYLE.md section 2).
 *
 * `SourceRange` positions already count UTF-16 code units per line, the LSP convention, so ranges convert field by
 * field; positions coming from the client are clamped against the document before use, so an out-of-range request
 * never reaches the core. Severity follows the rule table, then the user's per-rule override.
 * This module imports protocol types and the rule table, never Node's I/O.
 */
import { pathToFileURL } from "node:url";
import { DiagnosticSeverity, type Diagnostic, type Position, type Range } from "vscode-languageserver/node";
import type { PositionMapper } from "./text-document";
import type { Severity, SourceRange } from "../analysis/facts";
import type { LocatedFinding } from "../engine/engine";
import { findRule } from "../rules";
import type { LensSettings, SeverityOverride } from "../config";

export const DIAGNOSTIC_SOURCE = "vmsplice-lens";

export function toLspRange(range: SourceRange): Range {
  return {
    start: { line: range.start.line, character: range.start.column },
    end: { line: range.end.line, character: range.end.column },
  };
}

export function toLspSeverity(severity: Severity | SeverityOverride): DiagnosticSeverity {
  switch (severity) {
    case "error":
      return DiagnosticSeverity.Error;
    case "warning":
      return DiagnosticSeverity.Warning;
    case "hint":
      return DiagnosticSeverity.Hint;
    default:
      return DiagnosticSeverity.Information;
  }
}

/** A position from the client, clamped into the document, as a UTF-16 offset into its text. */
export function fromLspPosition(document: PositionMapper, position: Position): number {
  const line = Number.isFinite(position?.line) ? Math.max(0, Math.floor(position.line)) : 0;
  const character = Number.isFinite(position?.character) ? Math.max(0, Math.floor(position.character)) : 0;
  return document.offsetAt({ line, character });
}

/** Whether an offset falls inside a range (end inclusive, so the cursor just after a call still selects it). */
export function rangeContains(range: SourceRange, offset: number): boolean {
  return range.startIndex <= offset && offset <= range.endIndex;
}

export function rangesOverlap(a: Range, b: Range): boolean {
  const before = (x: Position, y: Position) => x.line < y.line || (x.line === y.line && x.character <= y.character);
  return before(a.start, b.end) && before(b.start, a.end);
}

/**
 * The documentation link of a rule: its page `<RULE-ID>.md` under the documentation base, a URI ending in `/` (the
 * bundled dist/docs/ folder as a file URL, or the URI scheme the VS Code client serves the same pages under). A base
 * without the trailing slash gets one.
 */
export function ruleDocumentationHref(docsBase: string, ruleId: string): string {
  return `${docsBase.endsWith("/") ? docsBase : `${docsBase}/`}${ruleId}.md`;
}

/**
 * Findings to diagnostics, honouring per-rule overrides ("off" drops the finding). Related locations point at the
 * file the engine says they are in (the engine's file key is the document URI).
 */
export function toLspDiagnostics(
  findings: readonly LocatedFinding[],
  settings: LensSettings,
  docsBase: string,
): Diagnostic[] {
  const diagnostics: Diagnostic[] = [];
  for (const finding of findings) {
    const override = settings.severity[finding.rule];
    if (override === "off") continue;
    const diagnostic: Diagnostic = {
      range: toLspRange(finding.range),
      severity: toLspSeverity(override ?? finding.severity),
      code: finding.rule,
      source: DIAGNOSTIC_SOURCE,
      message: finding.message,
    };
    if (findRule(finding.rule)) diagnostic.codeDescription = { href: ruleDocumentationHref(docsBase, finding.rule) };
    if (finding.related.length > 0) {
      diagnostic.relatedInformation = finding.related.map((related) => ({
        location: { uri: asUri(related.file), range: toLspRange(related.range) },
        message: related.message,
      }));
    }
    diagnostics.push(diagnostic);
  }
  return diagnostics;
}

/** A located file as a URI: open documents are named by URI, included headers by their path on disk. */
export function asUri(file: string): string {
  return /^[a-z][a-z0-9+.-]+:/i.test(file) && !/^[a-z]:[\\/]/i.test(file) ? file : pathToFileURL(file).href;
}
