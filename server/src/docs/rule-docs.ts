/**
 * The rule reference as a user reads it: one page per rule (shipped in the extension as dist/docs/<RULE-ID>.md and
 * opened from the diagnostic's code link and the hover), an index page, and the same words rendered for a terminal
 * (`vmsplice-lens explain`).
 *
 * The words come from the rule registry (rules/index.ts); this module only chooses what a user sees: the title, what
 * the kernel does, the C patterns, the fix, what a real kernel showed. The specification's confidence tags and the
 * scenario numbers of the oracle (G06, ...) are for maintainers and stay out; "[BUG?]" becomes one plain sentence.
 * Pure string building; no I/O.
 */
import { plainText, type RuleRecord } from "../rules";

export { plainText };

/** Scenario references of the oracle ("(G06, G07)", "G26") are internal: dropped from user-facing text. */
export function withoutScenarioNumbers(text: string): string {
  return text
    .replace(/\s*\((?:G\d+(?:\s*[,/]\s*|\s+and\s+)?)+\)/g, "")
    .replace(/\bG\d+\b,?\s*/g, "")
    .replace(/\s+([:;,.])/g, "$1")
    .trim();
}

/**
 * The specification's verification tags inside rule texts ("**[VERIFIED 6.18: fork child alive]**") become words
 * ("(checked on Linux 6.18: fork child alive)").
 */
export function withoutTags(text: string): string {
  return text.replace(
    /\*{0,2}\[VERIFIED ([^\]:]+)(?::\s*([^\]]+))?\]\*{0,2}/g,
    (_, version: string, detail: string | undefined) =>
      `(checked on Linux ${version.trim()}${detail ? `: ${detail.trim()}` : ""})`,
  );
}

function sentence(text: string): string {
  const trimmed = withoutTags(text).trim();
  return /[.!?]$/.test(trimmed) ? trimmed : `${trimmed}.`;
}

const SEVERITY_WORDS: Record<string, string> = {
  error: "error",
  warning: "warning",
  info: "information",
  information: "information",
  hint: "hint",
};

const MODEL_WORDS: Record<string, string> = {
  "rfc-v2": "the 2013 RFC zero-copy patch (rfc-v2)",
  "mainline-6.x": "mainline Linux 6.x",
  "mainline-3.12": "mainline Linux 3.12",
};

/** The sections of a rule page, shared by the markdown and the terminal renderings. */
interface RuleSections {
  heading: string;
  meta: string;
  sections: { title: string; body: string }[];
}

function ruleSections(record: RuleRecord, version: string): RuleSections {
  const sections: { title: string; body: string }[] = [];
  sections.push({
    title: "What the kernel does",
    body: `${sentence(record.condition)} ${sentence(record.effect)}`,
  });
  if (record.unsafe === "moves-into-wrong-place")
    sections.push({
      title: "Why this is an error",
      body: "The RFC patch moves the page into the wrong place or the wrong kind of mapping and still reports success: data is silently corrupted. vmsplice Lens calls such pages unsafe, never moved.",
    });
  if (record.unsafe === "crashes-kernel")
    sections.push({
      title: "Why this is an error",
      body: "The call crashes the kernel (an oops) under the RFC patch. vmsplice Lens calls such pages unsafe.",
    });
  sections.push({ title: "In C", body: sentence(record.patterns) });
  sections.push({ title: "How to fix it", body: sentence(record.fix) });
  if (record.observed)
    sections.push({
      title: "On a real kernel",
      body: `Checked with the RFC patch ported to Linux 6.1 under QEMU: ${sentence(withoutScenarioNumbers(record.observed))}`,
    });
  if (record.notDecidedFromSource)
    sections.push({
      title: "What the analyzer can see",
      body: `This rule is documented but not reported from C source: ${sentence(withoutScenarioNumbers(record.notDecidedFromSource))}`,
    });
  if (/BUG\?/.test(record.tag))
    sections.push({
      title: "Note",
      body: "This behaviour follows the RFC patch as written and is probably a bug in it; a fixed patch may behave differently.",
    });
  const models = record.models.map((model) => MODEL_WORDS[model] ?? model).join(", ");
  return {
    heading: `${record.id}: ${record.title}`,
    meta: `Severity ${SEVERITY_WORDS[record.severity] ?? record.severity} · kernel models: ${models} · vmsplice Lens ${version}`,
    sections,
  };
}

/** The file name of a rule's bundled page (dist/docs/<id>.md). */
export function rulePageName(id: string): string {
  return `${id}.md`;
}

/** A rule's page as markdown, for the extension's bundled docs and `explain --format markdown`. */
export function ruleDocMarkdown(record: RuleRecord, version: string): string {
  const page = ruleSections(record, version);
  return [
    `# ${page.heading}`,
    "",
    `*${page.meta}*`,
    "",
    ...page.sections.flatMap((section) => [`## ${section.title}`, "", section.body, ""]),
    "[All rules](index.md)",
    "",
  ].join("\n");
}

/** The index page of the bundled docs: every rule with its severity and title, linked to its page. */
export function ruleIndexMarkdown(records: readonly RuleRecord[], version: string): string {
  return [
    "# vmsplice Lens rules",
    "",
    `*vmsplice Lens ${version}*`,
    "",
    "For each vmsplice call, vmsplice Lens decides page by page what the kernel does under the configured kernel model and page size:",
    "",
    "| Verdict | Meaning |",
    "|---|---|",
    "| move | the page is moved into the reader (zero copy), and every fact deciding that is known |",
    "| copy | the page is copied, for a known reason: the rule named on the page |",
    "| partial | some pages of the call move, the others are copied |",
    "| unsafe | the RFC patch moves the page into the wrong place or the wrong kind of mapping, or crashes the kernel; never a success |",
    "| unknown | a deciding fact is missing from the source; the hover names it, and nothing unknown is called a move |",
    "",
    "Each diagnostic names one of these rules; its link opens the rule's page.",
    "",
    "| Rule | Severity | What it means |",
    "|---|---|---|",
    ...records.map(
      (record) =>
        `| [${record.id}](${rulePageName(record.id)}) | ${SEVERITY_WORDS[record.severity] ?? record.severity} | ${record.title.replace(/\|/g, "\\|")} |`,
    ),
    "",
  ].join("\n");
}


/** Wraps a paragraph at `width` columns with an indent; words longer than a line stay whole. */
export function wrap(text: string, width: number, indent = ""): string[] {
  const lines: string[] = [];
  let line = "";
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && indent.length + line.length + 1 + word.length > width) {
      lines.push(indent + line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) lines.push(indent + line);
  return lines;
}

export interface TerminalOptions {
  /** Columns to wrap at. */
  width?: number;
  /** Bold headings with ANSI escapes (only when writing to a terminal). */
  color?: boolean;
}

/** A rule's page for a terminal: no markdown syntax, wrapped, headings in bold when `color`. */
export function ruleDocTerminal(record: RuleRecord, version: string, options: TerminalOptions = {}): string {
  const width = Math.max(40, Math.min(options.width ?? 80, 100));
  const bold = (text: string) => (options.color ? `\u001b[1m${text}\u001b[0m` : text);
  const page = ruleSections(record, version);
  const lines = [
    ...wrap(plainText(page.heading), width).map(bold),
    ...wrap(plainText(page.meta), width),
    "",
  ];
  for (const section of page.sections) {
    lines.push(bold(section.title), ...wrap(plainText(section.body), width, "  "), "");
  }
  return lines.join("\n");
}
