/**
 * Constant folding of C expressions into symbolic values (`SymValue`): literals, `#define` macros, enum constants,
 * `const` and local variables through their reaching definitions, parameters through every call site in the file,
 * `sizeof` of known types and arrays, and the page size (`sysconf(_SC_PAGESIZE)`, `getpagesize()`, `PAGE_SIZE`).
 *
 * A value the analyzer cannot establish folds to `{ kind: "unknown", reason }`, never to a guess.
 * Pure; imports only web-tree-sitter types and the analysis helpers.
 */
import type { Node } from "web-tree-sitter";
import { clobbersOf, reachingClobber } from "./clobbers";
import { SPLICE_FLAGS, type SourceRange, type SymValue } from "./facts";
import { nodeLine } from "./unit";
import {
  loopCarriedSteps,
  pathDefinitions,
  pathDefinitionsOf,
  reachingDefinitions,
  type Definition,
  type FileIndex,
  type FunctionScope,
  type LoopStep,
} from "./scope";
import {
  callArguments,
  callName,
  contains,
  enclosingFunction,
  inductionLoop,
  isBroken,
  namedChildren,
  returnStatements,
  toRange,
  unwrap,
} from "./syntax";
import { parentOf } from "./ancestry";
import { GlobalValues } from "./globals";
import { declarationOfName, FieldStores, storeDefinitions, type FieldStore } from "./struct-fields";
import { memberSources, storesForUse, type MemberObject } from "./member-objects";
import { clip, describeValue, sameValue, simplify, unknown } from "./sym-values";

/** Linux x86-64 (and generic) values of the system constants that matter to vmsplice programs. */
export const SYSTEM_CONSTANTS: Readonly<Record<string, number>> = {
  ...Object.fromEntries(SPLICE_FLAGS.map((flag) => [flag.name, flag.bit])),
  O_RDONLY: 0,
  O_WRONLY: 1,
  O_RDWR: 2,
  O_ACCMODE: 3,
  O_CREAT: 0o100,
  O_EXCL: 0o200,
  O_NOCTTY: 0o400,
  O_TRUNC: 0o1000,
  O_APPEND: 0o2000,
  O_NONBLOCK: 0o4000,
  O_NDELAY: 0o4000,
  O_DIRECT: 0o40000,
  O_CLOEXEC: 0o2000000,
  O_PATH: 0o10000000,
  PROT_NONE: 0,
  PROT_READ: 1,
  PROT_WRITE: 2,
  PROT_EXEC: 4,
  MAP_SHARED: 1,
  MAP_PRIVATE: 2,
  MAP_SHARED_VALIDATE: 3,
  MAP_FIXED: 0x10,
  MAP_ANONYMOUS: 0x20,
  MAP_ANON: 0x20,
  MAP_GROWSDOWN: 0x100,
  MAP_LOCKED: 0x2000,
  MAP_NORESERVE: 0x4000,
  MAP_POPULATE: 0x8000,
  MAP_NONBLOCK: 0x10000,
  MAP_STACK: 0x20000,
  MAP_HUGETLB: 0x40000,
  MAP_FIXED_NOREPLACE: 0x100000,
  CLONE_VM: 0x100,
  CLONE_VFORK: 0x4000,
  SIGCHLD: 17,
  MADV_NORMAL: 0,
  MADV_RANDOM: 1,
  MADV_SEQUENTIAL: 2,
  MADV_WILLNEED: 3,
  MADV_DONTNEED: 4,
  MADV_FREE: 8,
  MADV_REMOVE: 9,
  MADV_DONTFORK: 10,
  MADV_DOFORK: 11,
  MADV_MERGEABLE: 12,
  MADV_UNMERGEABLE: 13,
  MADV_HUGEPAGE: 14,
  MADV_NOHUGEPAGE: 15,
  MADV_WIPEONFORK: 18,
  F_GETFL: 3,
  F_SETFL: 4,
  F_SETPIPE_SZ: 1031,
  F_GETPIPE_SZ: 1032,
  _SC_PAGESIZE: 30,
  _SC_PAGE_SIZE: 30,
  IOV_MAX: 1024,
  UIO_MAXIOV: 1024,
  STDIN_FILENO: 0,
  STDOUT_FILENO: 1,
  STDERR_FILENO: 2,
  SYS_vmsplice: 278,
  __NR_vmsplice: 278,
  NULL: 0,
  true: 1,
  false: 0,
  SIZE_MAX: Number.MAX_SAFE_INTEGER,
  MAP_FAILED: -1,
};

