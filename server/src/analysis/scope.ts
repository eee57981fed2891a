/**
 * Name resolution over one parsed C file: file-level lookups (macros, enum constants, globals, function definitions)
 * and per-function definitions (declarations, assignments, out-parameters) with a simple reaching-definition rule.
 *
 * Lookups start from the cheap text search for the identifier and reach the tree with `descendantForIndex`, so the cost
 * follows the number of occurrences of a name, not the size of the file. Results are cached per name and per function.
 *
 * Every lookup is recorded (`ReadRecord`, STYLE.md section 2 "recorded reads"): the names searched by text, the text
 * occurrences examined (each stands for the top-level item holding it), and the regions of the tree read directly
 * (function scopes, macro definitions, enumerator lists, a sibling looked at). The engine keeps facts across an edit
 * only when the edit touches none of them, so the extractor must reach the tree through this index.
 * Pure; imports only web-tree-sitter (a Parser for macro bodies is created from the tree's own language, no I/O).
 */
import { readsOnly } from "./clobbers";
import { Parser, type Node, type Tree } from "web-tree-sitter";
import { lastLineNamed, namedRow, nodeLine } from "./unit";
import {
  callArguments,
  callName,
  declaratorName,
  enclosingFunction,
  functionName,
  namedChildren,
  parameterNames,
  unwrap,
  walk,
  WALK_LIMIT,
  wordOccurrences,
  identifierWords,
} from "./syntax";
import { nearest, parentOf, releaseAncestry, retainAncestry } from "./ancestry";

/** One way a variable gets its value. */
/**
 * The missing fact of a call judged while its project's index is being built (the language server), and the one
 * "caller elsewhere" of each function of such a unit with external linkage: its callers in other files are not known.
 */
export const INDEX_PENDING = "the project index is still being built";

export interface Definition {
  name: string;
  kind: "init" | "assign" | "out-param" | "array" | "declared" | "compound-assign";
  /** The value expression (initializer or right-hand side); for out-parameters and arrays the call or declaration. */
  value: Node | null;
  /** The node whose position orders the definition (declaration, assignment or call). */
  site: Node;
  /** The declaration that introduces the name (type, array size, attributes). */
  declaration: Node | null;
}

/** One call inside a function, with its name and arguments, in document order. */
export interface CallSite {
  name: string;
  node: Node;
  args: Node[];
  /** Start and end offsets, copied out of the tree once: node property reads cross into wasm and dominate loops. */
  start: number;
  end: number;
  /** Base identifiers of the arguments, filled on first use by the buffer lifecycle. */
  bases?: (string | null)[];
}

/** A store through a pointer or array (`buf[i] = x`, `*p = x`, `p->field = x`) or an increment of one. */
export interface Store {
  /** The object written through: the base identifier text (`buf` for `buf[i]`, `p` for `*(p + 1)`). */
  target: string;
  node: Node;
  start: number;
}

/** An identifier use with its offsets; the node itself is looked up only when a caller needs it. */
export interface Use {
  start: number;
  end: number;
  node(): Node;
}

export interface FunctionScope {
  node: Node;
  name: string | null;
  parameters: (string | null)[];
  definitions: Map<string, Definition[]>;
  calls: CallSite[];
  stores: Store[];
  /** Every identifier use by name (positions), for "used after the call" questions. */
  uses: Map<string, Use[]>;
  /** Whether a call of this name never returns: the C library's exit() family, or a function of the file ending in one. */
  noReturn?: (name: string) => boolean;
}

const BRANCH_FIELDS = new Set(["consequence", "alternative", "body"]);

/** A half-open range of offsets into the text (UTF-16 code units). */
export interface TextRegion {
  start: number;
  end: number;
}

/** Everything one extraction looked at: what an edit must not touch for its facts to stay valid. */
export interface ReadRecord {
  /** Identifiers searched for by text (an edit that adds or removes one may change the answer). */
  names: Set<string>;
  /** Regions of the tree read: top-level items holding an examined occurrence, function scopes, macro and enum definitions. */
  regions: TextRegion[];
  /** The last offset of a node whose line the facts name ("show(fds) (line 23)"); absent or -1: none (unit.ts `namedRow`). */
  lastLineNamed?: number;
}

/**
 * How an index finds the occurrences of a name as a whole identifier, in order, at most `limit`: syntax.ts
 * `wordOccurrences` over its text, unless a reduced parse answers from the item table of the whole text (engine/regions.ts
 * `ReducedView.occurrences`, the same answer without scanning the text per name and per round).
 */
export type OccurrenceSearch = (name: string, limit: number) => number[];

/**
 * The lookups the extractor makes over one file. Each one is recorded (see `reads`), so that reuse after an edit
 * consults what was actually read instead of a list of names someone thought of.
 */
export interface NameIndex {
  readonly tree: Tree;
  readonly text: string;
  /** Offsets of `name` as a whole identifier in the text (comments and strings included). */
  wordOccurrences(name: string, limit?: number): number[];
  identifierNodes(name: string, limit?: number): readonly Node[];
  functionDefinition(name: string): Node | null;
  callSitesOf(name: string): CallSite[];
  scopeOf(node: Node): FunctionScope | null;
  macro(name: string): MacroDefinition | null;
  functionMacro(name: string): { node: Node; parameters: string[]; body: Node | null } | null;
  enumConstant(name: string, evaluateConstant: (node: Node) => number | null): number | null | undefined;
  globalDefinitions(name: string): Definition[];
  nextNamedSibling(node: Node): Node | null;
  parseExpression(source: string): Node | null;
  /** What the lookups so far have read, with occurrences widened to their top-level items. */
  reads(): ReadRecord;
}

export interface MacroDefinition {
  node: Node;
  /** The parsed body; null when there is none or the definitions disagree. */
  value: Node | null;
  /** Why no value is taken: the disagreeing definitions, by line. */
  conflict?: string;
}

/** "FLAGS has 2 definitions that disagree (line 3, util.h:9)". */
function disagreement(name: string, definitions: Node[]): string {
  return `${name} has ${definitions.length} definitions that disagree (${definitions.map((node) => nodeLine(node)).join(", ")}); which one applies depends on the configuration`;
}

/**
 * The value of a conditional group's condition under command-line macros: true or false when a -D decides it
 * (`#ifdef X`, `#ifndef X`, `#if defined(X)`, `#if X`, `!` of those), null otherwise. A macro without -D is not taken
 * as undefined: a header the analysis did not read may define it.
 */
function conditionValue(group: Node, defines: ReadonlyMap<string, string>): boolean | null {
  if (group.type === "preproc_ifdef") {
    const name = group.childForFieldName("name")?.text;
    if (!name || !defines.has(name)) return null;
    return group.child(0)?.type !== "#ifndef";
  }
  const evaluate = (condition: Node | null): boolean | null => {
    if (!condition) return null;
    if (condition.type === "parenthesized_expression") return evaluate(condition.namedChild(0));
    if (condition.type === "preproc_defined") {
      const name = condition.namedChild(0)?.text;
      return name && defines.has(name) ? true : null;
    }
    if (condition.type === "identifier") {
      const value = defines.get(condition.text);
      return value === undefined ? null : value.trim() !== "0";
    }
    if (condition.type === "unary_expression" && condition.child(0)?.type === "!") {
      const inner = evaluate(condition.childForFieldName("argument"));
      return inner === null ? null : !inner;
    }
    return null;
  };
  return evaluate(group.childForFieldName("condition"));
}

