/**
 * `vmsplice-lens check`: analyses files and directories and reports in compiler-style text, JSON or SARIF 2.1.0.
 *
 * This module owns the report shapes (pure functions from analyses to text/objects); file walking and reading happen
 * in cli/main.ts through the injected `CheckIo`, so the formatting is testable without a disk.
 */
import {
  CALL_VERDICTS,
  flagNames,
  type CallAnalysis,
  type Finding,
  type KernelModel,
  type PageSize,
} from "../analysis/facts";
import type { FileAnalysis } from "../analysis/analyze";
import { explainMarkdown, findRule, plainText, RULES, unsafeKind } from "../rules";
import { cUnsignedInt } from "../simulator/replay";

/** The flags as the kernel sees them: C `unsigned int`, so `~0xfu` reads 0xfffffff0, never a negative number. */
function callFlagNames(value: number | null): string[] | null {
  if (value === null) return null;
  const unsigned = cUnsignedInt(value);
  // flagNames works on signed 32-bit bitwise results, so the unknown high bits are formatted here, unsigned.
  const names = flagNames(unsigned & 0xf) ?? [];
  const unknown = cUnsignedInt(unsigned & ~0xf);
  return unknown ? [...names, `0x${unknown.toString(16)}`] : names;
}

export const TOOL_NAME = "vmsplice-lens";
export const RULES_DOC_URI = "https://github.com/vmsplice-lens/vmsplice-lens/blob/main/docs/rules.md";

export interface FileReport {
  path: string;
  analysis: FileAnalysis;
  /** Set when the file was skipped (binary, too large, unreadable). */
  skipped?: string;
}

export interface CheckSummary {
  files: number;
  calls: number;
  errors: number;
  warnings: number;
  infos: number;
  /** Calls per verdict: move, copy, partial, unsafe, unknown (every key present, in that order). */
  verdicts: Record<string, number>;
}

export function summarise(reports: FileReport[]): CheckSummary {
  const summary: CheckSummary = {
    files: reports.length,
    calls: 0,
    errors: 0,
    warnings: 0,
    infos: 0,
    verdicts: Object.fromEntries(CALL_VERDICTS.map((verdict) => [verdict, 0])),
  };
  for (const report of reports) {
    summary.calls += report.analysis.calls.length;
    for (const call of report.analysis.calls)
      summary.verdicts[call.verdict] = (summary.verdicts[call.verdict] ?? 0) + 1;
    for (const finding of report.analysis.findings) {
      if (finding.severity === "error") summary.errors++;
      else if (finding.severity === "warning") summary.warnings++;
      else summary.infos++;
    }
  }
  return summary;
}

/** One line per call ("note") and per finding, in source order, then a summary line. */
export function formatText(reports: FileReport[], kernel: KernelModel, pageSize: PageSize): string {
  const lines: string[] = [];
  for (const report of reports) {
    if (report.skipped) {
      lines.push(`${report.path}: note: skipped: ${report.skipped}`);
      continue;
    }
    const entries: { index: number; text: string }[] = [];
    for (const call of report.analysis.calls) {
      const position = call.call.range.start;
      entries.push({
        index: call.call.range.startIndex * 2,
        text: `${report.path}:${position.line + 1}:${position.column + 1}: note: ${describeCall(call)}`,
      });
    }
    for (const finding of report.analysis.findings) {
      const position = finding.range.start;
      entries.push({
        index: finding.range.startIndex * 2 + 1,
        text: `${report.path}:${position.line + 1}:${position.column + 1}: ${finding.severity}: ${finding.message} [${finding.rule}]`,
      });
    }
    entries.sort((left, right) => left.index - right.index);
    lines.push(...entries.map((entry) => entry.text));
    for (const note of report.analysis.notes) lines.push(`${report.path}: note: ${note}`);
  }
  const summary = summarise(reports);
  const verdicts = Object.entries(summary.verdicts)
    .filter(([, count]) => count > 0)
    .map(([verdict, count]) => `${count} ${verdict}`)
    .join(", ");
  lines.push(
    `${summary.calls} vmsplice call${summary.calls === 1 ? "" : "s"} in ${summary.files} file${summary.files === 1 ? "" : "s"}${verdicts ? ` (${verdicts})` : ""}: ${summary.errors} error${summary.errors === 1 ? "" : "s"}, ${summary.warnings} warning${summary.warnings === 1 ? "" : "s"}, ${summary.infos} info [kernel ${kernel}, page size ${pageSize}]`,
  );
  return lines.join("\n") + "\n";
}

