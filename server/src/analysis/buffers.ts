/**
 * Buffer provenance: where the memory behind an iovec base comes from (mmap with its flags, malloc and friends, aligned
 * allocators, stack and static arrays with their alignment attributes, same-file functions, struct members, parameters
 * through every call site) and the byte offset of the base inside it. What happens to the buffer around the call
 * (written before or after, fork in between, madvise, mlock, munmap) is lifecycle.ts's.
 *
 * Unknown provenance stays unknown and says why. Pure; no I/O, no editor or protocol imports.
 */
import type { Node } from "web-tree-sitter";
import type { MemoryKind, Origin, SymValue } from "./facts";
import { globalAssignments, reachingClobber } from "./clobbers";
import { fieldKey, loopCarriedSteps, reachingDefinitions, type FileIndex, type FunctionScope } from "./scope";
import {
  callArguments,
  callName,
  enclosingFunction as enclosingFunctionOf,
  isBroken,
  namedChildren,
  returnStatements,
  unwrap,
  subscriptIndex,
} from "./syntax";
import { Allocations } from "./allocations";
import { parentOf } from "./ancestry";
import { Evaluator, typeSize, type EvalContext } from "./values";
import { clip, isUnknown, simplify, unknown } from "./sym-values";

/** Where a pointer points: a buffer (or null when unknown) and the byte offset from its start. */
export interface PointerFact {
  buffer: Provenance | null;
  offset: SymValue;
  missing: string | null;
}

/** Allocation facts, before the call-relative lifecycle is added. */
export interface Provenance {
  origin: Origin;
  memory: MemoryKind;
  alignment: SymValue | null;
  size: SymValue | null;
  writable: boolean | null;
  /** MAP_POPULATE or calloc-style pre-faulting: pages are present and private. */
  populated: boolean;
  originNode: Node | null;
  explanation: string;
  /** The variable names (in the call's function) that hold this buffer, for lifecycle questions. */
  names: Set<string>;
}

const MAX_DEPTH = 16;

export class BufferResolver {
  private readonly allocations: Allocations;

  constructor(
    readonly index: FileIndex,
    readonly evaluator: Evaluator,
    /** ProjectFacts.definedElsewhere: where the project defines a function this unit does not. */
    private readonly definedElsewhere: (name: string) => string | null = () => null,
  ) {
    this.allocations = new Allocations(index, evaluator);
  }

  /** Resolves a pointer expression to its buffer and byte offset. */
  pointer(node: Node | null, context: EvalContext, depth = 0): PointerFact {
    if (!node) return { buffer: null, offset: { kind: "const", value: 0 }, missing: "no base expression" };
    if (depth > MAX_DEPTH)
      return { buffer: null, offset: unknown("too deep"), missing: `pointer ${clip(node.text)} is too deeply derived` };
    const zero: SymValue = { kind: "const", value: 0 };
    // Casts carry the element type for the arithmetic around them, so look at them before unwrapping.
    const expression = unwrap(node);
    if (!expression) return { buffer: null, offset: zero, missing: "no base expression" };
    if (isBroken(expression))
      return { buffer: null, offset: unknown("syntax error"), missing: `${clip(node.text)} has a syntax error` };
    switch (expression.type) {
      case "identifier":
        return this.identifier(expression, context, depth);
      case "binary_expression": {
        const resolved = this.arithmetic(expression, context, depth);
        if (resolved) return resolved;
        break;
      }
      case "pointer_expression": {
        const resolved = this.addressOf(expression, context, depth);
        if (resolved) return resolved;
        break;
      }
      case "call_expression":
        return this.call(expression, context, depth);
      case "field_expression":
        return this.field(expression, context, depth);
      case "conditional_expression": {
        const consequence = this.pointer(expression.childForFieldName("consequence"), context, depth + 1);
        const alternative = this.pointer(expression.childForFieldName("alternative"), context, depth + 1);
        if (
          consequence.buffer &&
          alternative.buffer &&
          consequence.buffer.origin === alternative.buffer.origin &&
          consequence.buffer.memory === alternative.buffer.memory
        )
          return consequence;
        return { buffer: null, offset: zero, missing: `${clip(expression.text)} depends on a run-time condition` };
      }
      case "string_literal":
      case "concatenated_string":
        return {
          buffer: {
            origin: "string-literal",
            memory: "private-file",
            alignment: { kind: "const", value: 1 },
            size: null,
            writable: false,
            populated: true,
            originNode: expression,
            explanation: "a string literal in read-only data",
            names: new Set(),
          },
          offset: zero,
          missing: null,
        };
      case "assignment_expression":
        return this.pointer(expression.childForFieldName("right"), context, depth + 1);
    }
    return { buffer: null, offset: zero, missing: `cannot tell where ${clip(expression.text)} points` };
  }