/** File-wide index with lazy, cached, recorded lookups. */
export class FileIndex implements NameIndex {
  private readonly functionScopes = new Map<number, FunctionScope>();
  private readonly functionsByName = new Map<string, Node | null>();
  private readonly macros = new Map<string, MacroDefinition | null>();
  /** Enumerator values by name; `undefined` stored means "no enumerator of that name in this file". */
  private readonly enums = new Map<string, number | null | undefined>();
  private readonly globals = new Map<string, Definition[]>();
  private readonly callSitesByName = new Map<string, CallSite[]>();
  private readonly identifiersByName = new Map<string, readonly Node[]>();
  private readonly nextSiblings = new Map<number, Node | null>();
  private macroParser: Parser | null = null;
  private readonly macroTrees: Tree[] = [];
  private readonly namesRead = new Set<string>();
  /** Offsets of examined text occurrences (widened to top-level items by `reads`). */
  private readonly occurrencesRead = new Set<number>();
  private readonly regionsRead: TextRegion[] = [];
  /** Functions whose definition a lookup wanted and this unit does not hold, in the order first asked. */
  private readonly absentFunctions = new Set<string>();
  /** `search` answers by limit and name (the text does not change while the index lives). */
  private readonly searches = new Map<string, number[]>();
  private disposed = false;

  /**
   * `externalCallers`: for functions of this unit, the other files of the project that call them (from the project
   * layer). Absent: the unit is taken as the whole program (single-file analysis).
   */
  constructor(
    readonly tree: Tree,
    readonly text: string,
    private readonly externalCallers: ReadonlyMap<string, readonly string[]> = new Map(),
    private readonly defines: ReadonlyMap<string, string> = new Map(),
    private readonly search: OccurrenceSearch = (name, limit) => wordOccurrences(text, name, limit),
  ) {
    // Parents are looked up in a map while this index lives (see ancestry.ts): `Node.parent` is O(depth) per step.
    retainAncestry(tree);
  }

  /**
   * False when a node sits in a conditional group the translation unit's -D macros rule out (`#ifdef HAVE_X … #else`
   * with -DHAVE_X: the #else part). Only macros defined on the command line decide; anything else keeps both live.
   */
  live(node: Node): boolean {
    if (this.defines.size === 0) return true;
    let child: Node = node;
    for (let parent = parentOf(node); parent; child = parent, parent = parentOf(parent)) {
      if (parent.type !== "preproc_ifdef" && parent.type !== "preproc_if" && parent.type !== "preproc_elif") continue;
      const condition = conditionValue(parent, this.defines);
      if (condition === null) continue;
      const inAlternative = parent.childForFieldName("alternative")?.id === child.id;
      if (parent.childForFieldName("condition")?.id === child.id || parent.childForFieldName("name")?.id === child.id)
        continue;
      if (inAlternative ? condition : !condition) return false;
    }
    return true;
  }

  /**
   * The calls of a function that decide its parameters: those of this unit, or none when other files of the project
   * call it too (their arguments are not followed; `callerNote` says so).
   */
  callersOf(name: string): CallSite[] {
    if ((this.externalCallers.get(name)?.length ?? 0) > 0 || this.indirectUse(name) !== null) return [];
    return this.callSitesOf(name);
  }

  private readonly indirectUses = new Map<string, string | null>();

  /**
   * A use of a function's name that is neither a direct call nor a declaration of it: its address taken (a callback, a
   * table of operations, a pointer assigned) or the name in a macro body. Through either, the function may be called
   * with arguments no call site in this file shows, so its direct calls are not all its callers. Null when every
   * occurrence is a call, a declarator, a member name, a type name, or sits in a comment or string.
   */
  indirectUse(name: string): string | null {
    const known = this.indirectUses.get(name);
    if (known !== undefined) return known;
    let found: string | null = null;
    for (const offset of this.wordOccurrences(name)) {
      const node = this.tree.rootNode.descendantForIndex(offset, offset + name.length);
      found = node ? indirectUseAt(node, offset, name) : null;
      if (found) break;
    }
    this.indirectUses.set(name, found);
    return found;
  }

  /** Other files of the project call this function of the unit. */
  calledElsewhere(name: string): boolean {
    return (this.externalCallers.get(name)?.length ?? 0) > 0;
  }

  /** Why `callersOf` found no calls: "which is not called in this file" or "which is also called from b.c". */
  callerNote(name: string): string {
    const elsewhere = this.externalCallers.get(name) ?? [];
    const indirect = elsewhere.length === 0 ? this.indirectUse(name) : null;
    if (indirect) return `${indirect}, so it may be called with arguments no call here shows`;
    if (elsewhere.length === 0) return "which is not called in this file";
    if (elsewhere.length === 1 && elsewhere[0] === INDEX_PENDING)
      return `whose callers in other files are not known yet: ${INDEX_PENDING}`;
    return `which is also called from ${elsewhere.slice(0, 3).join(", ")}${elsewhere.length > 3 ? ` and ${elsewhere.length - 3} more files` : ""}`;
  }

  private recordNode(node: Node | null): void {
    if (node) this.regionsRead.push({ start: node.startIndex, end: node.endIndex });
  }

  /** Occurrences of `name` as a whole identifier; the name and every occurrence are recorded. */
  wordOccurrences(name: string, limit = 10_000): number[] {
    this.namesRead.add(name);
    // One text per index: a name searched again (call sites, callers, descriptor origins) is not scanned again.
    const key = `${limit}\0${name}`;
    let searched = this.searches.get(key);
    if (!searched) {
      searched = this.search(name, limit);
      this.searches.set(key, searched);
    }
    const found = searched.slice();
    for (const offset of found) this.occurrencesRead.add(offset);
    return found;
  }

  /** The next named sibling of a node (recorded: it may lie outside the regions read so far). */
  nextNamedSibling(node: Node): Node | null {
    const known = this.nextSiblings.get(node.id);
    if (known !== undefined) return known;
    const next = node.nextNamedSibling;
    this.recordNode(next);
    this.nextSiblings.set(node.id, next);
    return next;
  }

  reads(): ReadRecord {
    const root = this.tree.rootNode;
    const regions = [...this.regionsRead];
    for (const offset of this.occurrencesRead) {
      const top = root.firstChildForIndex(offset);
      if (!top || top.startIndex > offset) {
        regions.push({ start: offset, end: offset + 1 });
        continue;
      }
      // The extractor climbs from an occurrence to its ancestors and looks at siblings inside them; the top-level item
      // holds all of that. A top-level ERROR node or a stray token is read together with its neighbours, because
      // error recovery reads across them.
      if (top.type === "ERROR" || !top.isNamed || top.childCount === 0) {
        regions.push({
          start: top.previousSibling?.startIndex ?? top.startIndex,
          end: top.nextSibling?.endIndex ?? top.endIndex,
        });
      } else regions.push({ start: top.startIndex, end: top.endIndex });
    }
    return { names: new Set(this.namesRead), regions, lastLineNamed: lastLineNamed(this.tree) };
  }

  /** Releases the trees parsed for macro bodies. */
  dispose(): void {
    if (!this.disposed) releaseAncestry(this.tree);
    this.disposed = true;
    for (const tree of this.macroTrees) {
      releaseAncestry(tree);
      tree.delete();
    }
    this.macroTrees.length = 0;
    this.macroParser?.delete();
    this.macroParser = null;
  }

  /**
   * Nodes of identifiers named `name` (any identifier kind), found through the text. Cached per name and limit: lookups
   * made once per call (a field's stores, a buffer's uses elsewhere) would otherwise search the text and descend from
   * the root for every occurrence again, quadratic in the number of calls. The reads are recorded on the first search.
   */
  identifierNodes(name: string, limit = 5000): readonly Node[] {
    const key = `${limit}:${name}`;
    const cached = this.identifiersByName.get(key);
    if (cached) return cached;
    const nodes: Node[] = [];
    this.identifiersByName.set(key, nodes);
    for (const index of this.wordOccurrences(name, limit)) {
      const node = this.tree.rootNode.descendantForIndex(index, index + name.length);
      if (node && node.startIndex === index && node.endIndex === index + name.length && isIdentifierType(node.type))
        nodes.push(node);
    }
    return nodes;
  }

