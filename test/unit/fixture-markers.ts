/**
 * Reads the expectation markers that samples/*.c and test/fixtures/**\/*.c carry in C comments.
 *
 * This module owns the marker grammar shared by the golden harness (fixtures.test.ts) and the samples compile test
 * (samples-compile.test.ts). It is test code: it imports the parser types and the fact types, never the analyzer itself.
 * Comments are found with tree-sitter rather than by scanning the C text, so a marker-like string inside a string literal
 * is not a marker, and the comment's position is the one the parser reports.
 *
 * Grammar, one marker per comment:
 *   /* expect: VMS-ALIGN-SRC VMS-PARTIAL *\/      rule ids of the findings of the call on this line (or `none`)
 *   /* expect mainline-6.x: VMS-MAINLINE-COPY *\/  the same under another kernel model and/or page size
 *   /* verdict: copy *\/                           the call's verdict (move | copy | partial | unsafe | unknown)
 *   /* verdict 16384: copy *\/
 *   /* lens-options: kernel=mainline-6.x page-size=16384 *\/   the file's default model and page size (once per file)
 * Unqualified markers use the file's default options, which are rfc-v2 at 4096 unless a lens-options comment says otherwise.
 */
import { readdirSync, statSync } from "node:fs";
import path from "node:path";
import type { Tree, Node } from "web-tree-sitter";
import {
  KERNEL_MODELS,
  PAGE_SIZES,
  type AnalysisOptions,
  type KernelModel,
  type PageSize,
} from "../../server/src/analysis/facts";

export type MarkerKind = "expect" | "verdict";

export interface Marker {
  kind: MarkerKind;
  /** Kernel model and page size the marker is about (the file's defaults filled in). */
  options: AnalysisOptions;
  /** Rule ids (empty for `none`) or a single verdict word. */
  values: string[];
  /** Zero-based line of the comment, which is the line of the call it describes. */
  line: number;
  /** The comment text, for failure messages. */
  text: string;
}

export interface FileMarkers {
  markers: Marker[];
  options: AnalysisOptions;
  /** Malformed markers: a typo in a marker must fail loudly instead of silently asserting nothing. */
  problems: string[];
}

const VERDICTS = ["move", "copy", "partial", "unsafe", "unknown"];

function commentBody(text: string): string {
  if (text.startsWith("/*")) return text.slice(2, text.endsWith("*/") ? -2 : undefined).trim();
  if (text.startsWith("//")) return text.slice(2).trim();
  return text.trim();
}

/** Splits on blanks without a regular expression (the project keeps regular expressions away from C text). */
function words(text: string): string[] {
  const result: string[] = [];
  let current = "";
  for (const character of text) {
    if (character === " " || character === "\t" || character === "\n" || character === "\r") {
      if (current) result.push(current);
      current = "";
    } else {
      current += character;
    }
  }
  if (current) result.push(current);
  return result;
}

function collectComments(node: Node, into: Node[]): void {
  if (node.type === "comment") into.push(node);
  for (const child of node.children) {
    if (child) collectComments(child, into);
  }
}

/** Comment nodes in source order, including those inside ERROR regions. */
export function commentNodes(tree: Tree): Node[] {
  const comments: Node[] = [];
  collectComments(tree.rootNode, comments);
  return comments.sort((a, b) => a.startIndex - b.startIndex);
}

function parseQualifiers(
  qualifiers: string[],
  defaults: AnalysisOptions,
  problems: string[],
  where: string,
): AnalysisOptions {
  let kernel = defaults.kernel;
  let pageSize = defaults.pageSize;
  for (const qualifier of qualifiers) {
    if ((KERNEL_MODELS as readonly string[]).includes(qualifier)) kernel = qualifier as KernelModel;
    else if ((PAGE_SIZES as readonly number[]).includes(Number(qualifier))) pageSize = Number(qualifier) as PageSize;
    else problems.push(`${where}: unknown qualifier "${qualifier}" (expected a kernel model or a page size)`);
  }
  return { kernel, pageSize };
}

function parseOptions(body: string, problems: string[], where: string): AnalysisOptions {
  let kernel: KernelModel = "rfc-v2";
  let pageSize: PageSize = 4096;
  for (const setting of words(body.slice("lens-options:".length))) {
    const [key, value] = setting.split("=");
    if (key === "kernel" && (KERNEL_MODELS as readonly string[]).includes(value ?? "")) kernel = value as KernelModel;
    else if (key === "page-size" && (PAGE_SIZES as readonly number[]).includes(Number(value)))
      pageSize = Number(value) as PageSize;
    else problems.push(`${where}: bad lens-options setting "${setting}"`);
  }
  return { kernel, pageSize };
}

/** Reads every marker of a parsed file. */
export function readMarkers(tree: Tree): FileMarkers {
  const problems: string[] = [];
  const comments = commentNodes(tree).map((node) => ({ node, body: commentBody(node.text) }));
  let options: AnalysisOptions = { kernel: "rfc-v2", pageSize: 4096 };
  const optionComments = comments.filter((comment) => comment.body.startsWith("lens-options:"));
  if (optionComments.length > 1) problems.push("more than one lens-options comment");
  if (optionComments[0])
    options = parseOptions(optionComments[0].body, problems, `line ${optionComments[0].node.startPosition.row + 1}`);

  const markers: Marker[] = [];
  for (const { node, body } of comments) {
    const kind = (["expect", "verdict"] as const).find(
      (candidate) => body.startsWith(candidate) && [" ", ":"].includes(body.charAt(candidate.length)),
    );
    if (!kind) continue;
    const where = `line ${node.startPosition.row + 1} ${JSON.stringify(node.text)}`;
    const colon = body.indexOf(":");
    if (colon < 0) {
      problems.push(`${where}: marker without a colon`);
      continue;
    }
    const markerOptions = parseQualifiers(words(body.slice(kind.length, colon)), options, problems, where);
    let values = words(body.slice(colon + 1));
    if (kind === "expect") {
      if (values.length === 1 && values[0] === "none") values = [];
      else if (values.length === 0 || values.some((value) => !value.startsWith("VMS-")))
        problems.push(`${where}: expect needs rule ids or "none"`);
    } else if (values.length !== 1 || !VERDICTS.includes(values[0] ?? "")) {
      problems.push(`${where}: verdict needs one of ${VERDICTS.join(", ")}`);
    }
    markers.push({ kind, options: markerOptions, values, line: node.startPosition.row, text: node.text });
  }
  return { markers, options, problems };
}

/** The C files under a directory, recursively, sorted ([] when it does not exist). */
export function listC(dir: string): string[] {
  if (!statSync(dir, { throwIfNoEntry: false })?.isDirectory()) return [];
  return readdirSync(dir, { withFileTypes: true })
    .flatMap((entry) =>
      entry.isDirectory()
        ? listC(path.join(dir, entry.name))
        : entry.name.endsWith(".c")
          ? [path.join(dir, entry.name)]
          : [],
    )
    .sort();
}