/** Macro names that mean "the page size of the running kernel" when the file does not define them. */
export const PAGE_SIZE_NAMES = new Set(["PAGE_SIZE", "PAGESIZE", "EXEC_PAGESIZE_RUNTIME"]);

/** Sizes of the C types sizeof() sees most often in vmsplice programs (LP64). */
const TYPE_SIZES: Readonly<Record<string, number>> = {
  char: 1,
  "signed char": 1,
  "unsigned char": 1,
  int8_t: 1,
  uint8_t: 1,
  bool: 1,
  _Bool: 1,
  short: 2,
  "unsigned short": 2,
  int16_t: 2,
  uint16_t: 2,
  int: 4,
  unsigned: 4,
  "unsigned int": 4,
  int32_t: 4,
  uint32_t: 4,
  float: 4,
  long: 8,
  "unsigned long": 8,
  "long long": 8,
  "unsigned long long": 8,
  int64_t: 8,
  uint64_t: 8,
  size_t: 8,
  ssize_t: 8,
  off_t: 8,
  loff_t: 8,
  uintptr_t: 8,
  intptr_t: 8,
  double: 8,
  "struct iovec": 16,
  "long double": 16,
};

const MAX_DEPTH = 24;

/** Where an expression is evaluated: its function scope (null at file scope) and the loop index variable, if any. */
export interface EvalContext {
  scope: FunctionScope | null;
  /** Name of a for-loop induction variable that stands for the symbolic `index`. */
  indexVariable?: string | null;
  /** Range to report for literals found inside a macro body (whose nodes live in a private tree). */
  macroRange?: SourceRange | null;
  /** Definition ranges collected along the way (macros, enums, variables), for related information. */
  definitions?: SourceRange[];
  depth?: number;
  /** Names being resolved, for cycle detection. */
  resolving?: Set<string>;
}

export class Evaluator {
  /** The stores to struct members in this file (struct-fields.ts). */
  readonly fieldStores: FieldStores;
  /** The object each member store writes, worked out once per store (member-objects.ts). */
  private readonly memberObjects: Map<number, MemberObject>;
  private readonly globals: GlobalValues;

  constructor(readonly index: FileIndex) {
    this.fieldStores = new FieldStores(index);
    this.memberObjects = new Map();
    this.globals = new GlobalValues(index, this, MAX_DEPTH);
  }