  /** The definition of a function named `name` in this file. */
  functionDefinition(name: string): Node | null {
    if (this.functionsByName.has(name)) return this.functionsByName.get(name) ?? null;
    let found: Node | null = null;
    for (const node of this.identifierNodes(name)) {
      const declarator = parentOf(node);
      if (declarator?.type !== "function_declarator") continue;
      let definition: Node | null = parentOf(declarator);
      while (definition && definition.type !== "function_definition" && definition.type.endsWith("declarator"))
        definition = parentOf(definition);
      if (definition?.type === "function_definition" && functionName(definition) === name && this.live(definition)) {
        found = definition;
        break;
      }
    }
    this.functionsByName.set(name, found);
    if (!found) this.absentFunctions.add(name);
    return found;
  }

  /**
   * The functions whose definitions the lookups so far wanted and this unit does not hold (a helper defined in another
   * file of the project, a libc function): what reading another file into the unit could settle (project/caller-join.ts).
   */
  unseenFunctions(): string[] {
    return [...this.absentFunctions];
  }

  /**
   * Whether the unit declares a function of this name by a prototype (`void spawn(void);`, in the file or a project
   * header it includes): a function of the program, not one of the system headers the analyzer does not read.
   */
  declaresFunction(name: string): boolean {
    return this.identifierNodes(name).some((node) => {
      const declarator = parentOf(node);
      if (declarator?.type !== "function_declarator") return false;
      let holder: Node | null = parentOf(declarator);
      while (holder && holder.type.endsWith("declarator")) holder = parentOf(holder);
      return holder?.type === "declaration" && this.live(holder);
    });
  }

  /** Every call of `name` in the file. */
  callSitesOf(name: string): CallSite[] {
    const cached = this.callSitesByName.get(name);
    if (cached) return cached;
    const sites: CallSite[] = [];
    for (const node of this.identifierNodes(name)) {
      let callee: Node = node;
      // C++ `std::memset(…)`, `::pipe(…)`: the call's callee is the qualified name (callName says whose).
      const qualified = parentOf(node);
      if (qualified?.type === "qualified_identifier" && qualified.childForFieldName("name")?.id === node.id)
        callee = qualified;
      const parent = parentOf(callee);
      if (
        parent?.type === "call_expression" &&
        parent.childForFieldName("function")?.id === callee.id &&
        callName(parent) === name
      ) {
        sites.push({ name, node: parent, args: callArguments(parent), start: parent.startIndex, end: parent.endIndex });
      }
    }
    this.callSitesByName.set(name, sites);
    return sites;
  }

  /** The scope of the function definition containing `node`, or null at file scope. */
  scopeOf(node: Node): FunctionScope | null {
    const definition = node.type === "function_definition" ? node : enclosingFunction(node);
    if (!definition) return null;
    const cached = this.functionScopes.get(definition.id);
    if (cached) return cached;
    const scope = buildScope(definition);
    scope.noReturn = (name) => this.neverReturns(name, 0);
    this.recordNode(definition);
    this.functionScopes.set(definition.id, scope);
    return scope;
  }

  private readonly noReturns = new Map<string, boolean>();

  /**
   * Whether a call of `name` never returns: exit() and its family, or a function of this file whose every path ends in
   * such a call (`static void run_child(…) { …; _exit(0); }`), followed three calls deep.
   */
  neverReturns(name: string, depth: number): boolean {
    if (NO_RETURN.has(name)) return true;
    const known = this.noReturns.get(name);
    if (known !== undefined) return known;
    if (depth > 3) return false;
    this.noReturns.set(name, false);
    const body = this.functionDefinition(name)?.childForFieldName("body") ?? null;
    const ends = body !== null && endsProcess(body, (callee) => this.neverReturns(callee, depth + 1));
    this.noReturns.set(name, ends);
    return ends;
  }

  /** `#define name value` (object-like); the value is parsed as a C expression. */
  macro(name: string): MacroDefinition | null {
    if (this.macros.has(name)) return this.macros.get(name) ?? null;
    let found: MacroDefinition | null = null;
    const bodies = new Map<string, Node>();
    for (const node of this.identifierNodes(name)) {
      const parent = parentOf(node);
      if (parent?.type === "preproc_def" && parent.childForFieldName("name")?.id === node.id && this.live(parent)) {
        const body = parent.childForFieldName("value");
        this.recordNode(parent);
        bodies.set(body?.text.replace(/\s+/g, " ").trim() ?? "", parent);
        found ??= { node: parent, value: body ? this.parseExpression(body.text) : null };
      }
    }
    // Definitions under different #if branches (or a #undef and a new #define) that disagree: which one holds at a use
    // depends on the configuration, so none is taken.
    if (found && bodies.size > 1)
      found = { node: found.node, value: null, conflict: disagreement(name, [...bodies.values()]) };
    this.macros.set(name, found);
    return found;
  }

  private readonly functionMacros = new Map<string, { node: Node; parameters: string[]; body: Node | null } | null>();

  /** Function-like macro `#define name(params) body` (cached: every call through it asks again). */
  functionMacro(name: string): { node: Node; parameters: string[]; body: Node | null } | null {
    if (this.functionMacros.has(name)) return this.functionMacros.get(name) ?? null;
    const found = this.findFunctionMacro(name);
    this.functionMacros.set(name, found);
    return found;
  }

  private findFunctionMacro(name: string): { node: Node; parameters: string[]; body: Node | null } | null {
    const definitions: Node[] = [];
    for (const node of this.identifierNodes(name)) {
      const parent = parentOf(node);
      if (
        parent?.type === "preproc_function_def" &&
        parent.childForFieldName("name")?.id === node.id &&
        this.live(parent)
      ) {
        this.recordNode(parent);
        definitions.push(parent);
      }
    }
    const [first] = definitions;
    if (!first) return null;
    const parametersNode = first.childForFieldName("parameters");
    const parameters = parametersNode ? namedChildren(parametersNode).map((child) => child.text) : [];
    // Disagreeing definitions (#if branches): no body is taken, so every use of the macro is unknown.
    const spellings = new Set(definitions.map((definition) => definition.text.replace(/\s+/g, " ").trim()));
    if (spellings.size > 1) return { node: first, parameters, body: null };
    const body = first.childForFieldName("value");
    return { node: first, parameters, body: body ? this.parseExpression(body.text) : null };
  }

  /** Value of an enumerator `name` declared in this file. */
  enumConstant(name: string, evaluateConstant: (node: Node) => number | null): number | null | undefined {
    if (this.enums.has(name)) return this.enums.get(name);
    for (const node of this.identifierNodes(name)) {
      const enumerator = parentOf(node);
      if (enumerator?.type !== "enumerator" || enumerator.childForFieldName("name")?.id !== node.id) continue;
      const list = parentOf(enumerator);
      if (!list) continue;
      this.recordNode(list);
      let value: number | null = -1;
      for (const item of namedChildren(list)) {
        if (item.type !== "enumerator") continue;
        const explicit = item.childForFieldName("value");
        if (explicit) value = evaluateConstant(explicit);
        else value = value === null ? null : value + 1;
        if (item.id === enumerator.id) {
          this.enums.set(name, value);
          return value;
        }
      }
    }
    this.enums.set(name, undefined);
    return undefined;
  }

  /** File-scope definitions of a global variable (its declaration, plus assignments anywhere in the file). */
  globalDefinitions(name: string): Definition[] {
    const cached = this.globals.get(name);
    if (cached) return cached;
    const definitions: Definition[] = [];
    let declaration: Node | null = null;
    for (const node of this.identifierNodes(name)) {
      if (enclosingFunction(node)) {
        const assignment = parentOf(node);
        if (assignment?.type === "assignment_expression" && assignment.childForFieldName("left")?.id === node.id) {
          definitions.push({
            name,
            kind: assignment.childForFieldName("operator")?.text === "=" ? "assign" : "compound-assign",
            value: assignment.childForFieldName("right"),
            site: assignment,
            declaration: null,
          });
        }
        continue;
      }
      const declared = declarationOf(node);
      if (declared && parentOf(declared.declaration) && isFileScope(declared.declaration)) {
        declaration = declared.declaration;
        definitions.push(declared.definition);
      }
    }
    for (const definition of definitions) if (!definition.declaration) definition.declaration = declaration;
    this.globals.set(name, definitions);
    return definitions;
  }

