/**
 * Iovec segment facts: the entries an iov argument points at (initializers, compound literals, member stores resolved
 * over the paths to the call, loop-filled templates, `&iov[k]` and `iov + k`, callers' arrays), each with its base
 * pointer's provenance, offset, length (through buffers.ts) and the buffer's lifecycle around the call (lifecycle.ts).
 * Member stores over the paths to the call are iov-members.ts.
 * Pure; reaches the file only through the index.
 */
import type { Node } from "web-tree-sitter";
import type { BufferFact, SegmentFact, SegmentsFact, SourceRange, SymValue } from "./facts";
import { clobbersOf, reachingClobber } from "./clobbers";
import { baseIdentifier, type BufferResolver } from "./buffers";
import type { BufferLifecycle } from "./lifecycle";
import { type FileIndex, pathDefinitions, reachingDefinitions, type FunctionScope } from "./scope";
import { callName, enclosingFunction, namedChildren, toRange, unwrap, subscriptIndex } from "./syntax";
import { type Evaluator, type EvalContext } from "./values";
import { clip, describeValue, sameValue, unknown } from "./sym-values";
import type { ArgumentRef } from "./discovery";
import { IovMemberStores, memberCandidates, type Candidate } from "./iov-members";

/** An iovec entry's base and length expressions, before evaluation (null: left out of the initializer). */
interface RawEntry {
  base: ArgumentRef | null;
  length: ArgumentRef | null;
}

export class SegmentResolver {
  private readonly members: IovMemberStores;

  constructor(
    private readonly index: FileIndex,
    private readonly evaluator: Evaluator,
    private readonly buffers: BufferResolver,
    private readonly lifecycles: BufferLifecycle,
  ) {
    this.members = new IovMemberStores(evaluator);
  }

  segmentsFact(
    iovArgument: ArgumentRef | null,
    nrArgument: ArgumentRef | null,
    call: Node,
    fallback: SourceRange,
  ): SegmentsFact {
    const nrSegs = nrArgument
      ? this.evaluator.value(nrArgument.node, { scope: nrArgument.scope })
      : unknown("no nr_segs argument");
    const result: SegmentsFact = {
      segments: null,
      nrSegs,
      nrSegsRange: nrArgument ? toRange(nrArgument.node) : fallback,
      iovRange: iovArgument ? toRange(iovArgument.node) : fallback,
      declarationRange: null,
      missing: null,
    };
    if (!iovArgument) return { ...result, missing: "the call has no iovec argument" };
    const entries = this.iovEntries(iovArgument.node, iovArgument.scope, call, 0);
    if ("missing" in entries) return { ...result, missing: entries.missing };
    result.declarationRange = entries.declaration ? toRange(entries.declaration) : null;
    result.segments = entries.segments;
    return result;
  }