  /** Folds an expression. */
  value(node: Node | null, context: EvalContext): SymValue {
    const depth = context.depth ?? 0;
    if (!node) return unknown("missing expression");
    if (depth > MAX_DEPTH) return unknown(`expression too deeply nested: ${clip(node.text)}`);
    const inner = { ...context, depth: depth + 1 };
    const expression = unwrap(node);
    if (!expression) return unknown("missing expression");
    // Half-typed code: an expression holding a syntax error or a token tree-sitter made up has no value to fold.
    if (isBroken(expression)) return unknown(`${clip(node.text)} has a syntax error`);
    switch (expression.type) {
      case "number_literal":
        return this.numberLiteral(expression, context);
      case "char_literal":
        return charLiteral(expression);
      case "true":
        return { kind: "const", value: 1 };
      case "false":
      case "null":
        return { kind: "const", value: 0 };
      case "identifier":
        return this.identifier(expression, inner);
      case "binary_expression": {
        const operator = expression.childForFieldName("operator")?.text ?? "";
        if (!["+", "-", "*", "/", "%", "<<", ">>", "&", "|", "^"].includes(operator))
          return unknown(`non-arithmetic expression ${clip(expression.text)}`);
        return simplify({
          kind: "binary",
          operator: operator as "+",
          left: this.value(expression.childForFieldName("left"), inner),
          right: this.value(expression.childForFieldName("right"), inner),
        });
      }
      case "unary_expression": {
        const operator = expression.childForFieldName("operator")?.text ?? "";
        const operand = this.value(expression.childForFieldName("argument"), inner);
        if (operator === "+") return operand;
        if (operator === "-" || operator === "~") return simplify({ kind: "unary", operator, operand });
        if (operator === "!") {
          return operand.kind === "const"
            ? { kind: "const", value: operand.value === 0 ? 1 : 0 }
            : unknown(`${clip(expression.text)}`);
        }
        return unknown(`unsupported operator in ${clip(expression.text)}`);
      }
      case "conditional_expression": {
        const condition = this.value(expression.childForFieldName("condition"), inner);
        const consequence = this.value(expression.childForFieldName("consequence"), inner);
        const alternative = this.value(expression.childForFieldName("alternative"), inner);
        if (condition.kind === "const") return condition.value !== 0 ? consequence : alternative;
        if (sameValue(consequence, alternative)) return consequence;
        return unknown(`value depends on a run-time condition: ${clip(expression.text)}`);
      }
      case "assignment_expression":
        return this.value(expression.childForFieldName("right"), inner);
      case "comma_expression":
        return this.value(expression.childForFieldName("right"), inner);
      case "sizeof_expression":
        return this.sizeOf(expression, inner);
      case "call_expression":
        return this.call(expression, inner);
      case "field_expression":
        return this.field(expression, inner);
      default:
        return unknown(`cannot evaluate ${clip(expression.text)}`);
    }
  }

  private numberLiteral(node: Node, context: EvalContext): SymValue {
    const value = parseIntegerLiteral(node.text);
    if (value === null) return unknown(`non-integer literal ${node.text}`);
    if (value === 4096) return { kind: "const", value, literalPageSize: context.macroRange ?? toRange(node) };
    return { kind: "const", value };
  }