/**
 * "vmsplice to-pipe, flags SPLICE_F_GIFT|SPLICE_F_MOVE: 4 pages: 1 move, 3 copy -> partial"; an unsafe call names the
 * rules that make it so: "vmsplice from-pipe, flags SPLICE_F_MOVE: 1 page: 1 unsafe -> unsafe (VMS-ALIGN-DST)".
 */
export function describeCall(analysis: CallAnalysis): string {
  const call = analysis.call;
  const via =
    call.callee === "wrapper" ? ` via ${call.wrapperName}()` : call.callee === "syscall" ? " via syscall()" : "";
  const flags = callFlagNames(call.flags.value);
  const pages = analysis.segments.flatMap((segment) => segment.pageOutcomes);
  const counts = new Map<string, number>();
  for (const page of pages) counts.set(page.verdict, (counts.get(page.verdict) ?? 0) + 1);
  const pageText =
    pages.length === 0
      ? "no pages known"
      : `${pages.length} page${pages.length === 1 ? "" : "s"}: ${[...counts].map(([verdict, count]) => `${count} ${verdict}`).join(", ")}`;
  const missing =
    analysis.verdict === "unknown" && analysis.missing.length > 0 ? `; unknown: ${analysis.missing[0]}` : "";
  const unsafeRules = [
    ...new Set(
      pages.filter((page) => page.verdict === "unsafe").flatMap((page) => page.rules.filter((id) => unsafeKind(id))),
    ),
  ];
  const why = unsafeRules.length > 0 ? ` (${unsafeRules.join(", ")})` : "";
  return `vmsplice${via} ${call.fd.direction}, flags ${flags ? flags.join("|") || "0" : "unknown"}: ${pageText} -> ${analysis.verdict}${why}${missing}`;
}

/** The file of a related location when it is not the finding's own (a fact from an included header). */
function fileOf(item: Finding["related"][number] & { file?: string }, own?: string): string | null {
  return item.file !== undefined && item.file !== own ? item.file : null;
}

function jsonFinding(finding: Finding, own: string) {
  return {
    rule: finding.rule,
    severity: finding.severity,
    line: finding.range.start.line + 1,
    column: finding.range.start.column + 1,
    endLine: finding.range.end.line + 1,
    endColumn: finding.range.end.column + 1,
    message: finding.message,
    related: finding.related.map((item) => ({
      ...(fileOf(item, own) ? { file: fileOf(item, own) } : {}),
      line: item.range.start.line + 1,
      column: item.range.start.column + 1,
      message: item.message,
    })),
  };
}

export function jsonCall(analysis: CallAnalysis) {
  const call = analysis.call;
  return {
    line: call.range.start.line + 1,
    column: call.range.start.column + 1,
    function: call.functionName,
    callee: call.callee,
    wrapper: call.wrapperName,
    direction: call.fd.direction,
    flags: callFlagNames(call.flags.value),
    verdict: analysis.verdict,
    segments: analysis.segments.map((segment) => ({
      base: segment.segment.baseText,
      length: segment.segment.lengthText,
      pages: segment.pages,
      verdict: segment.verdict,
      rules: segment.rules,
      memory: segment.segment.buffer?.memory ?? null,
      origin: segment.segment.buffer?.origin ?? null,
      pageVerdicts: segment.pageOutcomes.map((page) => ({
        index: page.index,
        verdict: page.verdict,
        rules: page.rules,
      })),
      missing: segment.missing,
    })),
    rules: analysis.rules,
    missing: analysis.missing,
    fd: { kind: call.fd.kind, pipeIndex: call.fd.pipeIndex, explanation: call.fd.explanation },
  };
}

export function formatJson(reports: FileReport[], kernel: KernelModel, pageSize: PageSize, version: string): object {
  return {
    tool: { name: TOOL_NAME, version },
    kernel,
    pageSize,
    files: reports.map((report) => ({
      path: report.path,
      ...(report.skipped ? { skipped: report.skipped } : {}),
      calls: report.analysis.calls.map(jsonCall),
      findings: report.analysis.findings.map((finding) => jsonFinding(finding, report.path)),
      notes: report.analysis.notes,
    })),
    summary: summarise(reports),
  };
}