  /** The iovec entries an iov argument points at, in order (templates for loop-filled arrays). */
  iovEntries(
    node: Node,
    scope: FunctionScope | null,
    call: Node,
    depth: number,
  ): { segments: SegmentFact[]; declaration: Node | null } | { missing: string } {
    if (depth > 6) return { missing: `iovec ${clip(node.text)} is too indirect` };
    const expression = unwrap(node);
    if (!expression) return { missing: "no iovec expression" };
    if (expression.type === "pointer_expression" && expression.child(0)?.type === "&") {
      const target = unwrap(expression.childForFieldName("argument"));
      if (!target) return { missing: "no iovec expression" };
      if (target.type === "identifier") return this.iovVariable(target, scope, call, false);
      if (target.type === "compound_literal_expression")
        return this.iovInitializer(target.childForFieldName("value"), scope, call, target);
      if (target.type === "subscript_expression") {
        const array = unwrap(target.childForFieldName("argument"));
        const start = this.evaluator.value(subscriptIndex(target), { scope });
        if (array?.type === "identifier") {
          const entries = this.iovVariable(array, scope, call, true);
          if ("missing" in entries) return entries;
          if (start.kind === "const") return { ...entries, segments: dropEntries(entries.segments, start.value) };
          // `&iov[done]` when resubmitting the rest of a loop-filled array: every remaining entry has the template's shape.
          if (entries.segments.length > 0 && entries.segments.every((segment) => segment.repeat)) {
            return {
              ...entries,
              segments: entries.segments.map((segment) => ({
                ...segment,
                repeat: {
                  count: unknown(`entries left after ${clip(target.text)}`),
                  start: segment.repeat?.start ?? { kind: "const", value: 0 },
                },
              })),
            };
          }
          return {
            missing: `iovec ${clip(target.text)}: the analyzer cannot tell which entries start at ${clip(subscriptIndex(target)?.text ?? "")}`,
          };
        }
      }
      return { missing: `iovec ${clip(target.text)} is not a variable the analyzer can follow` };
    }
    if (expression.type === "compound_literal_expression")
      return this.iovInitializer(expression.childForFieldName("value"), scope, call, expression);
    if (expression.type === "identifier") {
      const name = expression.text;
      if (scope) {
        const array = (scope.definitions.get(name) ?? []).find(
          (definition) => definition.kind === "array" && definition.site.startIndex < call.startIndex,
        );
        if (array) return this.iovVariable(expression, scope, call, true);
        const definitions = reachingDefinitions(scope, name, expression).filter(
          (definition) => definition.kind === "init" || definition.kind === "assign",
        );
        if (definitions.length === 1 && definitions[0].value) {
          const value = unwrap(definitions[0].value);
          if (value?.type === "call_expression" && ["malloc", "calloc", "alloca"].includes(callName(value) ?? ""))
            return this.iovVariable(expression, scope, call, true);
          return this.iovEntries(definitions[0].value, scope, call, depth + 1);
        }
        if (definitions.length > 1) return { missing: `iovec pointer ${name} has different values on different paths` };
        const position = scope.parameters.indexOf(name);
        if (position >= 0 && scope.name) {
          const sites = this.index.callersOf(scope.name);
          if (sites.length === 1 && sites[0].args[position])
            return this.iovEntries(
              sites[0].args[position],
              this.index.scopeOf(sites[0].node),
              sites[0].node,
              depth + 1,
            );
          return {
            missing: `iovec ${name} is a parameter of ${scope.name}() with ${sites.length === 0 ? "no callers" : "several callers"} in this file`,
          };
        }
      }
      const globals = this.index.globalDefinitions(name);
      if (globals.some((definition) => definition.kind === "array" || definition.kind === "init"))
        return this.iovVariable(expression, scope, call, true);
      return { missing: `iovec ${name} is not declared in this file` };
    }
    if (expression.type === "binary_expression" && expression.childForFieldName("operator")?.text === "+") {
      const start = this.evaluator.value(expression.childForFieldName("right"), { scope });
      const inner = this.iovEntries(expression.childForFieldName("left") ?? expression, scope, call, depth + 1);
      if ("missing" in inner) return inner;
      if (start.kind !== "const") return { missing: `iovec offset ${clip(expression.text)} cannot be folded` };
      return { ...inner, segments: dropEntries(inner.segments, start.value) };
    }
    return { missing: `iovec ${clip(expression.text)} is not an expression the analyzer can follow` };
  }

  /**
   * A change to the iovec that its initializer and member stores do not show, reaching the call on some path: its
   * address handed to a function that may write through it (`shrink(&iov)`, `memcpy(&iov, …)`, an array passed to
   * `adjust(iov, n)`), or an alias written through (`vp->iov_len = 10`). Its description, or null.
   */
  private iovChanged(name: string, scope: FunctionScope, call: Node, isArray: boolean): string | null {
    const clobbers = clobbersOf(this.index, scope, {
      root: name,
      pointer: isArray,
      memberStores: false,
      calleeMemberStores: true,
      except: (site) => site.id === call.id,
    });
    if (clobbers.length === 0) return null;
    // The iovec's own definitions (declaration, whole assignments, member stores) after a clobber set it again.
    const own = [...scope.definitions.entries()]
      .filter(([key]) => key === name || key.startsWith(`${name}.`) || key.startsWith(`${name}[`))
      .flatMap(([, definitions]) => definitions)
      .filter((definition) => !clobbers.some((clobber) => clobber.site.id === definition.site.id));
    return reachingClobber(scope, clobbers, own, call);
  }