  /**
   * The value of the identifier `node`, or, with `name` given, the value the variable `name` has at `node`'s position
   * (used to ask what a global holds where a function is called).
   */
  identifier(node: Node, context: EvalContext, name = node.text): SymValue {
    if (context.indexVariable && name === context.indexVariable) return { kind: "index" };
    // A use inside the body of the for loop that counts this variable: the value varies per iteration, so it stays symbolic.
    if (context.scope && !context.macroRange && !context.indexVariable && name === node.text && inductionLoop(node))
      return { kind: "index" };
    const resolving = context.resolving ?? new Set<string>();
    const key = `${context.scope?.node.id ?? "file"}:${name}`;
    if (resolving.has(key)) return unknown(`${name} is defined in terms of itself`);
    const next: EvalContext = { ...context, resolving: new Set([...resolving, key]) };

    if (context.scope && !context.macroRange) {
      const carried = loopCarriedSteps(context.scope, name, node);
      if (!carried) return unknown(`${name} changes in a loop in a way the analyzer cannot follow`);
      const { definitions, entry } = pathDefinitions(
        context.scope,
        name,
        node,
        (definition) => !carried.sites.has(definition.site.id),
      );
      const parameter = context.scope.parameters.indexOf(name);
      // `setfl(argc, &fl)`: the address handed to a function that may write through it (the first argument is an
      // out-parameter definition already).
      // Only a variable of this function: constants and globals are not searched (a global's changes by the
      // functions called on the way are `GlobalValues`'), so the reads stay those of the function.
      const own = context.scope.definitions.has(name) || context.scope.parameters.includes(name);
      const clobbers = !own
        ? []
        : clobbersOf(this.index, context.scope, {
            root: name,
            pointer: false,
            scalar: true,
            memberStores: false,
            except: (call) => addressIsFirstArgument(call, name),
          });
      const changed = reachingClobber(context.scope, clobbers, context.scope.definitions.get(name) ?? [], node);
      if (changed) return unknown(`${name} may be changed by ${changed}`);
      let value: SymValue | null = null;
      if (definitions.length > 0) {
        value = this.fromDefinitions(name, definitions, next);
        // Some path reaches the use without a definition in this function: the value the name had on entry reaches it
        // too (a parameter's, or a global's: zero-initialised, or set in other functions).
        if (entry) {
          const incoming =
            parameter >= 0
              ? this.parameter(context.scope, parameter, name, next)
              : !context.scope.definitions.get(name)?.some((definition) => definition.declaration)
                ? this.globals.onEntry(name, context.scope, next)
                : null;
          if (incoming)
            value = this.mergePaths(
              name,
              value,
              incoming,
              definitions[definitions.length - 1].site,
              context.scope.node,
            );
        }
      } else if (parameter >= 0) value = this.parameter(context.scope, parameter, name, next);
      else if (!context.scope.definitions.get(name)?.some((definition) => definition.declaration)) {
        value = this.globals.onEntry(name, context.scope, next);
      }
      // A global may also be changed by a function called on the way to the use.
      if (value && parameter < 0 && !context.scope.definitions.get(name)?.some((definition) => definition.declaration))
        value = this.globals.changedByCalls(name, value, context.scope, node, next);
      if (value) return carried.steps.length > 0 ? this.advanced(value, carried.steps, next) : value;
    }
    const macro = this.index.macro(name);
    if (macro) {
      context.definitions?.push(toRange(macro.node));
      if (macro.conflict) return unknown(macro.conflict);
      if (!macro.value) return unknown(`macro ${name} has no value the analyzer can fold`);
      return this.value(macro.value, { ...next, scope: context.scope, macroRange: toRange(macro.node) });
    }
    const enumValue = this.index.enumConstant(name, (value) => {
      const folded = this.value(value, { scope: null, depth: (context.depth ?? 0) + 1, resolving: next.resolving });
      return folded.kind === "const" ? folded.value : null;
    });
    if (enumValue !== undefined)
      return enumValue === null
        ? unknown(`enum constant ${name} has no foldable value`)
        : { kind: "const", value: enumValue };
    const global = this.globals.value(name, next);
    if (global) return global;
    if (PAGE_SIZE_NAMES.has(name)) return { kind: "page" };
    if (name in SYSTEM_CONSTANTS) return { kind: "const", value: SYSTEM_CONSTANTS[name] };
    return unknown(`value of ${name} is not known in this file`);
  }

  /** `start + index * (sum of steps)`: the value of a variable advanced once per loop iteration. */
  advanced(start: SymValue, steps: LoopStep[], context: EvalContext): SymValue {
    let step: SymValue = { kind: "const", value: 0 };
    for (const item of steps) {
      const amount: SymValue = item.amount ? this.value(item.amount, context) : { kind: "const", value: 1 };
      step = simplify({ kind: "binary", operator: item.sign > 0 ? "+" : "-", left: step, right: amount });
    }
    return simplify({
      kind: "binary",
      operator: "+",
      left: start,
      right: simplify({ kind: "binary", operator: "*", left: { kind: "index" }, right: step }),
    });
  }

  /** Folds a variable's reaching definitions; they must all agree. */
  fromDefinitions(name: string, definitions: Definition[], context: EvalContext): SymValue {
    let result: { value: SymValue; site: Node } | null = null;
    for (const definition of definitions) {
      let value: SymValue;
      if (definition.kind === "init" || definition.kind === "assign") {
        value = this.value(definition.value, {
          ...context,
          scope: definition.declaration && !context.scope ? null : context.scope,
        });
        context.definitions?.push(toRange(definition.site));
      } else if (definition.kind === "declared") {
        value = this.declaredValue(name, definition, definitions.length);
      } else {
        value = unknown(`${name} is modified (${clip(definition.site.text)})`);
      }
      if (result === null) result = { value, site: definition.site };
      else if (!sameValue(result.value, value))
        return unknown(pathsDiffer(name, result.value, result.site, value, definition.site));
    }
    return result?.value ?? unknown(`${name} is never assigned before use`);
  }