  /** Pointer arithmetic `p + n`, `n + p`, `p - n`: the buffer of the pointer side, the offset scaled by its element size; null for other operators. */
  private arithmetic(expression: Node, context: EvalContext, depth: number): PointerFact | null {
    const operator = expression.childForFieldName("operator")?.text;
    if (operator !== "+" && operator !== "-") return null;
    const left = expression.childForFieldName("left");
    const right = expression.childForFieldName("right");
    const base = this.pointer(left, context, depth + 1);
    if (base.buffer || operator === "-") {
      const elementSize = this.elementSize(left, context);
      const amount = this.evaluator.value(right, context);
      const scaled = simplify({ kind: "binary", operator: "*", left: amount, right: elementSize });
      return { ...base, offset: simplify({ kind: "binary", operator, left: base.offset, right: scaled }) };
    }
    const swapped = this.pointer(right, context, depth + 1);
    if (swapped.buffer) {
      const elementSize = this.elementSize(right, context);
      const amount = this.evaluator.value(left, context);
      return {
        ...swapped,
        offset: simplify({
          kind: "binary",
          operator: "+",
          left: swapped.offset,
          right: simplify({ kind: "binary", operator: "*", left: amount, right: elementSize }),
        }),
      };
    }
    return {
      buffer: null,
      offset: unknown(clip(expression.text)),
      missing: base.missing ?? `cannot tell where ${clip(expression.text)} points`,
    };
  }

  /** `&array[i]`, `&array`, `&scalar`: the address of an element or a variable; null when the expression is not `&x`. */
  private addressOf(expression: Node, context: EvalContext, depth: number): PointerFact | null {
    const zero: SymValue = { kind: "const", value: 0 };
    if (expression.child(0)?.type !== "&") return null;
    const target = unwrap(expression.childForFieldName("argument"));
    if (target?.type === "subscript_expression") {
      const array = target.childForFieldName("argument");
      const base = this.pointer(array, context, depth + 1);
      if (!base.buffer) return base;
      const amount = this.evaluator.value(subscriptIndex(target), context);
      const scaled = simplify({
        kind: "binary",
        operator: "*",
        left: amount,
        right: this.elementSize(array, context),
      });
      return { ...base, offset: simplify({ kind: "binary", operator: "+", left: base.offset, right: scaled }) };
    }
    if (target?.type === "identifier") {
      const resolved = this.identifier(target, context, depth + 1);
      if (resolved.buffer && (resolved.buffer.origin === "stack-array" || resolved.buffer.origin === "static-array"))
        return resolved;
      const declaration = this.declarationOf(target, context);
      if (declaration && declaration.type === "declaration") {
        // `&one_byte`: the address of a scalar variable, on the stack or in static data, aligned only to its type.
        const isStatic =
          enclosingFunctionOf(declaration) === null ||
          namedChildren(declaration).some(
            (child) => child.type === "storage_class_specifier" && child.text === "static",
          );
        const size = this.evaluator.declaredSize(declaration, target.text, context);
        return {
          buffer: {
            origin: isStatic ? "static-array" : "stack-array",
            memory: isStatic ? "static" : "stack",
            alignment: { kind: "const", value: 1 },
            size,
            writable: true,
            populated: true,
            originNode: declaration,
            explanation: `the address of ${isStatic ? "static" : "local"} variable ${target.text}, not page-aligned`,
            names: new Set([target.text]),
          },
          offset: zero,
          missing: null,
        };
      }
    }
    return {
      buffer: null,
      offset: zero,
      missing: `address of ${clip(target?.text ?? expression.text)} is not a buffer the analyzer can follow`,
    };
  }