  /** Entries of a struct iovec variable or array: its initializer plus member assignments before the call. */
  private iovVariable(
    identifier: Node,
    scope: FunctionScope | null,
    call: Node,
    isArray: boolean,
  ): { segments: SegmentFact[]; declaration: Node | null } | { missing: string } {
    const name = identifier.text;
    const changed = scope ? this.iovChanged(name, scope, call, isArray) : null;
    if (changed) return { missing: `iovec ${name} may be changed by ${changed}` };
    const local = scope
      ? (scope.definitions.get(name) ?? []).filter((definition) => definition.site.startIndex < call.startIndex)
      : [];
    const declaration =
      [...local].reverse().find((definition) => definition.declaration)?.declaration ??
      this.index.globalDefinitions(name).find((definition) => definition.declaration)?.declaration ??
      null;
    // 1. The value on entry: the declaration's initializer, or a whole-struct assignment `v = (struct iovec){...}`
    //    that reaches the call on every path.
    let initial: RawEntry[] | null = null;
    const initializer = declaration ? initializerOf(declaration, name) : null;
    if (initializer) {
      const parsed = this.rawInitializer(initializer, scope);
      if (!("missing" in parsed)) initial = parsed.entries;
    }
    if (scope && !isArray) {
      const whole = pathDefinitions(scope, name, call);
      const assigned = whole.definitions.filter((definition) => definition.kind === "assign");
      const literals = assigned.map((definition) => unwrap(definition.value ?? null));
      if (assigned.length > 0) {
        const reachesOthers =
          whole.entry ||
          whole.definitions.some((definition) => definition.kind !== "assign" && definition.kind !== "init");
        if (literals.some((value) => value?.type !== "compound_literal_expression"))
          return { missing: `iovec ${name} is copied from another struct (${clip(assigned[0].site.text)})` };
        if (assigned.length > 1 || (reachesOthers && !initializer))
          return { missing: `iovec ${name} is assigned different structs on different paths` };
        const parsed = this.rawInitializer(literals[0]?.childForFieldName("value") ?? null, scope);
        const viaInitializer = whole.definitions.some((definition) => definition.kind === "init");
        if ("missing" in parsed) return parsed;
        if (viaInitializer) return { missing: `iovec ${name} is assigned different structs on different paths` };
        initial = parsed.entries;
      }
    }
    // 2. Member stores `v.iov_base = ...`, `v[k].iov_len = ...`, and loop templates `v[i].iov_base = ...`, each member
    //    resolved over the paths to the call.
    const groups = scope ? this.members.stores(name, scope, call) : { positions: new Map(), loops: new Map() };
    if (!initial && groups.positions.size === 0 && groups.loops.size === 0) {
      return { missing: `the analyzer cannot see how iovec ${name} is filled` };
    }
    const segments: SegmentFact[] = [];
    for (const template of groups.loops.values()) {
      const base = memberCandidates(template.base, scope, call, null, template.variable);
      const length = memberCandidates(template.length, scope, call, null, template.variable);
      segments.push(this.segmentOf(base, length, call, template.variable, template.repeat));
    }
    if (groups.loops.size === 0) {
      const last = Math.max((initial?.length ?? 0) - 1, ...groups.positions.keys());
      for (let position = 0; position <= last; position++) {
        const stores = groups.positions.get(position);
        const entry = initial?.[position];
        if (!stores && !entry) return { missing: `iovec ${name}[${position}] is not filled before the call` };
        const fallback = (member: "base" | "length"): Candidate =>
          entry ? (entry[member] ?? "zero") : initial ? "zero" : "unset";
        const base = memberCandidates(stores?.base ?? [], scope, call, fallback("base"), null);
        const length = memberCandidates(stores?.length ?? [], scope, call, fallback("length"), null);
        segments.push(this.segmentOf(base, length, call, null, null));
      }
    }
    return { segments, declaration };
  }