  /**
   * The value a declaration without an initializer gives: zero for static storage (file scope or `static`), nothing
   * known for an automatic local (uninitialised) or an `extern` (defined elsewhere).
   */
  private declaredValue(name: string, definition: Definition, definitionCount: number): SymValue {
    const declaration = definition.declaration ?? definition.site;
    const storage = storageClass(declaration);
    if (storage === "extern") return unknown(`${name} is declared extern; its value is set in another file`);
    const fileScope = enclosingFunction(declaration) === null;
    if (fileScope) return { kind: "const", value: 0 };
    if (storage === "static")
      return definitionCount > 1
        ? unknown(`${name} is a static local that keeps its value between calls`)
        : { kind: "const", value: 0 };
    return unknown(`${name} is uninitialised on a path to this use (declared at ${nodeLine(declaration)})`);
  }

  /** Joins the values of two paths to a use: equal values stay, different ones name both paths. */
  private mergePaths(name: string, local: SymValue, entry: SymValue, localSite: Node, boundary: Node): SymValue {
    if (sameValue(local, entry)) return local;
    if (local.kind === "unknown") return local;
    if (entry.kind === "unknown")
      return unknown(`${name} is set ${conditionOf(localSite, boundary)}; otherwise ${entry.reason}`);
    return unknown(
      `${name} is ${describeValue(entry)} unless ${conditionOf(localSite, boundary, false)} (${nodeLine(localSite)}), where it is ${describeValue(local)}`,
    );
  }

  /** A parameter's value: every call site of the function in this file must pass the same value. */
  parameter(scope: FunctionScope, position: number, name: string, context: EvalContext): SymValue {
    if (!scope.name) return unknown(`parameter ${name}`);
    const sites = this.index.callersOf(scope.name);
    if (sites.length === 0)
      return unknown(`parameter ${name} of ${scope.name}(), ${this.index.callerNote(scope.name)}`);
    let result: SymValue | null = null;
    for (const site of sites.slice(0, 64)) {
      const argument = site.args[position];
      if (!argument) return unknown(`a call of ${scope.name}() does not pass ${name}`);
      const value = this.value(argument, {
        scope: this.index.scopeOf(site.node),
        depth: (context.depth ?? 0) + 1,
        resolving: context.resolving,
        definitions: context.definitions,
      });
      if (result === null) result = value;
      else if (!sameValue(result, value))
        return unknown(`callers of ${scope.name}() pass different values for ${name}`);
    }
    return result ?? unknown(`parameter ${name}`);
  }

  private sizeOf(node: Node, context: EvalContext): SymValue {
    const type = node.childForFieldName("type");
    if (type) return typeSize(type.text);
    const value = unwrap(node.childForFieldName("value"));
    if (value?.type === "identifier" && context.scope) {
      const definitions = reachingDefinitions(context.scope, value.text, node);
      const declaration =
        [...definitions].reverse().find((definition) => definition.declaration)?.declaration ??
        this.index.globalDefinitions(value.text)[0]?.declaration ??
        null;
      if (declaration) return this.declaredSize(declaration, value.text, context);
    }
    if (value?.type === "identifier") {
      const declaration = this.index.globalDefinitions(value.text)[0]?.declaration;
      if (declaration) return this.declaredSize(declaration, value.text, context);
    }
    return unknown(`size of ${clip(node.text)}`);
  }

