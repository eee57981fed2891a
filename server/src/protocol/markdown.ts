/**
 * The one way text from C source (names, expressions, explanations built from them) enters markdown that an editor
 * renders: as an inline code span whose fence is longer than any backtick run inside it, or as prose with every ASCII
 * punctuation character backslash-escaped and line breaks collapsed. Either way no source text can open a link, an
 * image, an autolink, raw HTML or block structure (issue 10, D6: a double backtick in a string literal closed the code
 * span and rendered a live `command:` link). Command links are built here too, only from call-site numbers and a URI.
 * Pure string building; no protocol objects.
 */

/** Whitespace runs (line breaks of a multi-line argument included) become one space, so the text stays one line. */
function oneLine(text: string): string {
  return text.replace(/[\s\u2028\u2029]+/g, " ");
}

/**
 * Source text as an inline code span. The fence is one backtick longer than the longest backtick run inside, so
 * nothing inside can close it; `|` is escaped only inside a table row, where it would end the cell.
 */
export function inlineCode(text: string, inTableRow = false): string {
  let clean = oneLine(text.trim());
  if (clean.length > 80) clean = `${clean.slice(0, 77)}...`;
  if (inTableRow) clean = clean.replace(/\|/g, "\\|");
  if (clean.length === 0) return "";
  const longestRun = Math.max(0, ...(clean.match(/`+/g) ?? []).map((run) => run.length));
  const fence = "`".repeat(longestRun + 1);
  // A space pads content that contains a backtick, so a backtick at either end cannot join the fence; CommonMark strips
  // one space from each side when both are present.
  const pad = longestRun > 0 ? " " : "";
  return `${fence}${pad}${clean}${pad}${fence}`;
}

/**
 * Prose that may contain source text: every ASCII punctuation character is backslash-escaped (CommonMark renders
 * `\x` as `x` for all of them), which disarms emphasis, links, images, autolinks (`http\://`), HTML and entities, and
 * line breaks become spaces, so no line can start a heading, list, quote or table.
 */
export function escapeMarkdown(text: string): string {
  return oneLine(text).replace(/[!-\/:-@\[-`{-~]/g, (character) => `\\${character}`);
}

/**
 * A `command:` URI for a markdown link; the arguments are JSON, percent-encoded, so they cannot end the link
 * (encodeURIComponent leaves `(`, `)`, `'`, `!` and `*` alone, and an unbalanced `)` would close the link: those too).
 */
export function commandUri(command: string, args: unknown): string {
  const encoded = encodeURIComponent(JSON.stringify([args])).replace(
    /[()'!*]/g,
    (character) => `%${character.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `command:${command}?${encoded}`;
}

export interface CallSiteArgs {
  uri: string;
  line: number;
  character: number;
}

/**
 * A command link on a call site, or null when the data is not a call site (a URI with a scheme, whole non-negative
 * line and character). The label and tooltip are the server's words, never source text.
 */
export function callSiteCommandLink(
  label: string,
  tooltip: string,
  command: string,
  args: CallSiteArgs,
): string | null {
  const wholeNumber = (value: number) => Number.isSafeInteger(value) && value >= 0;
  if (!/^[a-z][a-z0-9+.-]*:/i.test(args.uri) || !wholeNumber(args.line) || !wholeNumber(args.character)) return null;
  const safeArgs: CallSiteArgs = { uri: args.uri, line: args.line, character: args.character };
  return `[${escapeMarkdown(label)}](${commandUri(command, safeArgs)} "${tooltip.replace(/["\\]/g, "")}")`;
}

/**
 * The "Replay observed" link of a recorded run's hover section: the call site and the trace's path (any characters:
 * they travel inside the percent-encoded JSON arguments, so they cannot end the link); null when the call site is not one.
 */
export function observedReplayLink(args: CallSiteArgs, command: string, trace: string): string | null {
  const plain = callSiteCommandLink("x", "", command, args);
  if (plain === null) return null;
  const safeArgs = { uri: args.uri, line: args.line, character: args.character, observed: { trace, observation: 1 } };
  return `[${escapeMarkdown("Replay observed")}](${commandUri(command, safeArgs)} "Replay a call this run observed here (a choice when its outcomes differ), with its real offsets, lengths and page kinds")`;
}