  /** Parses a macro body as an expression; returns the expression node or null. */
  parseExpression(source: string): Node | null {
    const trimmed = source.trim();
    if (!trimmed || trimmed.length > 2000) return null;
    if (!this.macroParser) {
      this.macroParser = new Parser();
      this.macroParser.setLanguage(this.tree.language);
    }
    const tree = this.macroParser.parse(`void __vmsplice_lens_macro(void) { (${trimmed}); }`);
    if (!tree) return null;
    this.macroTrees.push(tree);
    retainAncestry(tree);
    let found: Node | null = null;
    walk(tree.rootNode, (node) => {
      if (found) return false;
      if (node.type === "expression_statement") {
        found = unwrap(namedChildren(node)[0] ?? null);
        return false;
      }
      return true;
    });
    if (!found || (found as Node).hasError) return null;
    return found;
  }
}

/** Node types whose text is not code: a name in them is no use of the function. */
const NOT_CODE = new Set([
  "comment",
  "string_literal",
  "string_content",
  "char_literal",
  "raw_string_literal",
  "system_lib_string",
  "escape_sequence",
  "raw_string_content",
]);

/** How the occurrence of `name` at `offset` (node: the smallest node around it) uses a function other than by a call. */
function indirectUseAt(node: Node, offset: number, name: string): string | null {
  if (NOT_CODE.has(node.type)) return null;
  // The line is named only in an answer (a recorded read: see unit.ts `namedRow`).
  const line = () => namedRow(node);
  if (node.type === "preproc_arg") return `whose name appears in a macro body (line ${line()})`;
  const exact = node.startIndex === offset && node.endIndex === offset + name.length;
  if (!exact || node.type === "field_identifier" || node.type === "type_identifier")
    return exact ? null : `whose name is used at line ${line()}`;
  if (node.type !== "identifier") return `whose name is used at line ${line()}`;
  let callee: Node = node;
  const qualified = parentOf(node);
  if (qualified?.type === "qualified_identifier" && qualified.childForFieldName("name")?.id === node.id)
    callee = qualified;
  const parent = parentOf(callee);
  if (parent?.type === "call_expression" && parent.childForFieldName("function")?.id === callee.id) return null;
  if (parent?.type === "function_declarator" && parent.childForFieldName("declarator")?.id === callee.id) return null;
  // `#define name …` / `#undef name`: a macro of the function's name.
  if (parent?.type === "preproc_def" || parent?.type === "preproc_function_def" || parent?.type === "preproc_call")
    return `whose name is also a macro (line ${line()})`;
  return `whose address is taken at line ${line()}`;
}

/** Parents whose `declarator` (or enumerator `name`) identifier declares a variable or constant, not a use of one. */
const DECLARATOR_PARENTS = new Set([
  "init_declarator",
  "declaration",
  "parameter_declaration",
  "pointer_declarator",
  "array_declarator",
  "attributed_declarator",
  "parenthesized_declarator",
]);

/**
 * The names a file may call other than by a call expression naming them: identifiers used as values (an address taken,
 * a callback passed, a table of operations) and every word of a macro body. A project takes a function of another file
 * that such a name matches as called from here with unknown arguments. Declared names (variables, parameters,
 * enumerators) are not uses; when `wanted` is given only those names are looked at.
 */
export function referencedNames(root: Node, wanted?: ReadonlySet<string>): string[] {
  const names = new Set<string>();
  // One cursor walk: the parent's type and the field a node fills decide its use, without a Node per identifier.
  const cursor = root.walk();
  const parents: string[] = [];
  const fields: (string | null)[] = [];
  try {
    for (;;) {
      const type = cursor.nodeType;
      const field = cursor.currentFieldName;
      if (type === "identifier") {
        const text = cursor.nodeText;
        if ((!wanted || wanted.has(text)) && usedAsValue(parents, fields, field)) names.add(text);
      } else if (type === "preproc_arg") {
        for (const word of identifierWords(cursor.nodeText)) if (!wanted || wanted.has(word)) names.add(word);
      }
      if (cursor.gotoFirstChild()) {
        parents.push(type);
        fields.push(field);
        continue;
      }
      while (!cursor.gotoNextSibling()) {
        if (!cursor.gotoParent()) return [...names];
        parents.pop();
        fields.pop();
      }
    }
  } finally {
    cursor.delete();
  }
}

/**
 * Whether an identifier that fills `field` of its parent (`parents`' last type; `fields`' last is the field the parent
 * fills in its own parent) is a use other than a call naming it or a declaration: `indirectUseAt` seen from a cursor.
 */
function usedAsValue(parents: readonly string[], fields: readonly (string | null)[], field: string | null): boolean {
  const parent = parents[parents.length - 1];
  if (parent === "call_expression" && field === "function") return false;
  if (parent === "qualified_identifier" && field === "name") {
    const outer = parents[parents.length - 2];
    if (outer === "call_expression" && fields[fields.length - 1] === "function") return false;
  }
  if ((parent === "function_declarator" || DECLARATOR_PARENTS.has(parent)) && field === "declarator") return false;
  if (parent === "enumerator" && field === "name") return false;
  return true;
}

function isIdentifierType(type: string): boolean {
  return type === "identifier" || type === "field_identifier" || type === "type_identifier";
}

function isFileScope(node: Node): boolean {
  return enclosingFunction(node) === null;
}

/** If `identifier` is the name in a declaration's declarator, the declaration and the definition it makes. */
function declarationOf(identifier: Node): { declaration: Node; definition: Definition } | null {
  let declarator: Node | null = identifier;
  let initializer: Node | null = null;
  let isArray = false;
  for (let depth = 0; declarator && depth < 16; depth++) {
    const parent: Node | null = parentOf(declarator);
    if (!parent) return null;
    if (parent.type === "init_declarator") {
      if (parent.childForFieldName("declarator")?.id !== declarator.id) return null;
      initializer = parent.childForFieldName("value");
      declarator = parent;
      continue;
    }
    if (parent.type === "array_declarator") {
      if (parent.childForFieldName("declarator")?.id !== declarator.id) return null;
      isArray = true;
      declarator = parent;
      continue;
    }
    if (
      parent.type === "pointer_declarator" ||
      parent.type === "attributed_declarator" ||
      parent.type === "parenthesized_declarator"
    ) {
      declarator = parent;
      continue;
    }
    if (parent.type === "declaration" || parent.type === "parameter_declaration") {
      if (parent.type === "parameter_declaration") return null;
      const kind: Definition["kind"] = isArray ? "array" : initializer ? "init" : "declared";
      return {
        declaration: parent,
        definition: {
          name: identifier.text,
          kind,
          value: isArray ? (initializer ?? parent) : initializer,
          site: parent,
          declaration: parent,
        },
      };
    }
    return null;
  }
  return null;
}

/**
 * One statement of a function body that defines, stores or calls (the cursor pass of `buildScope` hands these over):
 * its definitions go through `add`, its stores and calls into the scope.
 */
function recordStatement(node: Node, scope: FunctionScope, add: (item: Definition) => void): void {
  switch (node.type) {
    case "declaration": {
      for (const child of namedChildren(node)) {
        if (child.type !== "init_declarator" && !child.type.endsWith("declarator") && child.type !== "identifier")
          continue;
        const name = declaratorName(child);
        if (!name) continue;
        const found = declarationOf(name);
        if (found) add(found.definition);
      }
      break;
    }
    case "assignment_expression":
      recordAssignment(node, scope, add);
      break;
    case "update_expression": {
      const argument = unwrap(node.childForFieldName("argument"));
      if (argument?.type === "identifier")
        add({ name: argument.text, kind: "compound-assign", value: null, site: node, declaration: null });
      else if (argument) {
        const target = storeTarget(argument);
        if (target) scope.stores.push({ target, node, start: node.startIndex });
      }
      break;
    }
    case "call_expression": {
      const name = callName(node);
      if (name) {
        const args = callArguments(node);
        scope.calls.push({ name, node, args, start: node.startIndex, end: node.endIndex });
        // `posix_memalign(&p, ...)`, `pipe(fds)` and similar out-parameters define their first argument (an address
        // at another position, `setfl(argc, &fl)`, is a clobber: see clobbers.ts and `Evaluator.identifier`).
        const first = unwrap(args[0] ?? null);
        if (first?.type === "pointer_expression" && first.child(0)?.type === "&" && !readsOnly(name, 0)) {
          const target = unwrap(first.childForFieldName("argument"));
          if (target?.type === "identifier")
            add({ name: target.text, kind: "out-param", value: node, site: node, declaration: null });
          else if (target?.type === "field_expression")
            add({ name: fieldKey(target), kind: "out-param", value: node, site: node, declaration: null });
        }
      }
      break;
    }
  }
}