  /** A segment from the candidate values of its base and length; candidates that disagree make that part unknown. */
  private segmentOf(
    bases: Candidate[],
    lengths: Candidate[],
    call: Node,
    indexVariable: string | null,
    repeat: SegmentFact["repeat"],
  ): SegmentFact {
    const reference = (candidate: Candidate | undefined): ArgumentRef | null =>
      candidate && typeof candidate === "object" ? candidate : null;
    const segment = this.segment(reference(bases[0]), reference(lengths[0]), call, indexVariable, repeat);
    if (lengths[0] === "zero") segment.length = { kind: "const", value: 0 };
    if (lengths.length > 1) {
      const values = lengths.map((candidate) =>
        candidate === "zero"
          ? ({ kind: "const", value: 0 } as SymValue)
          : candidate === "unset"
            ? unknown("iov_len is not set on some path")
            : this.evaluator.value(candidate.node, { scope: candidate.scope, indexVariable }),
      );
      if (!values.every((value) => sameValue(value, values[0])))
        segment.length = unknown(
          `iov_len differs between paths (${values.map((value) => (value.kind === "unknown" ? value.reason : describeValue(value))).join(" or ")})`,
        );
    }
    if (bases.length > 1) {
      const pointers = bases.map((candidate) =>
        typeof candidate === "object"
          ? this.buffers.pointer(candidate.node, { scope: candidate.scope, indexVariable })
          : null,
      );
      const first = pointers[0];
      const agree = pointers.every(
        (pointer) =>
          pointer !== null &&
          first !== null &&
          pointer.buffer !== null &&
          first.buffer !== null &&
          pointer.buffer.originNode?.startIndex === first.buffer.originNode?.startIndex &&
          pointer.buffer.memory === first.buffer.memory &&
          sameValue(pointer.offset, first.offset),
      );
      if (!agree) {
        segment.buffer = null;
        segment.offset = unknown(
          `iov_base points to different buffers on different paths (${bases.length} stores reach the call)`,
        );
      }
    }
    return segment;
  }

  /** Entries of an initializer list `{ {b, l}, {.iov_base = b, .iov_len = l} }` or a single `{b, l}`. */
  private iovInitializer(
    list: Node | null,
    scope: FunctionScope | null,
    call: Node,
    declaration: Node | null,
  ): { segments: SegmentFact[]; declaration: Node | null } | { missing: string } {
    const parsed = this.rawInitializer(list, scope);
    if ("missing" in parsed) return parsed;
    const segments = parsed.entries.map((entry) => {
      const segment = this.segment(entry.base, entry.length, call, null, null);
      // A member the brace list leaves out is zero-initialised.
      if (!entry.length) segment.length = { kind: "const", value: 0 };
      return segment;
    });
    return { segments, declaration };
  }

  /** The base and length expressions of each entry of an initializer list `{ {b, l}, {.iov_base = b} }` or `{b, l}`. */
  private rawInitializer(
    list: Node | null,
    scope: FunctionScope | null,
  ): { entries: RawEntry[] } | { missing: string } {
    if (!list || list.type !== "initializer_list") return { missing: "the iovec initializer is not a brace list" };
    const items = namedChildren(list);
    const isSingle =
      items.length === 0 ||
      items.every(
        (item) =>
          item.type !== "initializer_list" &&
          !(
            item.type === "initializer_pair" &&
            unwrap(item.childForFieldName("value"))?.type === "initializer_list" &&
            item.child(0)?.type === "subscript_designator"
          ),
      );
    const entries: RawEntry[] = [];
    const entryOf = (entry: Node): RawEntry | null => {
      if (entry.type !== "initializer_list") return null;
      let base: Node | null = null;
      let length: Node | null = null;
      let position = 0;
      for (const item of namedChildren(entry)) {
        if (item.type === "initializer_pair") {
          const designator = namedChildren(item)[0];
          const field = designator?.type === "field_designator" ? namedChildren(designator)[0]?.text : null;
          if (field === "iov_base") base = item.childForFieldName("value");
          if (field === "iov_len") length = item.childForFieldName("value");
        } else {
          if (position === 0) base = item;
          if (position === 1) length = item;
          position++;
        }
      }
      return { base: base ? { node: base, scope } : null, length: length ? { node: length, scope } : null };
    };
    if (isSingle) {
      const single = entryOf(list);
      return single ? { entries: [single] } : { missing: "unreadable iovec initializer" };
    }
    let position = 0;
    for (const item of items) {
      let entryNode: Node | null = item;
      if (item.type === "initializer_pair") {
        const designator = namedChildren(item)[0];
        if (designator?.type === "subscript_designator") {
          const value = this.evaluator.value(namedChildren(designator)[0] ?? null, { scope });
          if (value.kind !== "const") return { missing: `iovec designator ${clip(designator.text)} cannot be folded` };
          position = value.value;
        }
        entryNode = item.childForFieldName("value");
      }
      const entry = entryNode ? entryOf(entryNode) : null;
      if (!entry) return { missing: `iovec entry ${clip(item.text)} is not a brace list` };
      if (entries.length < position) return { missing: "iovec initializer leaves holes" };
      entries[position] = entry;
      position++;
    }
    return { entries };
  }

