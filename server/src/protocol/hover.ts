/**
 * Hover on a vmsplice call or one of its arguments: direction, decoded flags, a per-segment table, per-page verdicts
 * under the configured kernel model and page size, the rules that fired with their explanation, and a command link
 * "Replay page movement".
 *
 * Hovering an argument puts the facts about that argument first (the descriptor's provenance, the decoded flags, the
 * iovec table); the rest of the call's hover follows. All text that comes from source code goes through markdown.ts.
 */
import { MarkupKind, type CancellationToken, type Hover, type HoverParams } from "vscode-languageserver/node";
import { evaluate, type CallAnalysis, type SegmentVerdict } from "../analysis/facts";
import { explainMarkdown, findRule } from "../rules";
import { currentAnalysis, type ServerContext } from "./context";
import { fromLspPosition, rangeContains, toLspRange } from "./convert";
import { Commands, type ReplayCommandArgs } from "./ext";
import { throwIfCancelled } from "./handler";
import { callSiteCommandLink, escapeMarkdown, inlineCode } from "./markdown";
import { countPages, decodeFlags, formatSym, unsafeSentence, verdictSummary } from "./present";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { observedHoverLines } from "../recorder/observed";

/** The call whose range contains the offset; the innermost one when calls nest (a wrapper call around vmsplice). */
export function callAtOffset(calls: readonly CallAnalysis[], offset: number): CallAnalysis | null {
  let best: CallAnalysis | null = null;
  for (const analysis of calls) {
    if (!rangeContains(analysis.call.range, offset)) continue;
    if (
      !best ||
      analysis.call.range.endIndex - analysis.call.range.startIndex <
        best.call.range.endIndex - best.call.range.startIndex
    )
      best = analysis;
  }
  return best;
}

export async function provideHover(
  context: ServerContext,
  params: HoverParams,
  token: CancellationToken,
): Promise<Hover | null> {
  const result = await currentAnalysis(context, params.textDocument.uri, token);
  if (!result || result.skipped) return null;
  const entry = context.store.get(params.textDocument.uri);
  if (!entry) return null;
  const offset = fromLspPosition(entry.document, params.position);
  const analysis = callAtOffset(result.analysis.calls, offset);
  if (!analysis) return null;
  throwIfCancelled(token);
  const replayArgs: ReplayCommandArgs = {
    uri: params.textDocument.uri,
    line: analysis.call.calleeRange.start.line,
    character: analysis.call.calleeRange.start.column,
  };
  const observed = observedSection(context, params.textDocument.uri, analysis, result.settings);
  return {
    contents: {
      kind: MarkupKind.Markdown,
      value: hoverMarkdown(analysis, offset, replayArgs) + (observed ? `\n\n---\n\n${observed}` : ""),
    },
    range: toLspRange(analysis.call.range),
  };
}

/** What recorded runs in the workspace observed on this call's lines (see protocol/observed-runs.ts), or null. */
function observedSection(
  context: ServerContext,
  uri: string,
  analysis: CallAnalysis,
  settings: { kernel: CallAnalysis["kernel"]; pageSize: CallAnalysis["pageSize"] },
): string | null {
  if (!context.observed || !uri.startsWith("file:")) return null;
  const first = analysis.call.range.start.line + 1;
  const last = analysis.call.range.end.line + 1;
  const sites = context.observed
    .sitesFor(fileURLToPath(uri), { kernel: settings.kernel, pageSize: settings.pageSize })
    .filter((site) => site.line >= first && site.line <= last);
  if (sites.length === 0) return null;
  return sites
    .map((site) => {
      const lines = observedHoverLines(site, analysis.verdict, analysis.missing);
      return [
        `**Observed** (${inlineCode(path.basename(site.trace))}): ${escapeMarkdown(lines.head)}`,
        ...(lines.settled ? [escapeMarkdown(lines.settled)] : []),
        lines.facts.map((fact) => `- ${escapeMarkdown(fact)}`).join("\n"),
      ].join("\n\n");
    })
    .join("\n\n");
}

function directionText(analysis: CallAnalysis): string {
  const fd = analysis.call.fd;
  const end =
    fd.pipeName && fd.pipeIndex !== null
      ? ` (${inlineCode(`${fd.pipeName}[${fd.pipeIndex}]`)}, ${fd.pipeIndex === 1 ? "write end" : "read end"})`
      : "";
  switch (fd.direction) {
    case "to-pipe":
      return `writes user pages **into the pipe**${end}`;
    case "from-pipe":
      return `reads **from the pipe** into user memory${end}`;
    default:
      return `direction unknown${end}`;
  }
}

function segmentRows(analysis: CallAnalysis): string[] {
  const pageSize = analysis.pageSize;
  const rows = ["| # | base | length | alignment | memory | pages | verdict |", "|---|---|---|---|---|---|---|"];
  analysis.segments.forEach((segment, index) => {
    const buffer = segment.segment.buffer;
    const alignment = alignmentText(segment, pageSize);
    const memory = buffer ? `${buffer.memory} (${buffer.origin})` : "unknown";
    rows.push(
      `| ${index} | ${inlineCode(segment.segment.baseText, true)} | ${inlineCode(segment.segment.lengthText, true)} = ${escapeMarkdown(formatSym(segment.segment.length, pageSize))} | ${alignment} | ${escapeMarkdown(memory)} | ${segment.pages ?? "?"} | ${segment.verdict}${segment.rules.length ? ` (${segment.rules.join(", ")})` : ""} |`,
    );
  });
  return rows;
}

