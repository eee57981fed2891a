/**
 * Globals as a function sees them: the value on entry (the initial value in `main`, the callers' values elsewhere,
 * every assignment otherwise) and what the calls made before a use may change, including through a function of another
 * file. The evaluator folds the values; this module decides which definitions reach.
 * Pure; no I/O, no editor or protocol imports.
 */
import type { Node } from "web-tree-sitter";
import type { SymValue } from "./facts";
import type { Definition, FileIndex, FunctionScope } from "./scope";
import { describeValue, sameValue, unknown } from "./sym-values";
import { contains, enclosingFunction, isStatic } from "./syntax";
import { parentOf } from "./ancestry";
import { nodeLine } from "./unit";
import type { EvalContext, Evaluator } from "./values";

export class GlobalValues {
  /** Per function name, the function of another file a call of it reaches (see `reachesExternal`). */
  private readonly externalReach = new Map<string, string | null>();

  constructor(
    private readonly index: FileIndex,
    private readonly evaluator: Evaluator,
    /** The evaluator's nesting limit: the callers' values are looked up only well below it. */
    private readonly maxDepth: number,
  ) {}

  /** A global's value as any function sees it on entry: its initial value and every assignment in the file. */
  value(name: string, context: EvalContext, excluding: Node | null = null): SymValue | null {
    const all = this.index.globalDefinitions(name);
    if (all.length === 0) return null;
    // The function being analysed contributes its own definitions through its paths; the others', on entry.
    const globals = excluding ? all.filter((definition) => !contains(excluding, definition.site)) : all;
    return this.evaluator.fromDefinitions(name, globals, { ...context, scope: null });
  }

  /**
   * What a global holds when `scope`'s function starts: for `main`, its initial value; for a function called (or whose
   * address is taken) in this file, the value at every such site, which must agree; otherwise its initial value and
   * every assignment in other functions.
   */
  onEntry(name: string, scope: FunctionScope, context: EvalContext): SymValue | null {
    const all = this.index.globalDefinitions(name);
    if (all.length === 0) return null;
    if (scope.name === "main") {
      const initial = all.filter((definition) => enclosingFunction(definition.site) === null);
      return initial.length > 0 ? this.evaluator.fromDefinitions(name, initial, { ...context, scope: null }) : null;
    }
    const depth = context.depth ?? 0;
    if (scope.name && this.index.calledElsewhere(scope.name))
      return unknown(`value of ${name} on entry to ${scope.name}(), ${this.index.callerNote(scope.name)}`);
    const references = scope.name
      ? this.index
          .identifierNodes(scope.name)
          .filter((node) => !contains(scope.node, node) && enclosingFunction(node) !== null)
      : [];
    if (references.length === 0 || references.length > 16 || depth > this.maxDepth - 4)
      return this.value(name, context, scope.node);
    let result: SymValue | null = null;
    for (const reference of references) {
      const value = this.evaluator.identifier(
        reference,
        { ...context, scope: this.index.scopeOf(reference), depth: depth + 2 },
        name,
      );
      if (result === null) result = value;
      else if (!sameValue(result, value)) {
        if (value.kind === "unknown") return value;
        if (result.kind === "unknown") return result;
        return unknown(
          `${name} is ${describeValue(result)} or ${describeValue(value)} depending on where ${scope.name}() is called (${nodeLine(reference)})`,
        );
      }
    }
    return result;
  }

  /**
   * A global's value at `use` after the calls made before it in `scope`: when one of them reaches (directly or through
   * other functions of this file) a function that assigns the global, those assignments join the value.
   */
  changedByCalls(name: string, value: SymValue, scope: FunctionScope, use: Node, context: EvalContext): SymValue {
    const all = this.index.globalDefinitions(name);
    // A global other files can see may be changed by a function of another file called on the way: one the unit
    // declares (a prototype in the file or a project header) but does not define. Library functions are declared in
    // system headers, which are not read, and do not change the program's globals.
    if (hasExternalLinkage(all)) {
      for (const site of scope.calls) {
        if (site.start >= use.startIndex) break;
        const external = this.reachesExternal(site.name, 0);
        if (external)
          return unknown(
            `${name} is ${describeValue(value)} unless ${external}() of another file, called on the way (${nodeLine(site.node)}), changes it`,
          );
      }
    }
    const assignments = all.filter(
      (definition) => definition.kind !== "declared" && !contains(scope.node, definition.site),
    );
    if (assignments.length === 0) return value;
    const modifiers = new Set<string>();
    for (const definition of assignments) {
      const owner = enclosingFunction(definition.site);
      const ownerName = owner ? this.index.scopeOf(owner)?.name : null;
      if (ownerName) modifiers.add(ownerName);
    }
    // Functions of this file that reach a modifier through calls (bounded breadth-first walk over callers).
    const queue = [...modifiers];
    for (let index = 0; index < queue.length && modifiers.size < 64; index++) {
      for (const site of this.index.callSitesOf(queue[index])) {
        const caller = this.index.scopeOf(site.node)?.name;
        if (caller && !modifiers.has(caller)) {
          modifiers.add(caller);
          queue.push(caller);
        }
      }
    }
    const call = scope.calls.find((site) => site.start < use.startIndex && modifiers.has(site.name));
    if (!call) return value;
    const changed = this.evaluator.fromDefinitions(name, assignments, { ...context, scope: null });
    if (sameValue(changed, value)) return value;
    return unknown(
      `${name} is ${describeValue(value)} unless ${call.name}() (${nodeLine(call.node)}) changes it${changed.kind === "const" ? ` to ${describeValue(changed)}` : ""}`,
    );
  }

  /**
   * The function of another file that a call of `name` reaches (itself when the unit declares it without defining
   * it, or one its body calls, a few levels deep), or null.
   */
  private reachesExternal(name: string, depth: number): string | null {
    const cached = this.externalReach.get(name);
    if (cached !== undefined) return cached;
    this.externalReach.set(name, null); // recursion guard
    let found: string | null = null;
    const definition = this.index.functionDefinition(name);
    if (!definition) found = this.index.functionMacro(name) === null && this.declaresFunction(name) ? name : null;
    else if (depth < 3) {
      const scope = this.index.scopeOf(definition.childForFieldName("body") ?? definition);
      for (const site of scope?.calls ?? []) {
        found = this.reachesExternal(site.name, depth + 1);
        if (found) break;
      }
    }
    this.externalReach.set(name, found);
    return found;
  }

  /** The unit declares a function of this name (a prototype), as a project function is declared. */
  private declaresFunction(name: string): boolean {
    return this.index.identifierNodes(name).some((node) => {
      const declarator = parentOf(node);
      if (declarator?.type !== "function_declarator" || declarator.childForFieldName("declarator")?.id !== node.id)
        return false;
      let holder: Node | null = parentOf(declarator);
      while (holder && holder.type.endsWith("declarator")) holder = parentOf(holder);
      return holder?.type === "declaration";
    });
  }
}

/** A global with a top-level declaration and no `static`: other files of the program can name it. */
function hasExternalLinkage(definitions: readonly Definition[]): boolean {
  const declarations = definitions
    .map((definition) => definition.declaration)
    .filter((declaration): declaration is Node => declaration !== null && enclosingFunction(declaration) === null);
  return declarations.length > 0 && !declarations.some(isStatic);
}
