/**
 * Which object a member access reaches, so that a store to `other.fd` is not taken for `local.fd`, and a pointer
 * re-pointed between a store and a use (`c->fd = p[1]; c = get_ctx(); … c->fd`) does not keep the old object's value.
 *
 * Stores are first matched by (struct type, field) (struct-fields.ts); this unit then sorts them by object:
 * - a use through a declared variable (`local.fd`, `c->fd` with `c = &local` on every path) keeps the stores to that
 *   variable and the stores it cannot tell apart (through a parameter, a global pointer, an element), never the stores
 *   to another declared variable, which is another object;
 * - a use through a pointer made by an expression (`c = get_ctx()`, `c = calloc(…)`, `c + 1`) keeps only the stores
 *   through that same pointer value; what the object held before is not known here;
 * - a use through a pointer that points to different objects on different paths, or that is changed in ways not
 *   followed (`c++`, an uninitialised pointer), has no known member value.
 * `memberSources` then follows the function's own stores over the paths to the use (the value on entry reaches only
 * through stores made elsewhere), the one walk descriptors and buffers share; the evaluator keeps its own richer messages.
 * Pure; reaches the file only through the index.
 */
import type { Node } from "web-tree-sitter";
import { pathDefinitions, pathDefinitionsOf, type Definition, type FileIndex, type FunctionScope } from "./scope";
import { contains, unwrap } from "./syntax";
import { parentOf } from "./ancestry";
import { nodeLine } from "./unit";
import { clip } from "./sym-values";
import { declarationOfName, storeDefinitions, type FieldStore, type FieldStores } from "./struct-fields";

export type MemberObject =
  | { kind: "variable"; declaration: Node }
  /** The object a pointer got from an expression: a call's result, pointer arithmetic. */
  | { kind: "made"; by: Node }
  /** Not one known object: the reason. */
  | { kind: "mixed"; reason: string }
  /** A parameter's or a global pointer's pointee, an element, a member: matched by struct type only. */
  | { kind: "unresolved" };

const UNRESOLVED: MemberObject = { kind: "unresolved" };
const MAX_POINTER_HOPS = 3;

/** The object the member access `field` (`x.f`, `p->f`, `(*p).f`) reaches at its position. */
export function memberObject(field: Node, index: FileIndex): MemberObject {
  const object = unwrap(field.childForFieldName("argument"));
  if (!object) return UNRESOLVED;
  if (field.childForFieldName("operator")?.text === "->") return pointee(object, index, 0);
  if (object.type === "pointer_expression" && object.child(0)?.type === "*")
    return pointee(unwrap(object.childForFieldName("argument")), index, 0);
  return variableObject(object, index);
}

function variableObject(node: Node, index: FileIndex): MemberObject {
  if (node.type !== "identifier") return UNRESOLVED;
  const declaration = declarationOfName(node.text, node, index.scopeOf(node), index);
  return declaration ? { kind: "variable", declaration } : UNRESOLVED;
}

/** What a pointer variable points to at its position, from its definitions on the paths that reach it. */
function pointee(pointer: Node | null, index: FileIndex, hops: number): MemberObject {
  if (pointer?.type !== "identifier" || hops > MAX_POINTER_HOPS) return UNRESOLVED;
  const scope = index.scopeOf(pointer);
  if (!scope) return UNRESOLVED;
  const name = pointer.text;
  const { definitions, entry } = pathDefinitions(scope, name, pointer);
  // A parameter or a global pointer the function does not set: its pointee comes from elsewhere.
  if (definitions.length === 0) return UNRESOLVED;
  if (entry) return { kind: "mixed", reason: `${name} is set on some paths only` };
  let found: MemberObject | null = null;
  for (const definition of definitions) {
    const next = definedObject(definition, name, index, hops);
    if (next.kind === "mixed") return next;
    if (found === null) found = next;
    else if (!sameObject(found, next))
      return { kind: "mixed", reason: `${name} points to different objects depending on the path` };
  }
  return found ?? UNRESOLVED;
}

function definedObject(definition: Definition, name: string, index: FileIndex, hops: number): MemberObject {
  if (definition.kind === "array" && definition.declaration)
    return { kind: "variable", declaration: definition.declaration };
  if ((definition.kind !== "init" && definition.kind !== "assign") || !definition.value)
    return {
      kind: "mixed",
      reason:
        definition.kind === "declared"
          ? `${name} is not initialised on every path`
          : `${name} is changed by ${clip(definition.site.text, 40)} (${nodeLine(definition.site)})`,
    };
  const value = unwrap(definition.value);
  if (!value) return UNRESOLVED;
  if (value.type === "pointer_expression" && value.child(0)?.type === "&") {
    // `&local` is that variable; `&arr[i]` or `&s->member` is an element or a member, matched by type only.
    const target = unwrap(value.childForFieldName("argument"));
    return target ? variableObject(target, index) : UNRESOLVED;
  }
  if (value.type === "identifier") return pointee(value, index, hops + 1);
  return { kind: "made", by: value };
}