  private identifier(node: Node, context: EvalContext, depth: number): PointerFact {
    const name = node.text;
    const zero: SymValue = { kind: "const", value: 0 };
    const scope = context.scope;
    if (scope) {
      const carried = loopCarriedSteps(scope, name, node);
      if (!carried)
        return {
          buffer: null,
          offset: unknown(name),
          missing: `${name} changes in a loop in a way the analyzer cannot follow`,
        };
      if (carried.steps.length > 0) {
        // `p += pg` inside the loop: the pointer advances by whole elements every iteration.
        const start = this.pointerWithout(node, context, depth, carried.sites);
        if (!start.buffer) return start;
        const step = this.evaluator.advanced({ kind: "const", value: 0 }, carried.steps, context);
        const scaled = simplify({ kind: "binary", operator: "*", left: step, right: this.elementSize(node, context) });
        return { ...start, offset: simplify({ kind: "binary", operator: "+", left: start.offset, right: scaled }) };
      }
      const reassigned = this.reassignedByCall(name, scope, node);
      if (reassigned)
        return { buffer: null, offset: unknown(name), missing: `${name} may be changed by ${reassigned}` };
      const definitions = reachingDefinitions(scope, name, node).filter((definition) => definition.kind !== "declared");
      const arrayDefinition = (scope.definitions.get(name) ?? []).find(
        (definition) => definition.kind === "array" && definition.site.startIndex < node.startIndex,
      );
      if (arrayDefinition && arrayDefinition.declaration)
        return {
          buffer: this.allocations.array(arrayDefinition.declaration, name, false, context),
          offset: zero,
          missing: null,
        };
      if (definitions.length > 0) {
        const results = definitions.map((definition) => {
          if (definition.kind === "out-param" && definition.value)
            return this.allocations.outParam(definition.value, name, context);
          if (definition.kind === "init" || definition.kind === "assign")
            return this.pointer(definition.value, context, depth + 1);
          return {
            buffer: null,
            offset: unknown(name),
            missing: `${name} is changed by ${clip(definition.site.text)}`,
          } as PointerFact;
        });
        return withName(agree(results, name), name);
      }
      const parameter = scope.parameters.indexOf(name);
      if (parameter >= 0) return withName(this.parameter(scope, parameter, name, context, depth), name);
    }
    const globals = this.index.globalDefinitions(name);
    const globalArray = globals.find((definition) => definition.kind === "array");
    if (globalArray?.declaration)
      return {
        buffer: this.allocations.array(globalArray.declaration, name, true, context),
        offset: zero,
        missing: null,
      };
    if (globals.length > 0) {
      const results = globals
        .filter((definition) => definition.kind !== "declared")
        .slice(0, 16)
        .map((definition) => {
          const definitionScope = this.index.scopeOf(definition.site);
          if (definition.kind === "out-param" && definition.value)
            return this.allocations.outParam(definition.value, name, { ...context, scope: definitionScope });
          return this.pointer(definition.value, { ...context, scope: definitionScope }, depth + 1);
        });
      if (results.length > 0) return withName(agree(results, name), name);
    }
    return { buffer: null, offset: zero, missing: `where ${name} points is not known in this file` };
  }

  /**
   * A file-scope pointer that a function of this file called on the way assigns (`swap()` doing `g_buf = malloc(…)`),
   * reaching `use` on some path: that call's description, or null.
   */
  private reassignedByCall(name: string, scope: FunctionScope, use: Node): string | null {
    const calls = globalAssignments(this.index, scope, name);
    const own = (scope.definitions.get(name) ?? []).filter((definition) => definition.kind !== "declared");
    return reachingClobber(scope, calls, own, use);
  }

  /** The pointer's value from its definitions other than the loop steps in `excluded`. */
  private pointerWithout(node: Node, context: EvalContext, depth: number, excluded: Set<number>): PointerFact {
    const scope = context.scope;
    const name = node.text;
    if (!scope) return { buffer: null, offset: unknown(name), missing: `where ${name} points is not known` };
    const definitions = reachingDefinitions(
      scope,
      name,
      node,
      (definition) => !excluded.has(definition.site.id),
    ).filter((definition) => definition.kind !== "declared");
    if (definitions.length === 0) {
      const parameter = scope.parameters.indexOf(name);
      if (parameter >= 0) return withName(this.parameter(scope, parameter, name, context, depth), name);
      return { buffer: null, offset: unknown(name), missing: `where ${name} starts is not known` };
    }
    const results = definitions.map((definition) => {
      if (definition.kind === "out-param" && definition.value)
        return this.allocations.outParam(definition.value, name, context);
      if (definition.kind === "init" || definition.kind === "assign")
        return this.pointer(definition.value, context, depth + 1);
      return {
        buffer: null,
        offset: unknown(name),
        missing: `${name} is changed by ${clip(definition.site.text)}`,
      } as PointerFact;
    });
    return withName(agree(results, name), name);
  }

  private parameter(
    scope: FunctionScope,
    position: number,
    name: string,
    context: EvalContext,
    depth: number,
  ): PointerFact {
    const zero: SymValue = { kind: "const", value: 0 };
    if (!scope.name) return { buffer: null, offset: zero, missing: `parameter ${name}` };
    const sites = this.index.callersOf(scope.name);
    if (sites.length === 0)
      return {
        buffer: null,
        offset: zero,
        missing: `${name} is a parameter of ${scope.name}(), ${this.index.callerNote(scope.name)}`,
      };
    const results = sites.slice(0, 32).map((site) => {
      const argument = site.args[position];
      if (!argument)
        return {
          buffer: null,
          offset: zero,
          missing: `a call of ${scope.name}() does not pass ${name}`,
        } as PointerFact;
      return this.pointer(
        argument,
        { ...context, scope: this.index.scopeOf(site.node), indexVariable: null },
        depth + 1,
      );
    });
    return agree(results, name, `callers of ${scope.name}() pass different buffers for ${name}`);
  }