  /** sizeof a declared variable: arrays multiply their dimensions by the element type's size. */
  declaredSize(declaration: Node, name: string, context: EvalContext): SymValue {
    const typeNode = declaration.childForFieldName("type");
    for (const child of namedChildren(declaration)) {
      let declarator: Node | null = child.type === "init_declarator" ? child.childForFieldName("declarator") : child;
      const dimensions: Node[] = [];
      let pointer = false;
      while (declarator && declarator.type !== "identifier") {
        if (declarator.type === "array_declarator") {
          const size = declarator.childForFieldName("size");
          if (size) dimensions.push(size);
          else return unknown(`size of ${name}[]`);
        } else if (declarator.type === "pointer_declarator") pointer = true;
        declarator = declarator.childForFieldName("declarator");
      }
      if (declarator?.text !== name) continue;
      let size: SymValue =
        pointer && dimensions.length === 0 ? { kind: "const", value: 8 } : typeSize(typeNode?.text ?? "");
      for (const dimension of dimensions)
        size = simplify({ kind: "binary", operator: "*", left: size, right: this.value(dimension, context) });
      return size;
    }
    return unknown(`size of ${name}`);
  }

  private call(node: Node, context: EvalContext): SymValue {
    const name = callName(node);
    const args = callArguments(node);
    if (name === "getpagesize") return { kind: "page" };
    if (name === "sysconf") {
      const argument = unwrap(args[0] ?? null);
      // The name goes through the evaluator, so a macro alias of _SC_PAGESIZE is the page size too.
      const name = this.value(argument, context);
      if (name.kind === "const" && name.value === SYSTEM_CONSTANTS._SC_PAGESIZE) return { kind: "page" };
      return unknown(`sysconf(${clip(argument?.text ?? "")})`);
    }
    if (name) {
      const definition = this.index.functionDefinition(name);
      if (definition) return this.returnValue(definition, name, context);
      const macro = this.index.functionMacro(name);
      if (macro?.body && macro.parameters.length === 0)
        return this.value(macro.body, { ...context, macroRange: toRange(macro.node) });
    }
    return unknown(`result of ${clip(node.text)}`);
  }

  /** The value a same-file function returns, when every return statement agrees and does not depend on parameters. */
  private returnValue(definition: Node, name: string, context: EvalContext): SymValue {
    const scope = this.index.scopeOf(definition);
    if (!scope) return unknown(`result of ${name}()`);
    const body = definition.childForFieldName("body");
    const returns = body ? returnStatements(body) : [];
    let result: SymValue | null = null;
    for (const statement of returns.slice(0, 16)) {
      const expression = namedChildren(statement)[0] ?? null;
      const value = this.value(expression, {
        scope,
        depth: (context.depth ?? 0) + 1,
        resolving: context.resolving,
        definitions: context.definitions,
      });
      if (result === null) result = value;
      else if (!sameValue(result, value)) return unknown(`${name}() returns different values`);
    }
    return result ?? unknown(`result of ${name}()`);
  }

