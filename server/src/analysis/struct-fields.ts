/**
 * Struct members: the declaration a name refers to, the struct or union type of a field expression's object (typedefs
 * of tagged structs resolved in this file), and the stores to a member (`x.f = v`, `p->f = v`, designated initializers)
 * found from the text occurrences of its name, matched by (struct type, field).
 * Pure; no I/O, no editor or protocol imports.
 */
import type { Node } from "web-tree-sitter";
import type { Definition, FileIndex, FunctionScope } from "./scope";
import { namedChildren, unwrap } from "./syntax";
import { parentOf } from "./ancestry";

/** A store to a struct member: the value stored and the assignment or initializer pair that stores it. */
export interface FieldStore {
  value: Node;
  site: Node;
}

/** Member stores as definitions the path walk can place (`pathDefinitionsOf`). */
export function storeDefinitions(stores: readonly FieldStore[], name: string): Definition[] {
  return stores.map((store) => ({ name, kind: "assign", value: store.value, site: store.site, declaration: null }));
}

/** The declaration that introduces `name` as seen from `at`: a local of the scope, a parameter, or a file-scope one. */
export function declarationOfName(name: string, at: Node, scope: FunctionScope | null, index: FileIndex): Node | null {
  if (scope) {
    const local = (scope.definitions.get(name) ?? []).filter(
      (definition) => definition.declaration && definition.declaration.startIndex < at.startIndex,
    );
    if (local.length > 0) return local[local.length - 1].declaration;
    if (scope.parameters.includes(name)) return parameterDeclaration(scope.node, name);
  }
  return index.globalDefinitions(name).find((definition) => definition.declaration)?.declaration ?? null;
}

function parameterDeclaration(definition: Node, name: string): Node | null {
  let declarator = definition.childForFieldName("declarator");
  while (declarator && declarator.type !== "function_declarator")
    declarator = declarator.childForFieldName("declarator");
  const list = declarator?.childForFieldName("parameters");
  for (const parameter of list ? namedChildren(list) : []) {
    if (parameter.type !== "parameter_declaration") continue;
    let inner = parameter.childForFieldName("declarator");
    while (inner && inner.type !== "identifier") inner = inner.childForFieldName("declarator");
    if (inner?.text === name) return parameter;
  }
  return null;
}

/** The struct or union tag a declaration's type names (typedefs of a tagged struct resolved in this file), or null. */
function declaredTypeName(declaration: Node, index: FileIndex): string | null {
  const type = declaration.childForFieldName("type");
  if (!type) return null;
  if (type.type === "struct_specifier" || type.type === "union_specifier") return tagOf(type);
  if (type.type !== "type_identifier") return null;
  // `typedef struct ring ring_t;`: ring_t and struct ring are one type. A typedef the file does not define stays unknown.
  for (const node of index.identifierNodes(type.text, 64)) {
    const definition = parentOf(node);
    if (definition?.type !== "type_definition" || definition.childForFieldName("declarator")?.id !== node.id) continue;
    const aliased = definition.childForFieldName("type");
    if (aliased && (aliased.type === "struct_specifier" || aliased.type === "union_specifier"))
      return tagOf(aliased) ?? `typedef ${type.text}`;
  }
  return null;
}

function tagOf(specifier: Node): string | null {
  const name = specifier.childForFieldName("name")?.text;
  return name ? `${specifier.type === "struct_specifier" ? "struct" : "union"} ${name}` : null;
}

/** The struct type of a field expression's object (`s.f`, `p->f`, `(*p).f`) when the object is a named variable. */
export function structTypeOf(field: Node, scope: FunctionScope | null, index: FileIndex): string | null {
  let object = unwrap(field.childForFieldName("argument"));
  if (object?.type === "pointer_expression") object = unwrap(object.childForFieldName("argument"));
  if (object?.type === "subscript_expression") object = unwrap(object.childForFieldName("argument"));
  if (object?.type !== "identifier") return null;
  const declaration = declarationOfName(object.text, object, scope, index);
  return declaration ? declaredTypeName(declaration, index) : null;
}

function assignedStructType(assignment: Node, index: FileIndex): string | null {
  const left = unwrap(assignment.childForFieldName("left"));
  return left?.type === "field_expression" ? structTypeOf(left, index.scopeOf(left), index) : null;
}

/** The struct type of a designated initializer's object (`struct cfg c = { .flags = x }`), when direct. */
function initializerStructType(pair: Node, index: FileIndex): string | null {
  const list = parentOf(pair);
  const declarator = parentOf(list);
  if (list?.type !== "initializer_list" || declarator?.type !== "init_declarator") return null;
  const declaration = parentOf(declarator);
  return declaration?.type === "declaration" ? declaredTypeName(declaration, index) : null;
}

/** The stores to struct members of one file, scanned once per member name and filtered once per struct type. */
export class FieldStores {
  private readonly byName = new Map<string, FieldStore[]>();
  /** `of` per (field, struct type): the stores' types are resolved once, not once per use. */
  private readonly byType = new Map<string, FieldStore[]>();

  constructor(private readonly index: FileIndex) {}

  /** The stores to the member a field expression names, in structs of the same type (or of a type not known). */
  of(field: Node, scope: FunctionScope | null): readonly FieldStore[] {
    const fieldName = field.childForFieldName("field")?.text ?? "";
    const type = structTypeOf(field, scope, this.index);
    const stores = this.named(fieldName);
    if (type === null) return stores;
    const key = `${fieldName}\u0000${type}`;
    const cached = this.byType.get(key);
    if (cached) return cached;
    const matching = stores.filter((store) => {
      const other =
        store.site.type === "initializer_pair"
          ? initializerStructType(store.site, this.index)
          : assignedStructType(store.site, this.index);
      return other === null || other === type;
    });
    this.byType.set(key, matching);
    return matching;
  }

  /** Every `x.field = value` / `x->field = value` / designated initializer `.field = value` in the file. */
  named(fieldName: string): readonly FieldStore[] {
    // One scan of the field name per file: every splice() or vmsplice() through `c->pipe[1]` asks again.
    const cached = this.byName.get(fieldName);
    if (cached) return cached;
    const found: FieldStore[] = [];
    this.byName.set(fieldName, found);
    for (const identifier of this.index.identifierNodes(fieldName)) {
      const parent = parentOf(identifier);
      if (!parent) continue;
      if (parent.type === "field_expression" && parent.childForFieldName("field")?.id === identifier.id) {
        const assignment = parentOf(parent);
        if (
          assignment?.type === "assignment_expression" &&
          assignment.childForFieldName("left")?.id === parent.id &&
          assignment.childForFieldName("operator")?.text === "="
        ) {
          const value = assignment.childForFieldName("right");
          if (value) found.push({ value, site: assignment });
        }
      } else if (parent.type === "field_designator") {
        const pair = parentOf(parent);
        const value = pair?.childForFieldName("value");
        if (pair?.type === "initializer_pair" && value) found.push({ value, site: pair });
      }
    }
    return found;
  }
}