  /** The buffer a function of this file returns, when all its non-error returns agree; null when it cannot tell. */
  private returnedBuffer(name: string, context: EvalContext, depth: number): PointerFact | null {
    const definition = this.index.functionDefinition(name);
    if (definition && depth < MAX_DEPTH) {
      const scope = this.index.scopeOf(definition);
      const body = definition.childForFieldName("body");
      const returns = body ? returnStatements(body) : [];
      // Error paths (`return NULL;`, `return MAP_FAILED;`) do not hand out a buffer; the others must agree.
      const values = returns
        .map((statement) => namedChildren(statement)[0] ?? null)
        .filter((value): value is Node => value !== null && !isNullPointer(value));
      const results = values
        .slice(0, 8)
        .map((value) => this.pointer(value, { ...context, scope, indexVariable: null }, depth + 1));
      if (results.length > 0) return agree(results, `${name}()`, `${name}() returns different buffers`);
    }
    return null;
  }

  private call(node: Node, context: EvalContext, depth: number): PointerFact {
    const name = callName(node) ?? "";
    const args = callArguments(node);
    const zero: SymValue = { kind: "const", value: 0 };
    const allocated = this.allocations.call(name, node, args, context);
    if (allocated) return allocated;
    const returned = name ? this.returnedBuffer(name, context, depth) : null;
    if (returned) return returned;
    const elsewhere = name ? this.definedElsewhere(name) : null;
    return {
      buffer: null,
      offset: zero,
      missing: elsewhere
        ? `the buffer comes from ${name}(), defined in ${elsewhere}, not read with this file`
        : `the buffer comes from ${name ? `${name}()` : clip(node.text)}, which the analyzer cannot see`,
    };
  }

  private field(node: Node, context: EvalContext, depth: number): PointerFact {
    const fieldName = node.childForFieldName("field")?.text ?? "";
    const zero: SymValue = { kind: "const", value: 0 };
    if (isIovecField(fieldName))
      return { buffer: null, offset: zero, missing: `member ${fieldName} is not assigned in this file` };
    const sources = this.evaluator.memberSources(node, context.scope);
    if ("unknown" in sources) return { buffer: null, offset: zero, missing: sources.unknown };
    const assignments = sources.stores;
    const results = assignments
      .slice(0, 16)
      .map((assignment) =>
        this.pointer(
          assignment.value,
          { ...context, scope: this.index.scopeOf(assignment.site), indexVariable: null },
          depth + 1,
        ),
      );
    return agree(results, fieldName, `member ${fieldName} is assigned different buffers`);
  }

  /** The size in bytes of what a pointer expression points to (for pointer arithmetic). */
  elementSize(node: Node | null, context: EvalContext): SymValue {
    if (!node) return unknown("element size");
    if (node.type === "cast_expression") {
      const type = node.childForFieldName("type")?.text ?? "";
      return pointeeSize(type);
    }
    if (node.type === "parenthesized_expression") return this.elementSize(namedChildren(node)[0] ?? null, context);
    const expression = unwrap(node);
    if (expression?.type === "identifier") {
      const declaration = this.declarationOf(expression, context);
      if (declaration) {
        const typeText = declaration.childForFieldName("type")?.text ?? "";
        return scalarSize(typeText);
      }
    }
    if (expression?.type === "binary_expression")
      return this.elementSize(expression.childForFieldName("left"), context);
    if (expression?.type === "field_expression") {
      const fieldName = expression.childForFieldName("field")?.text ?? "";
      const types = new Set<string>();
      for (const identifier of this.index.identifierNodes(fieldName)) {
        let declarator: Node | null = parentOf(identifier);
        while (declarator && declarator.type.endsWith("declarator")) declarator = parentOf(declarator);
        if (declarator?.type === "field_declaration") types.add(declarator.childForFieldName("type")?.text ?? "");
      }
      if (types.size === 1) return scalarSize([...types][0]);
      return unknown(`element size of member ${fieldName}`);
    }
    if (expression?.type === "call_expression") {
      // mmap() and the allocators return void *, which GNU C steps by one byte.
      return { kind: "const", value: 1 };
    }
    return unknown(`element size of ${clip(node.text)}`);
  }