/** `x = v`, `x += v`, `s.f = v`, `s.f[i] = v`, `*p = v`: a definition of a name or field, or a store through a pointer. */
function recordAssignment(node: Node, scope: FunctionScope, add: (item: Definition) => void): void {
  const left = unwrap(node.childForFieldName("left"));
  const operator = node.childForFieldName("operator")?.text ?? "=";
  if (left?.type === "identifier") {
    add({
      name: left.text,
      kind: operator === "=" ? "assign" : "compound-assign",
      value: node.childForFieldName("right"),
      site: node,
      declaration: null,
    });
  } else if (left) {
    const target = storeTarget(left);
    if (target) scope.stores.push({ target, node, start: node.startIndex });
    if (left.type === "field_expression") {
      // Field assignments are recorded under "object.field" so iovec and struct-member lookups find them.
      add({
        name: fieldKey(left),
        kind: operator === "=" ? "assign" : "compound-assign",
        value: node.childForFieldName("right"),
        site: node,
        declaration: null,
      });
    } else if (left.type === "subscript_expression") {
      const inner = unwrap(left.childForFieldName("argument"));
      if (inner?.type === "field_expression") {
        add({
          name: fieldKey(inner) + "[]",
          kind: "assign",
          value: node.childForFieldName("right"),
          site: node,
          declaration: null,
        });
      }
    }
  }
}

function buildScope(definition: Node): FunctionScope {
  const scope: FunctionScope = {
    node: definition,
    name: functionName(definition),
    parameters: parameterNames(definition),
    definitions: new Map(),
    calls: [],
    stores: [],
    uses: new Map(),
  };
  const add = (item: Definition) => {
    const list = scope.definitions.get(item.name);
    if (list) list.push(item);
    else scope.definitions.set(item.name, [item]);
  };
  const body = definition.childForFieldName("body");
  if (!body) return scope;
  // One cursor pass over the body. Most nodes are only classified by the cursor's type (cheap); a Node object is made only
  // for the statements that define, store or call, because every Node crosses the wasm boundary.
  const root = definition.tree.rootNode;
  const interesting = new Set(["declaration", "assignment_expression", "update_expression", "call_expression"]);
  const cursor = body.walk();
  let visited = 0;
  // The cursor's depth below the body, counted here: `TreeCursor.currentDepth` walks the cursor's stack (O(depth)).
  let depth = 0;
  try {
    for (;;) {
      const type = cursor.nodeType;
      if (type === "identifier") {
        const start = cursor.startIndex;
        const end = cursor.endIndex;
        const use: Use = { start, end, node: () => root.descendantForIndex(start, end) ?? body };
        const text = cursor.nodeText;
        const list = scope.uses.get(text);
        if (list) list.push(use);
        else scope.uses.set(text, [use]);
      } else if (interesting.has(type)) {
        recordStatement(cursor.currentNode, scope, add);
      }
      if (++visited < WALK_LIMIT && cursor.gotoFirstChild()) {
        depth++;
        continue;
      }
      if (visited >= WALK_LIMIT) return scope;
      for (;;) {
        if (depth === 0) return scope;
        if (cursor.gotoNextSibling()) break;
        if (!cursor.gotoParent()) return scope;
        depth--;
      }
    }
  } finally {
    cursor.delete();
  }
}

/** The base identifier a store writes through: `buf[i]`, `*p`, `*(p + k)`, `p->x`, `s.buf[i]` (as "s.buf"). */
export function storeTarget(left: Node): string | null {
  let current: Node | null = unwrap(left);
  for (let depth = 0; current && depth < 16; depth++) {
    switch (current.type) {
      case "subscript_expression":
        current = unwrap(current.childForFieldName("argument"));
        if (current?.type === "identifier") return current.text;
        if (current?.type === "field_expression") return fieldKey(current);
        break;
      case "pointer_expression":
        if (current.child(0)?.type !== "*") return null;
        current = unwrap(current.childForFieldName("argument"));
        if (current?.type === "identifier") return current.text;
        break;
      case "binary_expression":
        current = unwrap(current.childForFieldName("left"));
        if (current?.type === "identifier") return current.text;
        break;
      case "field_expression": {
        if (current.childForFieldName("operator")?.text === "->") {
          const object = unwrap(current.childForFieldName("argument"));
          if (object?.type === "identifier") return object.text;
        }
        return null;
      }
      default:
        return null;
    }
  }
  return null;
}

/** A stable key for a field access: `s.buf`, `ctx->wfd` and `(*ctx).wfd` give "s.buf", "ctx.wfd"; the field alone is the suffix. */
export function fieldKey(field: Node): string {
  const object = unwrap(field.childForFieldName("argument"));
  const name = field.childForFieldName("field")?.text ?? "?";
  const objectText =
    object?.type === "pointer_expression"
      ? (unwrap(object.childForFieldName("argument"))?.text ?? "?")
      : (object?.text ?? "?");
  return `${objectText}.${name}`;
}

/** The field name of a field key ("ctx.wfd" -> "wfd"). */
export function fieldOfKey(key: string): string {
  const dot = key.lastIndexOf(".");
  return dot < 0 ? key : key.slice(dot + 1);
}

/**
 * The definitions of `name` that can reach `position` in `scope`, following the paths of the function's statements:
 * if/else arms, switch cases (with fall-through), loops (zero or more iterations), and paths that end in `return`,
 * `goto` or a call that does not return (`exit`, `abort`, ...), which reach nothing. An empty list means "no definition
 * in this function". See `pathDefinitions` for whether the value the name had on entry also reaches.
 */
export function reachingDefinitions(
  scope: FunctionScope,
  name: string,
  position: Node,
  keep: (definition: Definition) => boolean = () => true,
): Definition[] {
  return pathDefinitions(scope, name, position, keep).definitions;
}

/** Per scope, the statements of each block walked by `pathDefinitionsOf` (see `flowBlock`). */
const blockCache = new WeakMap<
  FunctionScope,
  Map<number, { nodes: Node[]; starts: number[]; ends: number[]; jumps: boolean[]; types: string[] }>
>();

/** Per scope, whether each statement asked about ends every path through it (see `terminates`). */
const terminatesCache = new WeakMap<FunctionScope, Map<number, boolean>>();

/** A state of the path walk: the definitions that may hold, plus ENTRY when the value from function entry may hold. */
type PathState = Set<Definition | typeof ENTRY> | null;
const ENTRY = "entry" as const;

/** Calls after which a path does not continue. */
const NO_RETURN = new Set(["exit", "_exit", "_Exit", "abort", "err", "errx", "verr", "verrx", "__builtin_unreachable"]);

/**
 * Reaching definitions of `name` at `position` plus `entry`: true when some path from the function's entry reaches the
 * position without passing a definition (a parameter's or a global's incoming value, or an uninitialised local).
 * Statements that hold no definition of the name are stepped over without being walked, so the cost follows the
 * definitions, not the function's size.
 */
export function pathDefinitions(
  scope: FunctionScope,
  name: string,
  position: Node,
  keep: (definition: Definition) => boolean = () => true,
): { definitions: Definition[]; entry: boolean } {
  return pathDefinitionsOf(scope, (scope.definitions.get(name) ?? []).filter(keep), position);
}