  /** One segment: base pointer provenance, offset and length, with the buffer's lifecycle around the call. */
  private segment(
    base: ArgumentRef | null,
    length: ArgumentRef | null,
    call: Node,
    indexVariable: string | null,
    repeat: SegmentFact["repeat"],
  ): SegmentFact {
    const context = (reference: ArgumentRef): EvalContext => ({ scope: reference.scope, indexVariable });
    const lengthValue = length ? this.evaluator.value(length.node, context(length)) : unknown("iov_len is not set");
    let buffer: BufferFact | null = null;
    let offset: SymValue = unknown("iov_base is not set");
    if (base) {
      const pointer = this.buffers.pointer(base.node, context(base));
      offset = pointer.offset;
      const callScope = this.index.scopeOf(call);
      if (pointer.buffer) {
        const baseName = baseIdentifier(base.node);
        const lifecycle = this.lifecycles.lifecycleAcross(pointer.buffer, baseName, call, callScope);
        buffer = {
          name: baseName ?? clip(base.node.text, 30),
          origin: pointer.buffer.origin,
          memory: pointer.buffer.memory,
          alignment: pointer.buffer.alignment,
          size: pointer.buffer.size,
          writable: pointer.buffer.writable,
          originRange: pointer.buffer.originNode ? toRange(pointer.buffer.originNode) : null,
          explanation: pointer.buffer.explanation,
          ...lifecycle,
        };
      } else {
        offset = unknown(pointer.missing ?? `where ${clip(base.node.text)} points is unknown`);
        // Provenance unknown, but what the function does to the buffer around the call is still visible (aliasing rules).
        const baseName = baseIdentifier(base.node);
        if (baseName) {
          const explanation = pointer.missing ?? `where ${clip(base.node.text)} points is unknown`;
          const placeholder = {
            origin: "unknown" as const,
            memory: "unknown" as const,
            alignment: null,
            size: null,
            writable: null,
            populated: false,
            originNode: null,
            explanation,
            names: new Set<string>(),
          };
          const lifecycle = this.lifecycles.lifecycle(placeholder, baseName, call, callScope);
          buffer = {
            name: baseName,
            origin: "unknown",
            memory: "unknown",
            alignment: null,
            size: null,
            writable: null,
            originRange: null,
            explanation,
            ...lifecycle,
          };
        }
      }
    }
    return {
      baseText: base ? clip(base.node.text, 80) : "?",
      lengthText: length ? clip(length.node.text, 80) : "?",
      buffer,
      offset,
      length: lengthValue,
      baseRange: base && sameFileRange(base.node) ? toRange(base.node) : null,
      lengthRange: length && sameFileRange(length.node) ? toRange(length.node) : null,
      repeat,
    };
  }
}

/** The entries after the first `count` (`&iov[count]`, `iov + count`); a loop template loses `count` iterations. */
function dropEntries(segments: SegmentFact[], count: number): SegmentFact[] {
  if (segments.length === 1 && segments[0].repeat) {
    const { repeat } = segments[0];
    const shifted: SymValue = { kind: "const", value: count };
    return [
      {
        ...segments[0],
        repeat: {
          count: { kind: "binary", operator: "-", left: repeat.count, right: shifted },
          start: { kind: "binary", operator: "+", left: repeat.start, right: shifted },
        },
      },
    ];
  }
  if (segments.some((segment) => segment.repeat)) return segments;
  return segments.slice(count);
}

function initializerOf(declaration: Node, name: string): Node | null {
  for (const child of namedChildren(declaration)) {
    if (child.type !== "init_declarator") continue;
    let declarator = child.childForFieldName("declarator");
    while (declarator && declarator.type !== "identifier") declarator = declarator.childForFieldName("declarator");
    if (declarator?.text === name) {
      const value = unwrap(child.childForFieldName("value"));
      return value?.type === "compound_literal_expression" ? value.childForFieldName("value") : value;
    }
  }
  return null;
}

/** Nodes parsed from macro bodies live in a private tree; their ranges would point into the wrong text. */
function sameFileRange(node: Node): boolean {
  return !enclosingFunction(node) || enclosingFunction(node)?.text.startsWith("void __vmsplice_lens_macro") !== true;
}
