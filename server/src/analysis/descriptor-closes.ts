/**
 * A descriptor number closed or replaced between its pipe() and the vmsplice call: `close(fds[1])`, or
 * `dup2(other, fds[1])` / `dup3(other, fds[1], …)`, which make the number refer to another file. The call then fails
 * (EBADF) or reaches another file, so the pipe end is not known.
 *
 * Descriptors are compared as numbers, not as files: `w = fds[1]` holds the same number as `fds[1]` (closing one closes
 * the other), while `w = dup(fds[1])` is another number for the same pipe (closing `fds[1]` leaves `w` open). A number is
 * an array element (the array's identity and a folded index) or a variable, followed through plain copies.
 * Pure; reaches the file only through the index.
 */
import type { Node } from "web-tree-sitter";
import type { PipeCreations } from "./pipe-creations";
import { reachingClobber, type Clobber } from "./clobbers";
import { reachingDefinitions, type Definition, type FileIndex, type FunctionScope } from "./scope";
import { mentions, unwrap } from "./syntax";
import { declarationOfName } from "./struct-fields";
import { clip } from "./sym-values";
import { nodeLine } from "./unit";

/**
 * Which descriptor number an expression holds; `array` names the array whose pipe() calls (re)define it, `variable` the
 * variable whose assignments do.
 */
interface NumberKey {
  key: string;
  array: string | null;
  variable: string | null;
}

/** The argument position of the descriptor a call closes or replaces. */
const CLOSING: Readonly<Record<string, number>> = { close: 0, dup2: 1, dup3: 1 };
const MAX_COPIES = 4;

export class DescriptorCloses {
  private readonly keys = new Map<number, NumberKey | null>();
  /** Per function, its close(), dup2() and dup3() calls: listed once, however many vmsplice calls ask. */
  private readonly closingSites = new WeakMap<FunctionScope, { node: Node; target: Node }[]>();

  constructor(
    private readonly index: FileIndex,
    private readonly creations: PipeCreations,
  ) {}

  /** The close or dup2 that reaches `use` on some path after the number was made, described; or null. */
  closedBefore(use: Node, scope: FunctionScope | null): string | null {
    if (!scope) return null;
    const sites = this.sitesOf(scope);
    if (sites.length === 0) return null;
    const target = this.numberKey(use, scope, 0);
    if (!target) return null;
    const clobbers: Clobber[] = sites
      .filter((site) => this.numberKey(site.target, scope, 0)?.key === target.key)
      .map((site) => ({ site: site.node, description: `${clip(site.node.text, 40)} (${nodeLine(site.node)})` }));
    if (clobbers.length === 0) return null;
    // The number is made again by a later pipe() into the array, or a later assignment of the variable.
    const array = target.array;
    const made: Definition[] = array
      ? scope.calls
          .filter((site) => this.creations.createsInto(site.node) && site.args.some((item) => mentions(item, array)))
          .map((site) => ({ name: array, kind: "out-param", value: site.node, site: site.node, declaration: null }))
      : [];
    if (target.variable) made.push(...(scope.definitions.get(target.variable) ?? []));
    return reachingClobber(scope, clobbers, made, use);
  }

  private sitesOf(scope: FunctionScope): { node: Node; target: Node }[] {
    let sites = this.closingSites.get(scope);
    if (!sites) {
      sites = [];
      for (const site of scope.calls) {
        const position = CLOSING[site.name];
        const target = position === undefined ? undefined : site.args[position];
        if (target) sites.push({ node: site.node, target });
      }
      this.closingSites.set(scope, sites);
    }
    return sites;
  }

  private numberKey(node: Node, scope: FunctionScope, copies: number): NumberKey | null {
    const known = this.keys.get(node.id);
    if (known !== undefined) return known;
    let key: NumberKey | null = null;
    const expression = unwrap(node);
    if (expression?.type === "subscript_expression") {
      const array = unwrap(expression.childForFieldName("argument"));
      const element = this.creations.elementKey(expression, scope);
      if (array && element)
        key = {
          key: element,
          array: array.type === "identifier" ? array.text : (array.childForFieldName("field")?.text ?? null),
          variable: null,
        };
    } else if (expression?.type === "identifier") {
      const definitions = reachingDefinitions(scope, expression.text, expression).filter(
        (definition) => definition.kind === "init" || definition.kind === "assign",
      );
      const copied = definitions.length === 1 ? unwrap(definitions[0].value) : null;
      if (copied && copies < MAX_COPIES && (copied.type === "identifier" || copied.type === "subscript_expression"))
        key = this.numberKey(copied, scope, copies + 1);
      else {
        const declaration = declarationOfName(expression.text, expression, scope, this.index);
        key = declaration
          ? { key: `variable@${declaration.startIndex}`, array: null, variable: expression.text }
          : null;
      }
    }
    this.keys.set(node.id, key);
    return key;
  }
}
