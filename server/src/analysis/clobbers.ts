/**
 * Changes to an object the fact readers do not follow: its address (or, for an array or a pointer, its value) handed
 * to a function that may write through it, an alias written through, an element stored over. The readers follow
 * assignments, member stores and the calls they model (pipe(), posix_memalign(), ...); anything else that may change
 * the object between its definition and the vmsplice call makes the fact unknown, naming the site.
 *
 * One question for every kind of fact: descriptors (`p[1]` after `mystery(p)`), members (`c.flags` after
 * `configure(&c)`), iovecs (`iov` after `shrink(&iov)` or `memcpy(&iov, …)`) and scalars (`&fl` passed anywhere, in
 * `scope.ts`'s definitions).
 */
import type { Node } from "web-tree-sitter";
import { parentOf } from "./ancestry";
import { callArguments, callName, subscriptIndex, unwrap } from "./syntax";
import { pathDefinitionsOf, type Definition, type FunctionScope, type NameIndex } from "./scope";
import { nodeLine } from "./unit";
import { clip } from "./sym-values";

/**
 * Functions known not to write through the pointers they are given at these argument positions ("all": none of
 * them). Everything else may write through any pointer it gets.
 */
const READS_ONLY: Readonly<Record<string, "all" | readonly number[]>> = {
  vmsplice: "all",
  tee: "all",
  write: "all",
  pwrite: "all",
  pwrite64: "all",
  writev: "all",
  pwritev: "all",
  pwritev2: "all",
  send: "all",
  sendto: "all",
  printf: "all",
  fprintf: "all",
  dprintf: "all",
  puts: "all",
  fputs: "all",
  perror: "all",
  fwrite: [0],
  strlen: "all",
  strnlen: "all",
  memcmp: "all",
  strcmp: "all",
  strncmp: "all",
  memcpy: [1],
  memmove: [1],
  close: "all",
  free: "all",
  assert: "all",
  munmap: "all",
  madvise: "all",
  mlock: "all",
  munlock: "all",
  mprotect: "all",
  msync: "all",
};

/** `syscall(__NR_vmsplice, …)` / `syscall(SYS_vmsplice, …)`: vmsplice itself, which only reads its iovec. */
function forwardsToVmsplice(callee: string | null, args: readonly Node[]): boolean {
  const number = callee === "syscall" ? unwrap(args[0] ?? null) : null;
  return number?.type === "identifier" && (number.text === "__NR_vmsplice" || number.text === "SYS_vmsplice");
}

/** Whether `callee` is known not to write through its argument at `position`. */
export function readsOnly(callee: string | null, position: number): boolean {
  const entry = callee ? READS_ONLY[callee] : undefined;
  return entry === "all" || (entry !== undefined && entry.includes(position));
}

export interface ClobberQuery {
  /** The identifier the object is reached from (`p` of `p[1]`, `c` of `c.flags`, `iov`). */
  root: string;
  /** The root's value is a pointer to the object (an array, which decays, or a pointer): passing it bare hands it out. */
  pointer: boolean;
  /** A scalar variable: its assignments are its definitions; only its address handed out changes it unseen. */
  scalar?: boolean;
  /** A member of the root that is an array (`c.p` of `c.p[1]`): passing it bare hands it out. */
  memberArray?: string;
  /** For an element read `root[k]`: stores to other constant elements do not change it. */
  element?: { index: number | null; fold: (node: Node) => number | null };
  /** Stores to members (`root.f = …`, `root->f = …`) count: false when the reader follows member stores itself. */
  memberStores: boolean;
  /** Member stores made by a function the object is handed to count (the reader follows only its own function's). */
  calleeMemberStores?: boolean;
  /** Calls the reader models itself (the pipe() that fills the array, the vmsplice call judged). */
  except: (call: Node) => boolean;
}

/** A site that may change the object, as a definition the path walk can place (`pathDefinitionsOf`). */
export interface Clobber {
  site: Node;
}

const MAX_DEPTH = 3;

/** Per scope and question, the clobbers before the caller's exceptions: every call on the same array asks again. */
const cache = new WeakMap<FunctionScope, Map<string, Clobber[]>>();

/** The sites of `scope` that may change the object `query` names, other than those its reader follows. */
export function clobbersOf(index: NameIndex, scope: FunctionScope, query: ClobberQuery, depth = 0): Clobber[] {
  const key = [
    query.root,
    query.pointer,
    query.memberArray ?? "",
    query.memberStores,
    query.calleeMemberStores ?? "",
    query.scalar ?? "",
    query.element ? String(query.element.index) : "-",
    depth,
  ].join("\0");
  let perScope = cache.get(scope);
  if (!perScope) cache.set(scope, (perScope = new Map()));
  let found = perScope.get(key);
  if (!found) {
    found = [];
    const general = { ...query, except: () => false };
    for (const use of scope.uses.get(query.root) ?? []) {
      const node = use.node();
      if (node.type !== "identifier" || node.text !== query.root) continue;
      const site = clobberAt(index, scope, node, general, depth);
      if (site) found.push({ site });
    }
    perScope.set(key, found);
    for (const site of globalClobbers(index, scope, general, depth)) found.push({ site });
    found.sort((left, right) => left.site.startIndex - right.site.startIndex);
  }
  return found.filter((clobber) => clobber.site.type !== "call_expression" || !query.except(clobber.site));
}

