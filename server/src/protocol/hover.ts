/**
 * Hover on a vmsplice call or one of its arguments, short enough to keep open (issue 11, point 2):
 *
 *   1. the verdict in words, the direction and the kernel model / page size;
 *   2. the pages in runs with the reason in words ("pages 0–15: move"; "page 1: copy — chunk is 16 bytes, not a whole page");
 *   3. the argument under the cursor, when it is one (descriptor, flags, or the iovec's segments);
 *   4. one line per finding, its rule id linked to the rule's page;
 *   5. what the analyzer could not establish, and the RFC hazards that apply without being findings, one line each;
 *   6. "Replay" and "Explain" links.
 *
 * About 12 lines on a clean call and 20 on a bad one. Markdown when the client renders it, else plain text
 * (`textDocument.hover.contentFormat`). Every text that comes from source code goes through markdown.ts.
 */
import { MarkupKind, type CancellationToken, type Hover, type HoverParams } from "vscode-languageserver/node";
import type { CallAnalysis } from "../analysis/facts";
import { baseName } from "../analysis/unit";
import { findRule } from "../rules";
import { currentAnalysis, type ServerContext } from "./context";
import { fromLspPosition, rangeContains, ruleDocumentationHref, toLspRange } from "./convert";
import { Commands, type ReplayCommandArgs } from "./ext";
import { throwIfCancelled } from "./handler";
import { callSiteCommandLink, commandUri, escapeMarkdown, inlineCode, observedReplayLink } from "./markdown";
import { callPageRuns, countPages, decodeFlags, pageSizeWords, segmentLine, unsafeSentence } from "./present";
import { fileURLToPath } from "node:url";
import path from "node:path";
import { observedHoverLines } from "../recorder/observed";

/** Page-run lines shown before "… and N more" (a loop of many segments must not fill the screen). */
const MAX_RUN_LINES = 6;
/** Finding lines shown before "… and N more". */
const MAX_FINDING_LINES = 6;
/** Segment lines shown when hovering the iovec argument. */
const MAX_SEGMENT_LINES = 4;

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

export interface HoverOptions {
  /** Base of the rule pages (ServerContext.docsBase); null leaves rule ids unlinked. */
  docsBase?: string | null;
  /**
   * A client command that opens a rule's page, given the rule id (ServerContext.ruleDocsCommand). Editors render only
   * some URI schemes as links in a hover (VS Code drops its own extension's schemes), so a client that serves the pages
   * under a scheme of its own names a command instead; the links are then `command:` links with the rule id.
   */
  ruleCommand?: string | null;
  /** Plain text for clients that do not render markdown. */
  plainText?: boolean;
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
  const plainText = context.hoverPlainText === true;
  const observed = observedSection(context, replayArgs, analysis, result.settings, plainText);
  return {
    contents: {
      kind: plainText ? MarkupKind.PlainText : MarkupKind.Markdown,
      value:
        (plainText
          ? hoverPlainText(analysis, offset)
          : hoverMarkdown(analysis, offset, replayArgs, {
              docsBase: context.docsBase,
              ruleCommand: context.ruleDocsCommand ?? null,
            })) + (observed ? (plainText ? `\n\n${observed}` : `\n\n---\n\n${observed}`) : ""),
    },
    range: toLspRange(analysis.call.range),
  };
}

/** What recorded runs in the workspace observed on this call's lines (see protocol/observed-runs.ts), or null. */
function observedSection(
  context: ServerContext,
  replayArgs: ReplayCommandArgs,
  analysis: CallAnalysis,
  settings: { kernel: CallAnalysis["kernel"]; pageSize: CallAnalysis["pageSize"] },
  plainText: boolean,
): string | null {
  const uri = replayArgs.uri;
  if (!context.observed || !uri.startsWith("file:")) return null;
  const first = analysis.call.range.start.line + 1;
  const last = analysis.call.range.end.line + 1;
  const sites = context.observed
    .sitesFor(fileURLToPath(uri), { kernel: settings.kernel, pageSize: settings.pageSize })
    .filter((site) => site.line >= first && site.line <= last);
  if (sites.length === 0) return null;
  const escape = plainText ? (text: string) => text : escapeMarkdown;
  return sites
    .map((site) => {
      const lines = observedHoverLines(site, analysis.verdict, analysis.missing);
      const trace = plainText ? path.basename(site.trace) : inlineCode(path.basename(site.trace));
      const link = plainText ? null : observedReplayLink(replayArgs, Commands.replay, site.trace);
      return [
        `${plainText ? "Observed" : "**Observed**"} (${trace}): ${escape(lines.head)}`,
        ...(lines.settled ? [escape(lines.settled)] : []),
        lines.facts.map((fact) => `- ${escape(fact)}`).join("\n"),
        ...(link ? [link] : []),
      ].join("\n\n");
    })
    .join("\n\n");
}