  /**
   * A struct member's value. Members are keyed by (struct type, field): stores to a member of the same name in another
   * struct type do not count. The stores in the function of the use are followed over its paths; the value on entry
   * joins the stores made elsewhere and, for a file-scope object without an initializer, its zero initial value.
   */
  private field(node: Node, context: EvalContext): SymValue {
    const fieldName = node.childForFieldName("field")?.text;
    if (!fieldName) return unknown(clip(node.text));
    const found = storesForUse(node, context.scope, this.fieldStores, this.index, this.memberObjects);
    if ("unknown" in found) return unknown(found.unknown);
    const stores = found.stores.slice(0, 64);
    const evaluate = (assignment: { value: Node; site: Node }) =>
      this.value(assignment.value, {
        scope: this.index.scopeOf(assignment.site),
        depth: (context.depth ?? 0) + 1,
        resolving: context.resolving,
        definitions: context.definitions,
      });
    const scope = context.scope;
    const local = scope ? stores.filter((store) => contains(scope.node, store.site)) : [];
    // An object made by an expression (`c = get_ctx()`): only the stores through that pointer here are known.
    const others = found.madeBy ? [] : stores.filter((store) => !local.includes(store));
    let value: SymValue | null = null;
    let entry = true;
    const definitions = storeDefinitions(local, fieldName);
    const changed = scope ? this.memberChanged(node, scope, definitions) : null;
    if (changed) return unknown(`member ${fieldName} of ${clip(node.text)} may be changed by ${changed}`);
    if (scope && local.length > 0) {
      const reach = pathDefinitionsOf(scope, definitions, node);
      entry = reach.entry;
      for (const definition of reach.definitions) {
        const next = evaluate({ value: definition.value as Node, site: definition.site });
        if (value === null) value = next;
        else if (!sameValue(value, next))
          return unknown(pathsDiffer(fieldName, value, local[0].site, next, definition.site));
      }
    }
    if (!entry) return value ?? unknown(`member ${fieldName}`);
    if (found.madeBy)
      return unknown(
        `${clip(node.text)} reads the object from ${clip(found.madeBy.text, 40)} (${nodeLine(found.madeBy)}), whose member ${fieldName} is not set here on every path`,
      );
    let incoming: SymValue | null = this.zeroInitialised(node, context.scope) ? { kind: "const", value: 0 } : null;
    for (const store of others) {
      const next = evaluate(store);
      if (incoming === null) incoming = next;
      else if (!sameValue(incoming, next))
        return unknown(
          `member ${fieldName} is ${describeValue(incoming)} or ${describeValue(next)} depending on the path`,
        );
    }
    if (incoming === null)
      return value === null
        ? unknown(`value of member ${fieldName} is not assigned in this file`)
        : unknown(`member ${fieldName} is set ${conditionOf(local[0].site, scope?.node ?? local[0].site)} only`);
    if (value === null) return incoming;
    return sameValue(value, incoming)
      ? value
      : unknown(
          `member ${fieldName} is ${describeValue(incoming)} unless ${conditionOf(local[0].site, scope?.node ?? local[0].site, false)}, where it is ${describeValue(value)}`,
        );
  }

  /**
   * A change to the member's object that the member stores do not show, reaching the use on some path: the object's
   * address handed to a function that may write through it (`configure(&c)`), a pointer to it handed out
   * (`setup(c)` for `c->flags`) or written through, the whole struct copied over. Its description, or null.
   */
  /** The stores that may give a member use its value, over the paths to it (member-objects.ts). */
  memberSources(field: Node, scope: FunctionScope | null): { unknown: string } | { stores: FieldStore[] } {
    return memberSources(field, scope, this.fieldStores, this.index, this.memberObjects);
  }

  memberChanged(field: Node, scope: FunctionScope, given?: Definition[]): string | null {
    const stores =
      given ??
      storeDefinitions(
        this.fieldStores.of(field, scope).filter((store) => contains(scope.node, store.site)),
        "",
      );
    const object = unwrap(field.childForFieldName("argument"));
    if (object?.type !== "identifier") return null;
    const clobbers = clobbersOf(this.index, scope, {
      root: object.text,
      pointer: field.childForFieldName("operator")?.text === "->",
      memberStores: false,
      except: () => false,
    });
    return reachingClobber(scope, clobbers, stores, field);
  }

  /** Whether `object.field`'s object is a file-scope (or static) variable without an initializer: its members start at 0. */
  private zeroInitialised(field: Node, scope: FunctionScope | null): boolean {
    const object = unwrap(field.childForFieldName("argument"));
    if (object?.type !== "identifier" || field.childForFieldName("operator")?.text !== ".") return false;
    const declaration = declarationOfName(object.text, object, scope, this.index);
    if (!declaration) return false;
    const storage = storageClass(declaration);
    if (storage === "extern") return false;
    if (enclosingFunction(declaration) !== null && storage !== "static") return false;
    return !namedChildren(declaration).some((child) => child.type === "init_declarator");
  }
}

export function typeSize(typeText: string): SymValue {
  const normalised = typeText
    .replace(/\s+/g, " ")
    .replace(/\bconst\b|\bvolatile\b/g, "")
    .trim();
  if (normalised.endsWith("*")) return { kind: "const", value: 8 };
  if (normalised in TYPE_SIZES) return { kind: "const", value: TYPE_SIZES[normalised] };
  return unknown(`sizeof(${typeText})`);
}

