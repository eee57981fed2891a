/**
 * What one file of a project tells the others (Cppcheck's CTU summaries are the model): the functions it defines with
 * external linkage, and which of them create a pipe into one of their parameters (pipe-fillers.ts). The project layer
 * joins the summaries of every file; a name is a filler only when every definition of it agrees.
 *
 * Pure: tree in, summary out.
 */
import type { Tree, TreeCursor } from "web-tree-sitter";
import { PipeFillers, type ExternalFieldFill, type ExternalPipeFiller } from "./pipe-fillers";
import { Extractor, type ExternalWrapper } from "./extract";
import { FileIndex } from "./scope";
import { callName, functionName, isStatic, unwrap } from "./syntax";
import { Evaluator } from "./values";
import { structTypeOf } from "./struct-fields";

export interface FileSummary {
  /** Functions defined here without `static` (visible to the other files of a program). */
  defined: string[];
  /** Every function defined here, static or not (a call of one of these names here is a call of this file's own). */
  definedAll: string[];
  /** Names called here (callee identifiers of call expressions). */
  called: string[];
  /** Those of them that fill a parameter with a pipe or a socket pair. */
  pipeFillers: ExternalPipeFiller[];
  /** Those of them that forward to vmsplice (thin wrappers). */
  wrappers: ExternalWrapper[];
  /** pipe()/pipe2()/socketpair() calls here that fill a struct member. */
  fieldFills: ExternalFieldFill[];
}

/** Struct fields a pipe(), pipe2() or socketpair() call fills (`pipe(d->fds)`), keyed by struct type and field. */
function fieldFills(index: FileIndex, evaluator: Evaluator, file: string): FileSummary["fieldFills"] {
  const fills: FileSummary["fieldFills"] = [];
  for (const [callee, position] of [
    ["pipe", 0],
    ["pipe2", 0],
    ["socketpair", 3],
  ] as const) {
    for (const site of index.callSitesOf(callee)) {
      const argument = unwrap(site.args[position] ?? null);
      if (argument?.type !== "field_expression") continue;
      const scope = index.scopeOf(site.node);
      const type = structTypeOf(argument, scope, index);
      const field = argument.childForFieldName("field")?.text;
      if (!type || !field) continue;
      let nonblock: boolean | null = false;
      if (callee === "pipe2") {
        const flags = evaluator.value(site.args[1] ?? null, { scope });
        nonblock = flags.kind === "const" ? (flags.value & 0o4000) !== 0 : null;
      }
      fills.push({
        type,
        field,
        creates: callee === "socketpair" ? "socketpair" : "pipe",
        nonblock,
        file,
        line: site.node.startPosition.row + 1,
      });
    }
  }
  return fills;
}

/** The summary of one file; `known` are the fillers of other files found so far (for a hop through them). */
export function summarizeFile(
  tree: Tree,
  text: string,
  file: string,
  known: readonly ExternalPipeFiller[] = [],
): FileSummary {
  const index = new FileIndex(tree, text);
  try {
    const evaluator = new Evaluator(index);
    const fillers = new PipeFillers(
      index,
      (flags, scope) => {
        const value = evaluator.value(flags, { scope });
        return value.kind === "const" ? (value.value & 0o4000) !== 0 : null;
      },
      known.filter((filler) => filler.file !== file),
    );
    const called = new Set<string>();
    for (const call of tree.rootNode.descendantsOfType("call_expression")) {
      const name = call ? callName(call) : null;
      if (name) called.add(name);
    }
    const summary: FileSummary = {
      defined: [],
      definedAll: [],
      called: [...called],
      pipeFillers: [],
      wrappers: [],
      fieldFills: [],
    };
    summary.fieldFills = fieldFills(index, evaluator, file);
    if (text.includes("vmsplice")) {
      const extractor = new Extractor(tree, text);
      try {
        summary.wrappers = extractor.wrapperSummaries(file);
      } finally {
        extractor.dispose();
      }
    }
    for (const item of tree.rootNode.namedChildren) {
      if (item?.type !== "function_definition") continue;
      const name = functionName(item);
      if (name) summary.definedAll.push(name);
      if (!name || isStatic(item)) continue;
      summary.defined.push(name);
      const scope = index.scopeOf(item.childForFieldName("body") ?? item);
      scope?.parameters.forEach((parameter, position) => {
        if (!parameter) return;
        const hop = fillers.filler(name, position);
        if (hop)
          summary.pipeFillers.push({
            name,
            parameter: position,
            creates: hop.creates,
            nonblock: hop.nonblock,
            file,
            line: item.startPosition.row + 1,
          });
      });
    }
    return summary;
  } finally {
    index.dispose();
  }
}

/** The functions a tree defines without `static` at its top level (the names other files may call). */
export function externalFunctions(tree: Tree): string[] {
  const names: string[] = [];
  // A cursor over the items: the language server asks at every keystroke, and a Node per top-level item of a
  // 270k-line file (Node.namedChildren) cost more than the reparse. Only functions without `static` become Nodes.
  const cursor = tree.rootNode.walk();
  try {
    if (!cursor.gotoFirstChild()) return names;
    do {
      if (cursor.nodeType !== "function_definition" || staticAtCursor(cursor)) continue;
      const name = functionName(cursor.currentNode);
      // main() is the program's entry, not called by the program's other files.
      if (name && name !== "main") names.push(name);
    } while (cursor.gotoNextSibling());
  } finally {
    cursor.delete();
  }
  return names;
}

/** `isStatic` of the item at the cursor, read through the cursor (which ends where it started). */
function staticAtCursor(cursor: TreeCursor): boolean {
  if (!cursor.gotoFirstChild()) return false;
  let found = false;
  do {
    if (cursor.nodeIsNamed && cursor.nodeType === "storage_class_specifier" && cursor.nodeText === "static")
      found = true;
  } while (!found && cursor.gotoNextSibling());
  cursor.gotoParent();
  return found;
}