/**
 * The two renderings share one outline; a `Style` says how to write code, links and emphasis. Source-derived text is
 * passed through `code` or `prose`, never written raw into markdown.
 */
interface Style {
  markdown: boolean;
  /** Source text as code. */
  code(text: string): string;
  /** Text that may contain source text, as prose. */
  prose(text: string): string;
  /** The server's own words, emphasised. */
  strong(text: string): string;
  /** A rule id, linked to its page when there is a documentation base. */
  rule(id: string): string;
  /** A list item line. */
  item(text: string): string;
}

/** Where a rule id links to: the client's command with the id, or the page under the documentation base. */
function ruleHref(id: string, options: HoverOptions): string | null {
  if (!/^[A-Za-z0-9-]+$/.test(id)) return null;
  if (options.ruleCommand) return commandUri(options.ruleCommand, id);
  return options.docsBase ? ruleDocumentationHref(options.docsBase, id) : null;
}

function markdownStyle(options: HoverOptions): Style {
  return {
    markdown: true,
    code: (text) => inlineCode(text),
    prose: (text) => escapeMarkdown(text),
    strong: (text) => `**${text}**`,
    rule: (id) => {
      const href = findRule(id) ? ruleHref(id, options) : null;
      return href ? `[${id}](${href} "Open the documentation of ${id}")` : inlineCode(id);
    },
    item: (text) => `- ${text}`,
  };
}

const PLAIN_STYLE: Style = {
  markdown: false,
  code: (text) => text.replace(/\s+/g, " ").trim(),
  prose: (text) => text.replace(/\s+/g, " ").trim(),
  strong: (text) => text,
  rule: (id) => id,
  item: (text) => `  ${text}`,
};