/** Parses a C integer literal (decimal, hex, octal, binary, with digit separators and suffixes). */
export function parseIntegerLiteral(literal: string): number | null {
  let text = literal.replace(/'/g, "").toLowerCase();
  while (/[ul]$/.test(text)) text = text.slice(0, -1);
  let value: number;
  if (text.startsWith("0x")) value = parseInt(text.slice(2), 16);
  else if (text.startsWith("0b")) value = parseInt(text.slice(2), 2);
  else if (text.length > 1 && text.startsWith("0")) value = parseInt(text.slice(1), 8);
  else if (/^[0-9]+$/.test(text)) value = parseInt(text, 10);
  else return null;
  return Number.isSafeInteger(value) ? value : null;
}

function charLiteral(node: Node): SymValue {
  const text = node.text;
  if (text.length === 3) return { kind: "const", value: text.charCodeAt(1) };
  const escapes: Record<string, number> = {
    "'\\0'": 0,
    "'\\n'": 10,
    "'\\t'": 9,
    "'\\r'": 13,
    "'\\\\'": 92,
    "'\\''": 39,
  };
  if (text in escapes) return { kind: "const", value: escapes[text] };
  return unknown(`character ${text}`);
}

/** The C storage class keyword of a declaration (`static`, `extern`), or null. */
function storageClass(declaration: Node): string | null {
  for (const child of namedChildren(declaration)) {
    if (child.type === "storage_class_specifier") return child.text;
  }
  return null;
}

/**
 * The condition under which a statement runs, for messages: the nearest `if` arm, `case` label, loop or `?:` around it
 * inside `boundary` ("when argc > 1", "in case 'z'", "when not (n > 0)"); "on some path" when none is found.
 */
export function conditionOf(site: Node, boundary: Node, withWhen = true): string {
  let child: Node = site;
  for (let current = parentOf(site); current && current.id !== boundary.id; current = parentOf(current)) {
    if (current.type === "if_statement") {
      const condition = current.childForFieldName("condition");
      const text = clip(unwrap(condition)?.text ?? condition?.text ?? "?", 40);
      const inElse = current.childForFieldName("alternative")?.id === child.id;
      if (current.childForFieldName("consequence")?.id === child.id || inElse)
        return inElse ? `${withWhen ? "when " : ""}not (${text})` : `${withWhen ? "when " : ""}${text}`;
    }
    if (current.type === "case_statement") {
      const value = current.childForFieldName("value");
      const label = value ? `case ${clip(value.text, 30)}` : "the default case";
      return withWhen ? `in ${label}` : label;
    }
    if (current.type === "for_statement" || current.type === "while_statement" || current.type === "do_statement")
      return `inside the loop at ${nodeLine(current)}`;
    child = current;
  }
  return "on some path";
}

function pathsDiffer(name: string, first: SymValue, firstSite: Node, second: SymValue, secondSite: Node): string {
  if (first.kind === "unknown") return first.reason;
  if (second.kind === "unknown") return second.reason;
  const where = (site: Node) => {
    const owner = enclosingFunction(site);
    if (!owner) return `initially (${nodeLine(site)})`;
    const condition = conditionOf(site, owner);
    return `${condition === "on some path" ? "" : `${condition} `}(${nodeLine(site)})`;
  };
  return `${name} differs between paths: ${describeValue(first)} ${where(firstSite)}, ${describeValue(second)} ${where(secondSite)}`;
}

/** `f(&name, …)`: an out-parameter definition of `name` (scope.ts), not a change the definitions miss. */
function addressIsFirstArgument(call: Node, name: string): boolean {
  const first = unwrap(callArguments(call)[0] ?? null);
  if (first?.type !== "pointer_expression" || first.child(0)?.type !== "&") return false;
  return unwrap(first.childForFieldName("argument"))?.text === name;
}