/**
 * The walk behind `pathDefinitionsOf`: flows the set of definitions that may hold along every path of a function body
 * to the use, through blocks, branches, loops (with their back edge) and switches. `atUse` is set once the walk reaches
 * the use.
 */
class PathWalk {
  atUse: PathState | undefined;
  /** Where each candidate definition starts. */
  private readonly candidateStarts: number[];
  /** `terminates`, once per statement per scope: a block of thousands of statements is not listed again per lookup. */
  private readonly knownJumps: Map<number, boolean>;

  constructor(
    private readonly scope: FunctionScope,
    private readonly candidates: Definition[],
    private readonly useStart: number,
    private readonly useEnd: number,
  ) {
    this.candidateStarts = candidates.map((definition) => spanOf(definition).start);
    let jumpCache = terminatesCache.get(scope);
    if (!jumpCache) terminatesCache.set(scope, (jumpCache = new Map()));
    this.knownJumps = jumpCache;
  }

  private endsPaths(node: Node): boolean {
    let jumps = this.knownJumps.get(node.id);
    if (jumps === undefined) this.knownJumps.set(node.id, (jumps = terminates(node, 0, this.scope.noReturn)));
    return jumps;
  }

  private holdsDefinition(node: Node): boolean {
    return this.holdsStart(node.startIndex, node.endIndex);
  }

  /** Whether a candidate definition starts in [from, to) (a binary search: the starts are sorted). */
  private holdsStart(from: number, to: number): boolean {
    const index = firstAtOrAfter(this.candidateStarts, from);
    return index < this.candidateStarts.length && this.candidateStarts[index] < to;
  }

  private containsUse(node: Node): boolean {
    return node.startIndex <= this.useStart && this.useEnd <= node.endIndex;
  }

  /** Definitions inside an expression or simple statement, in order; the conditional ones keep what was before. */
  private applyLeaf(node: Node, state: PathState): PathState {
    if (state === null) return null;
    // What holds after the leaf: the last unconditional definition in it plus the conditional ones after that, or the
    // state before plus every conditional one. Walked backwards from the use over the sorted starts, so a leaf of
    // thousands of definitions (an ERROR region) costs what its last ones cost, not all of them per use.
    const first = firstAtOrAfter(this.candidateStarts, node.startIndex);
    const end = firstAtOrAfter(this.candidateStarts, Math.min(node.endIndex, this.useStart));
    const conditional: Definition[] = [];
    for (let index = end - 1; index >= first; index--) {
      const definition = this.candidates[index];
      if (!conditionalWithin(definition.site, node)) return new Set([definition, ...conditional]);
      conditional.push(definition);
    }
    return conditional.length > 0 ? union(state, new Set(conditional)) : state;
  }

  private flowList(statements: Node[], state: PathState): PathState {
    let current = state;
    for (const statement of statements) {
      if (this.atUse !== undefined) return current;
      if (statement.startIndex >= this.useEnd) break;
      const after = this.flow(statement, current);
      // Statements after a `return` in the same block are dead in C, but in half-typed code (a missing `}`) they are
      // the code being written: they keep the state from before the jump instead of reaching nothing.
      current =
        after === null && current !== null && statement.id !== statements[statements.length - 1].id ? current : after;
    }
    return current;
  }

  /**
   * A block's statements, with their offsets and jump flags read out of the tree once per scope: a function of
   * thousands of statements is stepped over with plain number comparisons, not a wasm call per statement per lookup.
   */
  private blockEntry(block: Node) {
    let cache = blockCache.get(this.scope);
    if (!cache) blockCache.set(this.scope, (cache = new Map()));
    let entry = cache.get(block.id);
    if (!entry) {
      const nodes = namedChildren(block);
      entry = {
        nodes,
        starts: nodes.map((node) => node.startIndex),
        ends: nodes.map((node) => node.endIndex),
        jumps: [],
        types: [],
      };
      cache.set(block.id, entry);
    }
    return entry;
  }

  private flowBlock(block: Node, state: PathState): PathState {
    let current = state;
    const { nodes, starts, ends, jumps, types } = this.blockEntry(block);
    for (const index of blockSteps(starts, ends, this.candidateStarts, this.useStart, this.useEnd)) {
      if (this.atUse !== undefined) return current;
      if (starts[index] >= this.useEnd) break;
      const from = starts[index];
      const to = ends[index];
      const relevant = (from <= this.useStart && this.useEnd <= to) || this.holdsStart(from, to);
      let after: PathState;
      if (!relevant) {
        jumps[index] ??= this.endsPaths(nodes[index]);
        after = jumps[index] ? null : current;
      } else after = this.flow(nodes[index], current, (types[index] ??= nodes[index].type));
      current = after === null && current !== null && index !== nodes.length - 1 ? current : after;
    }
    return current;
  }

  /** `type`: the node's type when the caller has it already (a block's statements keep theirs for every lookup). */
  flow(node: Node, state: PathState, type?: string): PathState {
    if (this.atUse !== undefined || state === null) return state;
    const here = this.containsUse(node);
    if (!here && !this.holdsDefinition(node)) return this.endsPaths(node) ? null : state;
    switch (type ?? node.type) {
      case "compound_statement":
        return this.flowBlock(node, state);
      case "if_statement":
        return this.flowIf(node, state);
      case "else_clause":
        return this.flowList(namedChildren(node), state);
      case "for_statement":
      case "while_statement":
        return this.flowLoop(node, state);
      case "do_statement":
        return this.flowDo(node, state);
      case "switch_statement":
        return this.flowSwitch(node, state);
      case "labeled_statement":
        return this.flowList(namedChildren(node).slice(1), state);
      case "return_statement":
      case "goto_statement": {
        const after = this.applyLeaf(node, state);
        if (here) this.atUse = after;
        return here ? after : null;
      }
      default: {
        if (here) {
          this.atUse = this.applyLeaf(node, state);
          return this.atUse;
        }
        const after = this.applyLeaf(node, state);
        return this.endsPaths(node) ? null : after;
      }
    }
  }

  /** An if statement: the condition, then both branches; the states of the two joined. */
  private flowIf(node: Node, state: PathState): PathState {
    const condition = node.childForFieldName("condition");
    const afterCondition = condition ? this.applyLeaf(condition, state) : state;
    if (condition && this.containsUse(condition)) {
      this.atUse = afterCondition;
      return afterCondition;
    }
    const consequence = node.childForFieldName("consequence");
    const alternative = node.childForFieldName("alternative");
    const thenState = consequence ? this.flow(consequence, afterCondition) : afterCondition;
    if (this.atUse !== undefined) return thenState;
    const elseState = alternative ? this.flow(alternative, afterCondition) : afterCondition;
    if (this.atUse !== undefined) return elseState;
    return union(thenState, elseState);
  }

  /** A for or while loop: header parts run before the body; the body runs zero or more times, and comes back around. */
  private flowLoop(node: Node, state: PathState): PathState {
    const parts = namedChildren(node);
    const loopBody = node.childForFieldName("body");
    let current: PathState = state;
    for (const part of parts) {
      if (part.id === loopBody?.id) continue;
      if (this.containsUse(part)) {
        this.atUse = union(current, loopBody ? this.flowOnce(loopBody, current) : null);
        return this.atUse;
      }
      current = this.applyLeaf(part, current);
    }
    if (!loopBody) return current;
    const once = this.flowOnce(loopBody, current);
    if (this.containsUse(loopBody)) {
      const entryState = union(current, once);
      this.flow(loopBody, entryState);
      return this.atUse ?? entryState;
    }
    return union(current, once);
  }

  /** A do-while loop: the body runs at least once. */
  private flowDo(node: Node, state: PathState): PathState {
    const loopBody = node.childForFieldName("body");
    if (!loopBody) return state;
    const once = this.flowOnce(loopBody, state);
    if (this.containsUse(loopBody)) {
      this.flow(loopBody, union(state, once));
      return this.atUse ?? union(state, once);
    }
    const condition = node.childForFieldName("condition");
    return condition ? this.applyLeaf(condition, union(once, once)) : once;
  }