/** Backticks of the server's own rule texts are markdown; in a plain rendering (and in escaped prose) they go. */
function withoutBackticks(text: string): string {
  return text.replace(/`/g, "");
}

function directionWords(analysis: CallAnalysis, style: Style): string {
  const fd = analysis.call.fd;
  const end = fd.pipeName && fd.pipeIndex !== null ? ` ${style.code(`${fd.pipeName}[${fd.pipeIndex}]`)}` : "";
  switch (fd.direction) {
    case "to-pipe":
      return `into the pipe${end}`;
    case "from-pipe":
      return `from the pipe${end} into user memory`;
    default:
      return `direction unknown${end}`;
  }
}

/** The verdict of the whole call in words (never "moved" for an unsafe page). */
function verdictWords(analysis: CallAnalysis): string {
  const counts = countPages(analysis);
  switch (analysis.verdict) {
    case "move":
      return counts.total === 1 ? "Moves its page" : `Moves all ${counts.total} pages`;
    case "copy":
      return counts.total === 0
        ? "Copies"
        : counts.total === 1
          ? "Copies its page"
          : `Copies all ${counts.total} pages`;
    case "partial":
      return `Moves ${counts.moved} of ${counts.total} pages, copies ${counts.copied}`;
    case "unsafe":
      return "Unsafe";
    default:
      return "Not known whether it moves";
  }
}

function headline(analysis: CallAnalysis, style: Style): string {
  const call = analysis.call;
  const callee =
    call.callee === "wrapper" && call.wrapperName
      ? `${style.code(call.wrapperName)} (${call.evidence ? "vmsplice by a row of the project's syscall table" : "calls vmsplice"})`
      : style.code("vmsplice");
  return `${style.strong(verdictWords(analysis))}: ${callee} ${directionWords(analysis, style)} · ${analysis.kernel}, ${pageSizeWords(analysis.pageSize)} pages`;
}

function pageLines(analysis: CallAnalysis, style: Style): string[] {
  const lines = callPageRuns(analysis).map(
    (run) => `${run.label}: ${style.strong(run.verdict)}${run.reason ? ` — ${style.prose(run.reason)}` : ""}`,
  );
  if (lines.length === 0) {
    const iovMissing = analysis.call.iov.missing;
    return [style.item(`pages: unknown${iovMissing ? ` — ${style.prose(iovMissing)}` : ""}`)];
  }
  const shown = lines.slice(0, MAX_RUN_LINES).map(style.item);
  if (lines.length > MAX_RUN_LINES) shown.push(style.item(`… and ${lines.length - MAX_RUN_LINES} more runs of pages`));
  return shown;
}

/** The argument under the cursor, when it is one: its facts in one line (segments: one line each). */
function argumentLines(analysis: CallAnalysis, offset: number, style: Style): string[] {
  const call = analysis.call;
  if (rangeContains(call.fd.range, offset)) {
    const nonblock = call.fd.nonblock ? " (O_NONBLOCK is set on it; vmsplice ignores that)" : "";
    return [
      `${style.strong("Descriptor")} ${style.code(call.fd.pipeName ?? "fd")}: ${style.prose(call.fd.explanation)}${nonblock}`,
    ];
  }
  if (rangeContains(call.flags.range, offset)) {
    const decoded =
      call.flags.value === null
        ? style.prose(decodeFlags(null, call.flags.missing))
        : style.markdown
          ? decodeFlags(call.flags.value, null)
          : withoutBackticks(decodeFlags(call.flags.value, null));
    return [`${style.strong("Flags")} ${style.code(call.flags.text)}: ${decoded}`];
  }
  if (rangeContains(call.iov.iovRange, offset) || rangeContains(call.iov.nrSegsRange, offset)) {
    if (analysis.segments.length === 0)
      return [`${style.strong("Segments")}: ${style.prose(call.iov.missing ?? "could not be reconstructed")}`];
    const lines = analysis.segments
      .slice(0, MAX_SEGMENT_LINES)
      .map((segment, index) => style.item(segmentLine(segment, index, analysis.pageSize, style)));
    if (analysis.segments.length > MAX_SEGMENT_LINES)
      lines.push(style.item(`… and ${analysis.segments.length - MAX_SEGMENT_LINES} more segments`));
    return [`${style.strong("Segments")}:`, ...lines];
  }
  return [];
}

/** One line per finding of the call: severity, rule id (linked), message; the same message twice is shown once. */
function findingLines(analysis: CallAnalysis, style: Style): string[] {
  const seen = new Set<string>();
  const lines: string[] = [];
  for (const finding of analysis.findings) {
    const key = `${finding.rule}\u0000${finding.message}`;
    if (seen.has(key)) continue;
    seen.add(key);
    let message = withoutBackticks(finding.message);
    if (message.length > 150) message = `${message.slice(0, message.lastIndexOf(" ", 150))} …`;
    lines.push(style.item(`${finding.severity} ${style.rule(finding.rule)}: ${style.prose(message)}`));
  }
  const shown = lines.slice(0, MAX_FINDING_LINES);
  if (lines.length > MAX_FINDING_LINES)
    shown.push(style.item(`… and ${lines.length - MAX_FINDING_LINES} more findings (see Problems)`));
  return shown;
}

/** Rules that apply to the call without being a finding on it (RFC hazards of every move): one line. */
function hazardLine(analysis: CallAnalysis, style: Style): string | null {
  const reported = new Set(analysis.findings.map((finding) => finding.rule));
  for (const segment of analysis.segments)
    for (const page of segment.pageOutcomes) for (const id of page.rules) reported.add(id);
  const others = [...new Set(analysis.rules)].filter((id) => !reported.has(id) && findRule(id));
  if (others.length === 0) return null;
  return `Also applies under ${analysis.kernel}: ${others.map((id) => style.rule(id)).join(", ")}`;
}

/**
 * Where facts of the call were read in other files: its function's one caller elsewhere (its parameters), and the
 * functions the unit calls that one other file alone defines.
 */
function joinedLines(analysis: CallAnalysis, style: Style): string[] {
  const all = analysis.call.joined ?? [];
  const place = (site: { file: string; range: { start: { line: number } } }) =>
    style.code(`${baseName(site.file)}:${site.range.start.line + 1}`);
  const more = (count: number) => (count > 3 ? ` and ${count - 3} more` : "");
  const lines: string[] = [];
  const callers = all.filter((site) => site.kind !== "definition");
  if (callers.length > 0) {
    const name = analysis.call.functionName ?? "its function";
    lines.push(
      `${style.strong("Parameters")} of ${style.code(`${name}()`)}: read from its one caller elsewhere in the project, ${callers.slice(0, 3).map(place).join(", ")}${more(callers.length)}`,
    );
  }
  const definitions = all.filter((site) => site.kind === "definition");
  if (definitions.length > 0)
    lines.push(
      `${style.strong("Read from other files")}: ${definitions
        .slice(0, 3)
        .map((site) => `${style.code(`${site.name ?? "?"}()`)} at ${place(site)}`)
        .join(", ")}${more(definitions.length)}, the one file of the project that defines it`,
    );
  return lines;
}

function missingLine(analysis: CallAnalysis, style: Style): string | null {
  const missing = [...new Set([...analysis.missing, ...analysis.segments.flatMap((segment) => segment.missing)])];
  if (missing.length === 0) return null;
  const shown = missing.slice(0, 3).join("; ");
  return `${style.strong("Not known")}: ${style.prose(shown)}${missing.length > 3 ? ` (and ${missing.length - 3} more)` : ""}`;
}

/** The rule to explain: the most severe finding's, else the rule deciding the first copied page; null for a clean call. */
function ruleToExplain(analysis: CallAnalysis): string | null {
  const order = ["error", "warning", "info", "information", "hint"];
  const findings = [...analysis.findings].sort((a, b) => order.indexOf(a.severity) - order.indexOf(b.severity));
  if (findings.length > 0) return findings[0].rule;
  for (const segment of analysis.segments)
    for (const page of segment.pageOutcomes) if (page.rules.length > 0 && findRule(page.rules[0])) return page.rules[0];
  return null;
}

function outline(analysis: CallAnalysis, offset: number, style: Style): string[][] {
  const unsafe = analysis.verdict === "unsafe" ? unsafeSentence(analysis) : null;
  const blocks: string[][] = [[headline(analysis, style)]];
  if (unsafe) blocks.push([style.prose(unsafe)]);
  blocks.push(pageLines(analysis, style));
  const argument = argumentLines(analysis, offset, style);
  if (argument.length) blocks.push(argument);
  const findings = findingLines(analysis, style);
  if (findings.length) blocks.push(findings);
  const extra = [...joinedLines(analysis, style), missingLine(analysis, style), hazardLine(analysis, style)].filter(
    (line): line is string => line !== null,
  );
  for (const line of extra) blocks.push([line]);
  return blocks;
}

export function hoverMarkdown(
  analysis: CallAnalysis,
  offset: number,
  replayArgs: ReplayCommandArgs,
  options: HoverOptions = {},
): string {
  const style = markdownStyle(options);
  const blocks = outline(analysis, offset, style);
  const links: string[] = [];
  const replay = callSiteCommandLink(
    "Replay",
    "Replay this call in the page-movement simulator",
    Commands.replay,
    replayArgs,
  );
  if (replay) links.push(replay);
  const id = ruleToExplain(analysis) ?? "index";
  const explain = ruleHref(id, options);
  if (explain) {
    const tooltip = id === "index" ? "How vmsplice Lens decides, and every rule" : `Why: the documentation of ${id}`;
    links.push(`[Explain](${explain} "${tooltip}")`);
  }
  if (links.length) blocks.push([links.join(" · ")]);
  return blocks.map((block) => block.join("\n")).join("\n\n");
}

/** The same hover for clients that show plain text: no markdown syntax, no links (the commands stay in the editor). */
export function hoverPlainText(analysis: CallAnalysis, offset: number): string {
  return outline(analysis, offset, PLAIN_STYLE)
    .map((block) => block.join("\n"))
    .join("\n");
}
