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
import { FileIndex, referencedNames, type NameIndex, type OccurrenceSearch, type ReadRecord } from "./scope";
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
  /** Names used here other than by a call naming them: values (a function's address) and macro-body words. */
  referenced: string[];
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
  return summarizeFileWithReads(tree, text, file, known).summary;
}

/** A summary with what computing it read (for a reduced parse, engine/reduced-summary.ts). */
export interface SummaryWithReads {
  summary: FileSummary;
  /** What the name index and the wrapper search read (scope.ts ReadRecord). */
  reads: ReadRecord;
  /**
   * The functions and function-like macros of the tree, static or not, that fill one of their parameters with a pipe:
   * a caller of one is a filler too, although its own text names no pipe creator.
   */
  fillers: string[];
}

/** Names of the tree's functions and function-like macros that fill one of their parameters (see SummaryWithReads). */
function fillerNames(tree: Tree, index: NameIndex, fillers: PipeFillers): string[] {
  const names = new Set<string>();
  for (const item of tree.rootNode.descendantsOfType(["function_definition", "preproc_function_def"])) {
    if (!item) continue;
    const name = item.type === "function_definition" ? functionName(item) : item.childForFieldName("name")?.text;
    if (!name || names.has(name)) continue;
    const count =
      item.type === "function_definition"
        ? (index.scopeOf(item.childForFieldName("body") ?? item)?.parameters.length ?? 0)
        : (index.functionMacro(name)?.parameters.length ?? 0);
    for (let position = 0; position < count; position++)
      if (fillers.filler(name, position)) {
        names.add(name);
        break;
      }
  }
  return [...names];
}

/** summarizeFile, with what it read; `withFillers` also lists the tree's filler names (a reduced parse needs them). */
export function summarizeFileWithReads(
  tree: Tree,
  text: string,
  file: string,
  known: readonly ExternalPipeFiller[] = [],
  withFillers = false,
  search?: OccurrenceSearch,
): SummaryWithReads {
  const index = new FileIndex(tree, text, undefined, undefined, search);
  // Which definitions a filler hop looks up is not recorded (see quietDefinitions); only then is it looked up apart.
  const lookup = withFillers ? new FileIndex(tree, text, undefined, undefined, search) : null;
  const reads: ReadRecord = { names: new Set(), regions: [] };
  try {
    const evaluator = new Evaluator(index);
    const fillers = new PipeFillers(
      lookup ? quietDefinitions(index, lookup) : index,
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
      referenced: referencedNames(tree.rootNode),
      pipeFillers: [],
      wrappers: [],
      fieldFills: [],
    };
    summary.fieldFills = fieldFills(index, evaluator, file);
    if (text.includes("vmsplice")) {
      const extractor = new Extractor(tree, text, {}, search);
      try {
        summary.wrappers = extractor.wrapperSummaries(file);
        addReads(reads, extractor.index.reads());
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
    const names = lookup ? fillerNames(tree, quietDefinitions(index, lookup), fillers) : [];
    addReads(reads, index.reads());
    return { summary, reads, fillers: names };
  } finally {
    index.dispose();
    lookup?.dispose();
  }
}

/**
 * `index` with its function and function-macro lookups answered by `lookup`, whose reads are dropped. A filler hop
 * looks up the definition of every callee a parameter is passed to (memset, strlen, …); recording those names would
 * restore every item that calls them. They need no recording: a callee that is a filler has its definition restored
 * anyway (its name is among `SummaryWithReads.fillers`, its item holds a pipe creator, or it is another file's filler,
 * a trigger word), function-like macros sit on preprocessor lines, which are always kept, and a callee that is not a
 * filler gives no filler whether its definition is seen or not.
 */
function quietDefinitions(index: FileIndex, lookup: FileIndex): NameIndex {
  return new Proxy(index, {
    get(target, property) {
      if (property === "functionDefinition") return (name: string) => lookup.functionDefinition(name);
      if (property === "functionMacro") return (name: string) => lookup.functionMacro(name);
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === "function" ? (value as (...args: unknown[]) => unknown).bind(target) : value;
    },
  });
}

function addReads(into: ReadRecord, from: ReadRecord): void {
  for (const name of from.names) into.names.add(name);
  into.regions.push(...from.regions);
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