const SARIF_LEVEL = { error: "error", warning: "warning", info: "note" } as const;

/**
 * A finding's SARIF level: its severity, except that a rule which makes a page unsafe is always an error, so an unsafe
 * call never reaches a SARIF consumer as a warning or a note.
 */
function sarifLevel(finding: Finding): "error" | "warning" | "note" {
  return findRule(finding.rule)?.unsafe ? "error" : SARIF_LEVEL[finding.severity];
}

export function formatSarif(reports: FileReport[], kernel: KernelModel, pageSize: PageSize, version: string): object {
  const ruleIndex = new Map<string, number>(RULES.map((record, index) => [record.id, index]));
  return {
    $schema: "https://json.schemastore.org/sarif-2.1.0.json",
    version: "2.1.0",
    runs: [
      {
        tool: {
          driver: {
            name: TOOL_NAME,
            version,
            informationUri: RULES_DOC_URI,
            rules: RULES.map((record) => ({
              id: record.id,
              name: record.id
                .replace(/^VMS-/, "")
                .toLowerCase()
                .replace(/-(.)/g, (_match, letter: string) => letter.toUpperCase()),
              shortDescription: { text: plainText(record.title), markdown: record.title },
              fullDescription: { text: plainText(`${record.condition}. ${record.effect}.`) },
              help: { text: plainText(`Fix: ${record.fix}`), markdown: explainMarkdown(record) },
              helpUri: `${RULES_DOC_URI}#${record.id.toLowerCase()}`,
              defaultConfiguration: { level: SARIF_LEVEL[record.severity] },
              properties: { models: record.models, tags: ["vmsplice", "zero-copy"] },
            })),
          },
        },
        columnKind: "utf16CodeUnits",
        properties: { kernel, pageSize },
        artifacts: reports.map((report) => ({ location: { uri: toUri(report.path) } })),
        // A skipped file has no results; without a notification it would read as clean (SARIF 3.20.21, 3.58).
        invocations: [
          {
            executionSuccessful: true,
            toolExecutionNotifications: reports.flatMap((report, artifactIndex) =>
              report.skipped
                ? [
                    {
                      level: "warning",
                      message: { text: `${report.path} was not analysed: ${report.skipped}` },
                      locations: [
                        { physicalLocation: { artifactLocation: { uri: toUri(report.path), index: artifactIndex } } },
                      ],
                      properties: { skipped: report.skipped },
                    },
                  ]
                : [],
            ),
          },
        ],
        results: reports.flatMap((report, artifactIndex) => {
          // The verdict of the call a finding belongs to travels with it, so consumers can filter unsafe calls.
          const callOf = new Map(
            report.analysis.calls.flatMap((call) => call.findings.map((finding) => [finding, call] as const)),
          );
          return report.analysis.findings.map((finding) => ({
            ruleId: finding.rule,
            ruleIndex: ruleIndex.get(finding.rule) ?? -1,
            level: sarifLevel(finding),
            message: { text: finding.message },
            locations: [
              {
                physicalLocation: {
                  artifactLocation: { uri: toUri(report.path), index: artifactIndex },
                  region: sarifRegion(finding.range),
                },
              },
            ],
            relatedLocations: finding.related.map((item, id) => ({
              id,
              message: { text: item.message },
              physicalLocation: {
                artifactLocation: fileOf(item, report.path)
                  ? { uri: toUri(fileOf(item, report.path) ?? report.path) }
                  : { uri: toUri(report.path), index: artifactIndex },
                region: sarifRegion(item.range),
              },
            })),
            ...(callOf.has(finding) ? { properties: { verdict: callOf.get(finding)?.verdict } } : {}),
          }));
        }),
      },
    ],
  };
}

function sarifRegion(range: Finding["range"]) {
  return {
    startLine: range.start.line + 1,
    startColumn: range.start.column + 1,
    endLine: range.end.line + 1,
    endColumn: range.end.column + 1,
  };
}

/** Relative paths become relative URIs with forward slashes and percent-encoding (SARIF artifactLocation.uri). */
function toUri(filePath: string): string {
  return filePath.split(/[\\/]/).map(encodeURIComponent).join("/");
}