function sameObject(left: MemberObject, right: MemberObject): boolean {
  if (left.kind === "variable" && right.kind === "variable") return left.declaration.id === right.declaration.id;
  if (left.kind === "made" && right.kind === "made") return left.by.id === right.by.id;
  return left.kind === "unresolved" && right.kind === "unresolved";
}

/** The object a store writes: its assignment's left side, or the variable a designated initializer belongs to. */
function storeObject(store: FieldStore, index: FileIndex): MemberObject {
  if (store.site.type === "initializer_pair") {
    const list = parentOf(store.site);
    const declarator = list ? parentOf(list) : null;
    const name = declarator?.type === "init_declarator" ? declarator.childForFieldName("declarator") : null;
    return name ? variableObject(name, index) : UNRESOLVED;
  }
  const left = unwrap(store.site.childForFieldName("left"));
  return left?.type === "field_expression" ? memberObject(left, index) : UNRESOLVED;
}

export type UseStores =
  | { unknown: string }
  /** `madeBy`: the use's object came from this expression; only stores through it count, its earlier value is unknown. */
  | { stores: readonly FieldStore[]; madeBy: Node | null; others?: number };

/** The stores (matched by struct type and field) that may have written the object a member use reads. */
export function storesForUse(
  field: Node,
  scope: FunctionScope | null,
  fieldStores: FieldStores,
  index: FileIndex,
  objects: Map<number, MemberObject>,
): UseStores {
  const stores = fieldStores.of(field, scope);
  if (stores.length === 0) return { stores, madeBy: null };
  const object = memberObject(field, index);
  if (object.kind === "unresolved") return { stores, madeBy: null };
  if (object.kind === "mixed") return { unknown: `${clip(field.text)}: ${object.reason}` };
  const objectOf = (store: FieldStore) => {
    let known = objects.get(store.site.id);
    if (!known) {
      known = storeObject(store, index);
      objects.set(store.site.id, known);
    }
    return known;
  };
  if (object.kind === "made")
    return { stores: stores.filter((store) => sameObject(objectOf(store), object)), madeBy: object.by };
  // Another declared variable is another object; a store through a parameter or an element may be this one.
  const kept = stores.filter((store) => {
    const other = objectOf(store);
    return other.kind !== "variable" || other.declaration.id === object.declaration.id;
  });
  return { stores: kept, madeBy: null, others: stores.length - kept.length };
}

/**
 * The stores that may give a member use its value: the function's own stores to that object that reach the use, and,
 * when a path from the function's entry reaches it without one, the stores made elsewhere. `unknown` when the object or
 * its value on some path is not known.
 */
export function memberSources(
  field: Node,
  scope: FunctionScope | null,
  fieldStores: FieldStores,
  index: FileIndex,
  objects: Map<number, MemberObject>,
): { unknown: string } | { stores: FieldStore[] } {
  const fieldName = field.childForFieldName("field")?.text ?? "";
  const found = storesForUse(field, scope, fieldStores, index, objects);
  if ("unknown" in found) return found;
  const made = found.madeBy
    ? `${clip(field.text)} reads the object from ${clip(found.madeBy.text, 40)} (${nodeLine(found.madeBy)}), whose member ${fieldName} is not set here on every path`
    : null;
  if (found.stores.length === 0)
    return {
      unknown:
        made ??
        (found.others
          ? `${clip(field.text)} is not assigned in this file (${found.others === 1 ? "the store" : `the ${found.others} stores`} to member ${fieldName} write${found.others === 1 ? "s another variable" : " other variables"})`
          : `member ${fieldName} is not assigned in this file`),
    };
  const local = scope ? found.stores.filter((store) => contains(scope.node, store.site)) : [];
  const elsewhere = found.madeBy ? [] : found.stores.filter((store) => !local.includes(store));
  let reaching: FieldStore[] = [];
  let entry = true;
  if (scope && local.length > 0) {
    const bySite = new Map(local.map((store) => [store.site.id, store]));
    const reach = pathDefinitionsOf(scope, storeDefinitions(local, fieldName), field);
    reaching = reach.definitions.map((definition) => bySite.get(definition.site.id)!);
    entry = reach.entry;
  }
  if (!entry) return { stores: reaching };
  if (made) return { unknown: made };
  if (elsewhere.length === 0) return { unknown: `member ${fieldName} is not set on every path to this use` };
  return { stores: [...reaching, ...elsewhere] };
}