function alignmentText(segment: SegmentVerdict, pageSize: number): string {
  const buffer = segment.segment.buffer;
  if (!buffer || buffer.alignment === null) return "unknown";
  const alignment = evaluate(buffer.alignment, pageSize);
  const offset = evaluate(segment.segment.offset, pageSize);
  if (alignment === null) return escapeMarkdown(formatSym(buffer.alignment, pageSize));
  if (offset === null) return `${alignment}-byte buffer, offset unknown`;
  if (alignment >= pageSize && offset % pageSize === 0) return "page-aligned";
  return offset === 0 ? `${alignment}-byte aligned` : `buffer ${alignment}-byte aligned, +${offset}`;
}

/** Per-page verdicts as runs: "pages 0–6 copy (VMS-LEN-PAGE)". */
function pageRuns(segment: SegmentVerdict): string[] {
  const runs: string[] = [];
  let start = 0;
  const outcomes = segment.pageOutcomes;
  for (let index = 1; index <= outcomes.length; index++) {
    const previous = outcomes[index - 1];
    const current = outcomes[index];
    if (current && current.verdict === previous.verdict && current.rules.join() === previous.rules.join()) continue;
    const label = start === index - 1 ? `page ${start}` : `pages ${start}–${index - 1}`;
    runs.push(`${label}: **${previous.verdict}**${previous.rules.length ? ` (${previous.rules.join(", ")})` : ""}`);
    start = index;
  }
  return runs;
}

export function hoverMarkdown(analysis: CallAnalysis, offset: number, replayArgs: ReplayCommandArgs): string {
  const replay = callSiteCommandLink(
    "Replay page movement",
    "Replay this call in the page-movement simulator",
    Commands.replay,
    replayArgs,
  );
  const sections = [
    headline(analysis),
    verdictLine(analysis),
    ...argumentSections(analysis, offset),
    perPageSection(analysis),
    missingSection(analysis),
    ruleSection(analysis),
    replay,
  ];
  return sections.filter((section): section is string => section !== null).join("\n\n");
}

function headline(analysis: CallAnalysis): string {
  const call = analysis.call;
  const calleeName =
    call.callee === "wrapper" && call.wrapperName
      ? `${inlineCode(call.wrapperName)} (forwards to vmsplice)`
      : "vmsplice";
  return `**${calleeName}** ${directionText(analysis)} · kernel **${analysis.kernel}** · page size **${analysis.pageSize}**`;
}

/** The verdict summary and the unsafe sentence are the server's words (counts, rule ids, model names), never source text. */
function verdictLine(analysis: CallAnalysis): string {
  const unsafe = unsafeSentence(analysis);
  return analysis.verdict === "unsafe"
    ? `**Verdict:** **unsafe** — ${verdictSummary(analysis)}${unsafe ? `\n\n${unsafe}` : ""}`
    : `**Verdict:** ${analysis.verdict} — ${verdictSummary(analysis)}`;
}

/** Descriptor, flags and segments, the one under the cursor first. */
function argumentSections(analysis: CallAnalysis, offset: number): string[] {
  const call = analysis.call;
  const onFd = rangeContains(call.fd.range, offset);
  const onFlags = rangeContains(call.flags.range, offset);
  const onIov = rangeContains(call.iov.iovRange, offset) || rangeContains(call.iov.nrSegsRange, offset);
  const fdSection = `**Descriptor** ${inlineCode(call.fd.pipeName ?? "fd")}: ${escapeMarkdown(call.fd.explanation)}${call.fd.nonblock ? " `O_NONBLOCK` is set on it (vmsplice ignores that)." : ""}`;
  const flagsSection = `**Flags** ${inlineCode(call.flags.text)}: ${call.flags.value === null ? escapeMarkdown(decodeFlags(null, call.flags.missing)) : decodeFlags(call.flags.value, null)}`;
  const segmentsSection = analysis.segments.length
    ? [
        `**Segments** (${escapeMarkdown(formatSym(call.iov.nrSegs, analysis.pageSize))}):`,
        "",
        ...segmentRows(analysis),
      ].join("\n")
    : `**Segments:** ${escapeMarkdown(call.iov.missing ?? "could not be reconstructed")}`;
  if (onFd) return [fdSection, flagsSection, segmentsSection];
  if (onFlags) return [flagsSection, fdSection, segmentsSection];
  if (onIov) return [segmentsSection, fdSection, flagsSection];
  return [fdSection, flagsSection, segmentsSection];
}

function perPageSection(analysis: CallAnalysis): string | null {
  const perPage: string[] = [];
  analysis.segments.forEach((segment, index) => {
    if (segment.pageOutcomes.length === 0) return;
    perPage.push(`- segment ${index}: ${pageRuns(segment).join("; ")}`);
  });
  if (perPage.length === 0) return null;
  const counts = countPages(analysis);
  return [
    `**Per page** (${counts.total} page${counts.total === 1 ? "" : "s"}, P = ${analysis.pageSize}):`,
    ...perPage,
  ].join("\n");
}

function missingSection(analysis: CallAnalysis): string | null {
  const missing = [...analysis.missing, ...analysis.segments.flatMap((segment) => segment.missing)];
  if (missing.length === 0) return null;
  return ["**Not known from the source:**", ...[...new Set(missing)].map((item) => `- ${escapeMarkdown(item)}`)].join(
    "\n",
  );
}

/** The explanation of every rule on the call, from the registry. */
function ruleSection(analysis: CallAnalysis): string | null {
  const ruleIds = [...new Set([...analysis.findings.map((finding) => finding.rule), ...analysis.rules])];
  const explanations = ruleIds
    .map((id) => findRule(id))
    .filter((record) => record !== undefined)
    .map((record) => explainMarkdown(record));
  return explanations.length ? ["---", ...explanations].join("\n\n") : null;
}