  /** A switch: each case from the condition or falling through from the one before; without a default, no case may run. */
  private flowSwitch(node: Node, state: PathState): PathState {
    const condition = node.childForFieldName("condition");
    const afterCondition = condition ? this.applyLeaf(condition, state) : state;
    const switchBody = node.childForFieldName("body");
    if (!switchBody) return afterCondition;
    let out: PathState = null;
    let fallthrough: PathState = null;
    let hasDefault = false;
    for (const item of namedChildren(switchBody)) {
      if (item.type !== "case_statement") continue;
      if (!item.childForFieldName("value")) hasDefault = true;
      const statements = namedChildren(item).filter((child) => child.id !== item.childForFieldName("value")?.id);
      const caseOut = this.flowList(statements, union(afterCondition, fallthrough));
      if (this.atUse !== undefined) return caseOut;
      // `break` leaves the switch; without it the next case is reached as well.
      out = union(out, caseOut);
      fallthrough = endsWithBreak(item) ? null : caseOut;
    }
    return hasDefault ? out : union(out, afterCondition);
  }

  /** One run of a loop body from `state` without recording the use (for the back edge). */
  private flowOnce(loopBody: Node, state: PathState): PathState {
    const saved = this.atUse;
    this.atUse = undefined;
    const result = this.flowAll(loopBody, state);
    this.atUse = saved;
    return result;
  }

  /** Like `flow`, but through the whole node (definitions after the use included): a loop body's back edge. */
  private flowAll(node: Node, state: PathState): PathState {
    if (state === null) return null;
    const defsInside = this.candidates.filter(
      (definition) => definition.site.startIndex >= node.startIndex && definition.site.startIndex < node.endIndex,
    );
    if (defsInside.length === 0) return this.endsPaths(node) ? null : state;
    // Conservative: every definition inside may or may not have run; the last unconditional one of the body's own list wins.
    let current: PathState = state;
    if (node.type !== "compound_statement") {
      const direct = node.type === "expression_statement" || node.type === "declaration";
      return direct ? this.applyLeafAll(node, current, defsInside) : union(current, new Set(defsInside));
    }
    // The block's statements come from the per-scope cache; the ones holding a definition are found by binary search,
    // so a loop body of thousands of calls is not listed and filtered again for every lookup.
    const { nodes, starts, ends, jumps } = this.blockEntry(node);
    const holding = new Map<number, Definition[]>();
    for (const definition of defsInside) {
      const index = statementHolding(starts, ends, definition.site.startIndex);
      if (index < 0) continue;
      const list = holding.get(index);
      if (list) list.push(definition);
      else holding.set(index, [definition]);
    }
    // A statement without a definition that ends every path ends the body's run, wherever it stands.
    for (let index = 0; index < nodes.length; index++) {
      if (holding.has(index)) continue;
      jumps[index] ??= this.endsPaths(nodes[index]);
      if (jumps[index]) return null;
    }
    for (const index of [...holding.keys()].sort((left, right) => left - right)) {
      const statement = nodes[index];
      const inside = holding.get(index) as Definition[];
      const direct = statement.type === "expression_statement" || statement.type === "declaration";
      current = direct ? this.applyLeafAll(statement, current, inside) : union(current, new Set(inside));
    }
    return current;
  }

  private applyLeafAll(node: Node, state: PathState, inside: Definition[]): PathState {
    let current = state;
    for (const definition of inside)
      current = conditionalWithin(definition.site, node)
        ? union(current, new Set([definition]))
        : new Set([definition]);
    return current;
  }
}

function union(left: PathState, right: PathState): PathState {
  if (left === null) return right === null ? null : new Set(right);
  if (right === null) return new Set(left);
  return new Set([...left, ...right]);
}

/** `pathDefinitions` over an explicit list of definitions (the stores to one iovec member, say), in document order. */
/** Each definition site's offsets, read out of the tree once (a lookup sorts and filters every definition of a name). */
const spans = new WeakMap<Definition, { start: number; end: number }>();

function spanOf(definition: Definition): { start: number; end: number } {
  let span = spans.get(definition);
  if (!span) spans.set(definition, (span = { start: definition.site.startIndex, end: definition.site.endIndex }));
  return span;
}

export function pathDefinitionsOf(
  scope: FunctionScope,
  given: readonly Definition[],
  position: Node,
): { definitions: Definition[]; entry: boolean } {
  const all = [...given].sort((left, right) => spanOf(left).start - spanOf(right).start);
  const body = scope.node.childForFieldName("body");
  if (all.length === 0 || !body) return { definitions: [], entry: true };
  const useStart = position.startIndex;
  const useEnd = position.endIndex;
  // A definition whose site encloses the position (`x = f(x)`) does not reach its own right-hand side.
  const candidates = all.filter((definition) => {
    const { start, end } = spanOf(definition);
    return start < useStart && !(start <= useStart && useEnd <= end);
  });
  if (candidates.length === 0) return { definitions: [], entry: true };
  const walk = new PathWalk(scope, candidates, useStart, useEnd);
  const result = walk.flow(body, new Set([ENTRY]));
  const reached: PathState = walk.atUse === undefined ? result : walk.atUse;
  const final: Set<Definition | typeof ENTRY> = reached ?? new Set();
  const definitions = candidates.filter((definition) => final.has(definition));
  return { definitions, entry: final.has(ENTRY) };
}

/**
 * The statements of a block (given by their sorted, non-overlapping offsets) that can change the path state on the way
 * to a use, in order: those holding a candidate definition, those holding the use, and the last one. Every other
 * statement leaves the state as it is: one that falls through changes nothing, and a jump (`return`, `exit()`) that is
 * not the block's last statement keeps the state from before it (see `flowBlock`). Found by binary search, so a lookup
 * in a function of thousands of statements costs what its definitions cost, not a step per statement (quadratic when
 * every one of thousands of calls asks).
 */
export function blockSteps(
  starts: readonly number[],
  ends: readonly number[],
  candidateStarts: readonly number[],
  useStart: number,
  useEnd: number,
): number[] {
  const count = starts.length;
  if (count === 0) return [];
  /** The last statement starting at or before `offset`, or -1. */
  const lastStartingBy = (offset: number): number => lastAtOrBefore(starts, offset);
  const steps = new Set<number>();
  for (const start of candidateStarts) {
    const index = lastStartingBy(start);
    if (index >= 0 && start < ends[index]) steps.add(index);
  }
  // Statements holding the use: they start at or before it and end at or after it (ends never decrease).
  let low = 0;
  let high = count - 1;
  let firstEnding = count;
  while (low <= high) {
    const middle = (low + high) >> 1;
    if (ends[middle] >= useEnd) {
      firstEnding = middle;
      high = middle - 1;
    } else low = middle + 1;
  }
  for (let index = firstEnding; index < count && starts[index] <= useStart; index++) steps.add(index);
  steps.add(count - 1);
  return [...steps].sort((left, right) => left - right);
}

/** The statement (by sorted, non-overlapping offsets) whose span holds `offset`, or -1. */
function statementHolding(starts: readonly number[], ends: readonly number[], offset: number): number {
  const found = lastAtOrBefore(starts, offset);
  return found >= 0 && offset < ends[found] ? found : -1;
}

/** The index of the last of the sorted `starts` at or before `offset`, or -1 (binary search). */
function lastAtOrBefore(starts: readonly number[], offset: number): number {
  let low = 0;
  let high = starts.length - 1;
  let found = -1;
  while (low <= high) {
    const middle = (low + high) >> 1;
    if (starts[middle] <= offset) {
      found = middle;
      low = middle + 1;
    } else high = middle - 1;
  }
  return found;
}

/** Per statement, whether each node inside it sits under `?:`, `&&` or `||` (see `conditionalWithin`). */
const conditionalCache = new WeakMap<Node["tree"], Map<number, Map<number, boolean>>>();

/**
 * Whether a definition site sits under `?:`, `&&` or `||` inside `statement` (it runs on some paths only). Each node's
 * answer is kept, so the sites of one deeply nested statement (thousands of calls nested in an ERROR region) climb
 * their shared ancestors once, not once per site.
 */