  private declarationOf(identifier: Node, context: EvalContext): Node | null {
    const scope = context.scope;
    if (scope) {
      for (const definition of scope.definitions.get(identifier.text) ?? [])
        if (definition.declaration) return definition.declaration;
      const parameterIndex = scope.parameters.indexOf(identifier.text);
      if (parameterIndex >= 0) {
        const declarator = findParameterDeclaration(scope.node, identifier.text);
        if (declarator) return declarator;
      }
    }
    return (
      this.index.globalDefinitions(identifier.text).find((definition) => definition.declaration)?.declaration ?? null
    );
  }
}

function isIovecField(name: string): boolean {
  return name === "iov_base" || name === "iov_len";
}

function withName(fact: PointerFact, name: string): PointerFact {
  if (fact.buffer) fact.buffer.names = new Set([...fact.buffer.names, name]);
  return fact;
}

/** Combines the facts of several definitions or call sites: they must agree on origin, memory kind, alignment and offset. */
function agree(
  results: PointerFact[],
  name: string,
  disagreement = `${name} points to different buffers on different paths`,
): PointerFact {
  if (results.length === 0)
    return { buffer: null, offset: { kind: "const", value: 0 }, missing: `${name} is never assigned` };
  const first = results[0];
  if (results.length === 1) return first;
  for (const other of results.slice(1)) {
    if (!first.buffer || !other.buffer)
      return {
        buffer: null,
        offset: { kind: "const", value: 0 },
        missing: first.missing ?? other.missing ?? disagreement,
      };
    const same =
      first.buffer.origin === other.buffer.origin &&
      first.buffer.memory === other.buffer.memory &&
      JSON.stringify(first.buffer.alignment) === JSON.stringify(other.buffer.alignment) &&
      JSON.stringify(first.offset) === JSON.stringify(other.offset);
    if (!same) return { buffer: null, offset: { kind: "const", value: 0 }, missing: disagreement };
  }
  const names = new Set(results.flatMap((result) => [...(result.buffer?.names ?? [])]));
  // Paths may disagree on protection or pre-faulting: then those facts are unknown, not the first path's.
  const writable = results.every((result) => result.buffer?.writable === first.buffer?.writable)
    ? (first.buffer?.writable ?? null)
    : null;
  const populated = results.every((result) => result.buffer?.populated === true);
  return { ...first, buffer: first.buffer ? { ...first.buffer, names, writable, populated } : null };
}

export function isNullPointer(node: Node): boolean {
  const value = unwrap(node);
  if (!value) return true;
  if (value.type === "null" || (value.type === "number_literal" && value.text === "0")) return true;
  if (value.type === "identifier" && (value.text === "NULL" || value.text === "MAP_FAILED")) return true;
  return value.type === "unary_expression" && value.text.replace(/\s/g, "") === "-1";
}

/** The identifier at the root of a pointer expression (`buf`, `buf + k`, `&buf[i]`, `(char *)buf`), or null. */
export function baseIdentifier(node: Node | null): string | null {
  let current = unwrap(node);
  for (let depth = 0; current && depth < 16; depth++) {
    switch (current.type) {
      case "identifier":
        return current.text;
      case "field_expression":
        return fieldKey(current);
      case "binary_expression":
        current = unwrap(current.childForFieldName("left"));
        break;
      case "pointer_expression":
      case "subscript_expression":
        current = unwrap(current.childForFieldName("argument"));
        break;
      default:
        return null;
    }
  }
  return null;
}

function pointeeSize(typeText: string): SymValue {
  const stripped = typeText.replace(/\*\s*$/, "").trim();
  return scalarSize(stripped);
}

function scalarSize(typeText: string): SymValue {
  const normalised = typeText.replace(/\b(const|volatile|static|register)\b/g, "").trim();
  if (normalised === "void" || normalised === "") return { kind: "const", value: 1 };
  const size = typeSize(normalised);
  return isUnknown(size) ? unknown(`size of ${typeText}`) : size;
}

function findParameterDeclaration(definition: Node, name: string): Node | null {
  let declarator = definition.childForFieldName("declarator");
  for (let depth = 0; declarator && declarator.type !== "function_declarator" && depth < 16; depth++)
    declarator = declarator.childForFieldName("declarator");
  const parameters = declarator?.childForFieldName("parameters");
  if (!parameters) return null;
  for (const parameter of namedChildren(parameters)) {
    let inner = parameter.childForFieldName("declarator");
    while (inner && inner.type !== "identifier") inner = inner.childForFieldName("declarator");
    if (inner?.text === name) return parameter;
  }
  return null;
}
