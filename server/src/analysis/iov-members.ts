/**
 * Iovec member stores: the stores to an iovec variable's members (`v.iov_base = ...`, `v[k].iov_len = ...`) before a
 * call, grouped by entry position or by the `for` loop that fills a template entry, and what each member may hold at
 * the call over the paths to it. segments.ts turns these into segment facts.
 * Pure; reaches the file only through the index.
 */
import type { Node } from "web-tree-sitter";
import type { SegmentFact, SymValue } from "./facts";
import { pathDefinitionsOf, type Definition, type FunctionScope } from "./scope";
import { parseForLoop, subscriptIndex, unwrap } from "./syntax";
import { parentOf } from "./ancestry";
import type { Evaluator } from "./values";
import type { ArgumentRef } from "./discovery";

/** One value an iovec member may hold at the call: an expression, zero (left out of an initializer) or not set. */
export type Candidate = ArgumentRef | "zero" | "unset";

/** The member stores of iovec variables, with their indexes and loop bounds folded by the shared evaluator. */
export class IovMemberStores {
  constructor(private readonly evaluator: Evaluator) {}

  /** The stores to `name`'s iovec members before the call, grouped by entry position or by filling loop. */
  stores(
    name: string,
    scope: FunctionScope,
    call: Node,
  ): {
    positions: Map<number, { base: Definition[]; length: Definition[] }>;
    loops: Map<
      number,
      { base: Definition[]; length: Definition[]; variable: string; repeat: NonNullable<SegmentFact["repeat"]> }
    >;
  } {
    const positions = new Map<number, { base: Definition[]; length: Definition[] }>();
    const loops = new Map<
      number,
      { base: Definition[]; length: Definition[]; variable: string; repeat: NonNullable<SegmentFact["repeat"]> }
    >();
    for (const [key, definitions] of scope.definitions) {
      if (!key.endsWith(".iov_base") && !key.endsWith(".iov_len")) continue;
      for (const definition of definitions) {
        if (definition.site.startIndex >= call.startIndex || !definition.value) continue;
        const left = unwrap(definition.site.childForFieldName("left"));
        if (left?.type !== "field_expression") continue;
        const member = left.childForFieldName("field")?.text === "iov_base" ? "base" : "length";
        const object = unwrap(left.childForFieldName("argument"));
        let position: number | null = null;
        let loop: { node: Node; variable: string; repeat: NonNullable<SegmentFact["repeat"]> } | null = null;
        if (object?.type === "identifier" && object.text === name) position = 0;
        else if (
          object?.type === "subscript_expression" &&
          unwrap(object.childForFieldName("argument"))?.text === name
        ) {
          const indexNode = subscriptIndex(object);
          const value = this.evaluator.value(indexNode, { scope });
          if (value.kind === "const") position = value.value;
          else {
            loop = this.loopOver(indexNode, definition.site, scope);
            if (!loop) continue;
          }
        } else if (object?.type === "pointer_expression" && unwrap(object.childForFieldName("argument"))?.text === name)
          position = 0;
        else continue;
        if (loop) {
          const template = loops.get(loop.node.id) ?? {
            base: [],
            length: [],
            variable: loop.variable,
            repeat: loop.repeat,
          };
          template[member].push(definition);
          loops.set(loop.node.id, template);
        } else if (position !== null) {
          const entry = positions.get(position) ?? { base: [], length: [] };
          entry[member].push(definition);
          positions.set(position, entry);
        }
      }
    }
    return { positions, loops };
  }

  /** A `for (i = a; i < n; i++)` loop around `site` whose induction variable is the index expression. */
  private loopOver(
    indexNode: Node | null,
    site: Node,
    scope: FunctionScope,
  ): { node: Node; variable: string; repeat: NonNullable<SegmentFact["repeat"]> } | null {
    const index = unwrap(indexNode);
    if (index?.type !== "identifier") return null;
    let current: Node | null = parentOf(site);
    while (current && current.id !== scope.node.id) {
      if (current.type === "for_statement") {
        const loop = parseForLoop(current, index.text);
        if (loop) {
          const start = this.evaluator.value(loop.start, { scope });
          const end = this.evaluator.value(loop.end, { scope });
          const count: SymValue = {
            kind: "binary",
            operator: "-",
            left: loop.inclusive
              ? { kind: "binary", operator: "+", left: end, right: { kind: "const", value: 1 } }
              : end,
            right: start,
          };
          return { node: current, variable: index.text, repeat: { count, start } };
        }
      }
      current = parentOf(current);
    }
    return null;
  }
}

/**
 * What one iovec member may hold at the call: the stores that reach it over the paths, plus the entry value (from the
 * initializer, zero when the initializer leaves it out, or "unset") when some path passes no store.
 */
export function memberCandidates(
  stores: Definition[],
  scope: FunctionScope | null,
  call: Node,
  entry: Candidate | null,
  loopVariable: string | null,
): Candidate[] {
  if (stores.length === 0 || !scope) return entry ? [entry] : ["unset"];
  // Inside a filling loop the store of the current iteration is the one that counts: the last one in the body.
  if (loopVariable) return [{ node: stores[stores.length - 1].value as Node, scope }];
  const reach = pathDefinitionsOf(scope, stores, call);
  const candidates: Candidate[] = reach.definitions
    .filter((definition) => definition.value)
    .map((definition) => ({ node: definition.value as Node, scope }));
  if (reach.entry || candidates.length === 0) candidates.push(entry ?? "unset");
  return candidates;
}