function conditionalWithin(site: Node, statement: Node): boolean {
  let byStatement = conditionalCache.get(site.tree);
  if (!byStatement) conditionalCache.set(site.tree, (byStatement = new Map()));
  let cache = byStatement.get(statement.id);
  if (!cache) byStatement.set(statement.id, (cache = new Map()));
  const climbed: number[] = [];
  let result = false;
  for (let current: Node | null = site; current && current.id !== statement.id;) {
    const key = current.id;
    const known = cache.get(key);
    if (known !== undefined) {
      result = known;
      break;
    }
    climbed.push(key);
    const parent: Node | null = parentOf(current);
    if (!parent) break;
    if (conditionalEdge(parent, current)) {
      result = true;
      break;
    }
    current = parent;
  }
  for (const key of climbed) cache.set(key, result);
  return result;
}

/** `child` runs on some paths only of `parent`: a branch of `?:`, or the right side of `&&` / `||`. */
function conditionalEdge(parent: Node, child: Node): boolean {
  if (parent.type === "conditional_expression" && parent.childForFieldName("condition")?.id !== child.id) return true;
  if (parent.type === "binary_expression" && parent.childForFieldName("right")?.id === child.id) {
    const operator = parent.childForFieldName("operator")?.type;
    return operator === "&&" || operator === "||";
  }
  return false;
}

/**
 * Whether every path through a statement ends it: `return`, `goto`, a call that does not return, or both arms of an if.
 * `noReturn` also knows the file's own functions that never return.
 */
function terminates(node: Node, depth = 0, noReturn?: (name: string) => boolean): boolean {
  return endsPaths(node, depth, noReturn ?? ((name) => NO_RETURN.has(name)), true);
}

/** Whether every path through a statement of a function ends it (its own never-returning functions included). */
export function endsEveryPath(node: Node, scope: FunctionScope): boolean {
  return terminates(node, 0, scope.noReturn);
}

/** Whether every path through a function body ends the process (a `return` gives control back: it does not). */
function endsProcess(body: Node, noReturn: (name: string) => boolean): boolean {
  return endsPaths(body, 0, noReturn, false);
}

function endsPaths(node: Node, depth: number, noReturn: (name: string) => boolean, jumps: boolean): boolean {
  if (depth > 32) return false;
  const next = (child: Node) => endsPaths(child, depth + 1, noReturn, jumps);
  switch (node.type) {
    case "return_statement":
    case "goto_statement":
      return jumps;
    case "expression_statement": {
      const expression = unwrap(namedChildren(node)[0] ?? null);
      const name = expression?.type === "call_expression" ? callName(expression) : null;
      return name !== null && (NO_RETURN.has(name) || noReturn(name));
    }
    case "compound_statement": {
      const children = namedChildren(node);
      return children.length > 0 && next(children[children.length - 1]);
    }
    case "if_statement": {
      const consequence = node.childForFieldName("consequence");
      const alternative = node.childForFieldName("alternative");
      return (
        consequence !== null &&
        alternative !== null &&
        next(consequence) &&
        next(namedChildren(alternative)[0] ?? alternative)
      );
    }
    case "else_clause":
      return next(namedChildren(node)[0] ?? node);
    default:
      return false;
  }
}

/** Whether a case's statements end with `break` (or another jump out), so the next case is not fallen into. */
function endsWithBreak(caseStatement: Node): boolean {
  const children = namedChildren(caseStatement);
  const last = children[children.length - 1];
  if (!last) return false;
  if (last.type === "break_statement" || last.type === "continue_statement") return true;
  if (last.type === "compound_statement") {
    const inner = namedChildren(last);
    const tail = inner[inner.length - 1];
    return tail !== undefined && (tail.type === "break_statement" || terminates(tail));
  }
  return terminates(last);
}

/** Approximate dominance: every branch body (if/else arm, loop body, case) around `site` also contains `position`. */
export function dominates(site: Node, position: Node, boundary: Node): boolean {
  let current: Node | null = site;
  while (current && current.id !== boundary.id) {
    const parent: Node | null = parentOf(current);
    if (!parent) break;
    if (
      isBranchOf(parent, current) &&
      !(current.startIndex <= position.startIndex && position.endIndex <= current.endIndex)
    )
      return false;
    current = parent;
  }
  return true;
}

/** Whether `child` runs on some paths through `parent` only (a branch, loop body, case, `?:` arm, `&&`/`||` right side). */
export function isBranchOf(parent: Node, child: Node): boolean {
  const fieldName = fieldNameOf(parent, child);
  return (
    (fieldName !== null && BRANCH_FIELDS.has(fieldName) && parent.type !== "function_definition") ||
    parent.type === "case_statement" ||
    (parent.type === "conditional_expression" && fieldName !== "condition") ||
    (parent.type === "binary_expression" &&
      fieldName === "right" &&
      (parent.childForFieldName("operator")?.text === "&&" || parent.childForFieldName("operator")?.text === "||"))
  );
}

function fieldNameOf(parent: Node, child: Node): string | null {
  for (const field of ["consequence", "alternative", "body", "condition", "left", "right"]) {
    const node = parent.childForFieldName(field);
    if (node && node.id === child.id) return field;
  }
  return null;
}

/** Finds the function definition a call site belongs to and its parameter index for an identifier, if it is a parameter. */
export function parameterIndex(scope: FunctionScope, name: string): number {
  return scope.parameters.indexOf(name);
}

/** A `+=`, `-=`, `++` or `--` of a variable inside a loop around a use: the variable advances once per iteration. */
export interface LoopStep {
  sign: 1 | -1;
  /** The amount (null for ++/--, which step by one element). */
  amount: Node | null;
  site: Node;
}

/**
 * The loop-carried steps of `name` seen from `use`: compound assignments inside a loop that also encloses the use.
 * Returns null when such a loop modifies the variable in a way the analyzer cannot express (`*=`, `<<=`, ...).
 */
export function loopCarriedSteps(
  scope: FunctionScope,
  name: string,
  use: Node,
): { steps: LoopStep[]; sites: Set<number> } | null {
  const steps: LoopStep[] = [];
  const sites = new Set<number>();
  const definitions = scope.definitions.get(name);
  if (!definitions) return { steps, sites };
  const loops: Node[] = [];
  if (enclosingFunction(use)?.id === scope.node.id) {
    // The loops between the use and its function, innermost first (memoised climbs: see ancestry.ts).
    for (let loop = nearest(parentOf(use), "loop"); loop; loop = nearest(parentOf(loop), "loop")) loops.push(loop);
  } else {
    for (let current = parentOf(use); current && current.id !== scope.node.id; current = parentOf(current)) {
      if (current.type === "for_statement" || current.type === "while_statement" || current.type === "do_statement")
        loops.push(current);
    }
  }
  if (loops.length === 0) return { steps, sites };
  for (const definition of definitions) {
    if (definition.kind !== "compound-assign") continue;
    if (
      !loops.some((loop) => loop.startIndex <= definition.site.startIndex && definition.site.endIndex <= loop.endIndex)
    )
      continue;
    const operator = definition.site.childForFieldName("operator")?.text;
    if (definition.site.type === "update_expression" && (operator === "++" || operator === "--"))
      steps.push({ sign: operator === "++" ? 1 : -1, amount: null, site: definition.site });
    else if (definition.site.type === "assignment_expression" && (operator === "+=" || operator === "-="))
      steps.push({ sign: operator === "+=" ? 1 : -1, amount: definition.value, site: definition.site });
    else return null;
    sites.add(definition.site.id);
  }
  return { steps, sites };
}

/** The index of the first of the ascending `starts` at or after `offset` (starts.length when none). */
function firstAtOrAfter(starts: readonly number[], offset: number): number {
  let low = 0;
  let high = starts.length;
  while (low < high) {
    const middle = (low + high) >> 1;
    if (starts[middle] < offset) low = middle + 1;
    else high = middle;
  }
  return low;
}