/**
 * A file-scope object changed by a function of this file that the scope calls (`reset()` storing into `g_fds[1]`),
 * directly or through the functions it calls: the call is a clobber. Functions of other files are the project's
 * concern; a local object or a parameter is reached by a callee only through its address (`escapeAt`).
 */
function globalClobbers(index: NameIndex, scope: FunctionScope, query: ClobberQuery, depth: number): Node[] {
  const inner = { ...query, memberStores: query.calleeMemberStores ?? query.memberStores };
  return callsOfWriters(
    index,
    scope,
    query.root,
    depth,
    (callee) => clobbersOf(index, callee, inner, depth + 1).length > 0,
  );
}

/**
 * The calls of `scope` to functions of this file that assign the file-scope variable `name` (`swap()` doing
 * `g_buf = malloc(…)`), directly or through the functions they call. Empty for a local or a parameter.
 */
export function globalAssignments(index: NameIndex, scope: FunctionScope, name: string, depth = 0): Clobber[] {
  const assigns = (callee: FunctionScope) =>
    (callee.definitions.get(name) ?? []).some((item) => item.kind !== "declared" && !item.declaration) ||
    globalAssignments(index, callee, name, depth + 1).length > 0;
  return callsOfWriters(index, scope, name, depth, assigns).map((site) => ({ site, description: describe(site) }));
}

/** The calls of `scope` to functions of this file for which `writes` holds, when `name` is not the scope's own. */
function callsOfWriters(
  index: NameIndex,
  scope: FunctionScope,
  name: string,
  depth: number,
  writes: (callee: FunctionScope) => boolean,
): Node[] {
  const local = scope.parameters.includes(name) || scope.definitions.get(name)?.some((item) => item.declaration);
  if (local || depth >= MAX_DEPTH) return [];
  const found: Node[] = [];
  const answers = new Map<string, boolean>();
  for (const site of scope.calls) {
    let answer = answers.get(site.name);
    if (answer === undefined) {
      const definition = index.functionDefinition(site.name);
      const callee = definition ? index.scopeOf(definition) : null;
      answer = callee !== null && callee !== scope && writes(callee);
      answers.set(site.name, answer);
    }
    if (answer) found.push(site.node);
  }
  return found;
}

/** More clobbers than this in one function: the first is taken as reaching (unknown is always sound), no path walk. */
const MAX_WALKED_CLOBBERS = 32;

/**
 * The clobber that reaches `use` on some path, placed with the reader's own definitions (`own`, which set the object
 * again and so hide an earlier clobber): its description, or null. Thousands of clobbers in one function are not
 * walked once per use (quadratic); the first is named instead.
 */
export function reachingClobber(
  scope: FunctionScope,
  clobbers: readonly Clobber[],
  own: readonly Definition[],
  use: Node,
): string | null {
  if (clobbers.length === 0) return null;
  if (clobbers.length > MAX_WALKED_CLOBBERS) return describe(clobbers[0].site);
  const sites = new Set(clobbers.map((clobber) => clobber.site.id));
  const definitions: Definition[] = clobbers.map((clobber) => ({
    name: "",
    kind: "out-param",
    value: null,
    site: clobber.site,
    declaration: null,
  }));
  const reach = pathDefinitionsOf(scope, [...own.filter((item) => !sites.has(item.site.id)), ...definitions], use);
  return describeOrNull(clobbers.find((clobber) => reach.definitions.some((item) => item.site.id === clobber.site.id)));
}

/** The site at which this occurrence of the root may change the object, or null. */
function clobberAt(
  index: NameIndex,
  scope: FunctionScope,
  identifier: Node,
  query: ClobberQuery,
  depth: number,
): Node | null {
  // Climb the access path: `root`, `root[k]`, `root.f`, `root->f[k]`, parentheses.
  let path: Node = identifier;
  let element: Node | null = null;
  let last: "root" | "element" | "member" = "root";
  for (let steps = 0; steps < 16; steps++) {
    const parent = parentOf(path);
    if (!parent) break;
    if (parent.type === "parenthesized_expression") path = parent;
    else if (parent.type === "subscript_expression" && parent.childForFieldName("argument")?.id === path.id) {
      element = element ?? parent;
      last = "element";
      path = parent;
    } else if (parent.type === "field_expression" && parent.childForFieldName("argument")?.id === path.id) {
      last = "member";
      path = parent;
    } else if (parent.type === "pointer_expression" && parent.child(0)?.type === "*") {
      // `*p = …` writes the element p points to: an element whose index is not known.
      element = element ?? parent;
      last = "element";
      path = parent;
    } else break;
  }
  const parent = parentOf(path);
  if (!parent) return null;
  if (parent.type === "pointer_expression" && parent.child(0)?.type === "&")
    return escapeAt(index, scope, parent, query, depth, true);
  const decays =
    last === "root"
      ? query.pointer
      : last === "member" &&
        query.memberArray !== undefined &&
        path.childForFieldName("field")?.text === query.memberArray &&
        parentOf(path)?.type !== "subscript_expression";
  if (decays) {
    const escaped = escapeAt(index, scope, path, query, depth, false);
    if (escaped) return escaped;
  }
  const stored =
    (parent.type === "assignment_expression" && parent.childForFieldName("left")?.id === path.id) ||
    (parent.type === "update_expression" && last !== "root");
  if (!stored) return null;
  if (last === "member") return query.memberStores ? parent : null;
  if (last === "element" && element) {
    const wanted = query.element?.index ?? null;
    const index = element.type === "subscript_expression" ? subscriptIndex(element) : null;
    const other = wanted !== null && index && query.element ? query.element.fold(index) : null;
    return other !== null && other !== wanted ? null : parent;
  }
  // The root itself assigned: a scalar or pointer is followed by its own definitions; a struct copied over is not.
  return query.pointer || query.scalar ? null : parent;
}

/**
 * Where a pointer to the object goes: a call that may write through it (a function of this file is followed into its
 * parameter), a pointer variable that is then written through, or anywhere else (returned, stored in memory) that
 * the analysis cannot follow.
 */
function escapeAt(
  index: NameIndex,
  scope: FunctionScope,
  pointer: Node,
  query: ClobberQuery,
  depth: number,
  addressTaken: boolean,
): Node | null {
  let holder: Node = pointer;
  let parent = parentOf(holder);
  while (parent && (parent.type === "parenthesized_expression" || parent.type === "cast_expression")) {
    holder = parent;
    parent = parentOf(holder);
  }
  if (!parent) return null;
  if (parent.type === "argument_list") {
    const call = parentOf(parent);
    if (call?.type !== "call_expression") return addressTaken ? call : null;
    if (query.except(call)) return null;
    const callee = callName(call);
    const args = callArguments(call);
    const position = args.findIndex((argument) => argument.id === holder.id);
    if (readsOnly(callee, position) || forwardsToVmsplice(callee, args)) return null;
    return calleeWrites(index, callee, position, query, depth) ? call : null;
  }
  const alias = aliasTarget(parent, holder);
  if (alias !== undefined) {
    if (alias === null || depth >= MAX_DEPTH) return parent;
    const through = clobbersOf(
      index,
      scope,
      { ...query, root: alias, pointer: true, memberStores: true, element: undefined },
      depth + 1,
    );
    return through.length > 0 ? through[0].site : null;
  }
  // Compared, tested, used in arithmetic: nothing written. Anywhere else an address goes, it is out of sight.
  if (!addressTaken) return null;
  const harmless = ["binary_expression", "unary_expression", "sizeof_expression", "condition_clause", "if_statement"];
  return harmless.includes(parent.type) ? null : parent;
}

/**
 * `q = &x` / `T *q = &x`: the pointer variable that receives the address (undefined: not an alias; null: stored
 * somewhere that is not a plain variable).
 */
function aliasTarget(parent: Node, holder: Node): string | null | undefined {
  if (parent.type === "init_declarator" && parent.childForFieldName("value")?.id === holder.id) {
    let declarator = parent.childForFieldName("declarator");
    while (declarator && declarator.type !== "identifier") declarator = declarator.childForFieldName("declarator");
    return declarator?.text ?? null;
  }
  if (parent.type === "assignment_expression" && parent.childForFieldName("right")?.id === holder.id) {
    const left = unwrap(parent.childForFieldName("left"));
    return left?.type === "identifier" ? left.text : null;
  }
  return undefined;
}

/** Whether a call of `callee` may write through its argument at `position`: unknown functions may; ours are read. */
function calleeWrites(
  index: NameIndex,
  callee: string | null,
  position: number,
  query: ClobberQuery,
  depth: number,
): boolean {
  if (!callee || position < 0 || depth >= MAX_DEPTH) return true;
  const definition = index.functionDefinition(callee);
  if (!definition) return true;
  const scope = index.scopeOf(definition);
  const parameter = scope?.parameters[position] ?? null;
  if (!scope || parameter === null) return true;
  const inner: ClobberQuery = {
    ...query,
    root: parameter,
    pointer: true,
    memberStores: query.calleeMemberStores ?? query.memberStores,
    element: query.element ? { ...query.element, index: query.element.index } : undefined,
    except: () => false,
  };
  if (clobbersOf(index, scope, inner, depth + 1).length > 0) return true;
  // `*parameter = …` / `parameter[k] = …` through the parameter itself.
  return scope.stores.some((store) => store.target === parameter && (inner.memberStores || !isMemberStore(store.node)));
}

function isMemberStore(node: Node): boolean {
  const left = unwrap(node.childForFieldName("left"));
  return left?.type === "field_expression";
}

/** What a user reads: "mystery(p) (line 13)" (made only for a clobber reported: it names a line, unit.ts `namedRow`). */
function describe(site: Node): string {
  return `${clip(site.text, 48)} (${nodeLine(site)})`;
}

function describeOrNull(clobber: Clobber | undefined): string | null {
  return clobber ? describe(clobber.site) : null;
}
