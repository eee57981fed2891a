/**
 * Parents of tree nodes in constant time, for the trees an extraction is working on.
 *
 * web-tree-sitter has no parent pointers: `Node.parent` descends from the root to find the node again, so one step up
 * costs O(depth) and a climb to the enclosing function O(depth²). Deeply nested code (thousands of braces, a 100,000-term
 * expression) made every climb of the extractor quadratic or worse. Here the parents of one top-level item (a function
 * definition, a declaration, an ERROR region) are recorded by a single cursor walk the first time a node inside it is
 * asked about; every later step up is a map lookup. Items nobody asks about are never walked, so the cost still follows
 * what the extractor reads, not the file size.
 *
 * The map is valid only while the tree is not edited: `FileIndex` registers its trees for the duration of one extraction
 * (`retainAncestry` / `releaseAncestry`), and `parentOf` falls back to `Node.parent` for any other tree, so callers outside
 * an extraction (fixes, suppressions) see exactly what they saw before.
 * Pure; imports only web-tree-sitter's types.
 */
import type { Node, Tree } from "web-tree-sitter";

/**
 * Kinds of nearest ancestor the extractor asks for once per identifier or call: the node of a matching type nearest to a
 * node (itself included), or null when none, or when a node of a stopping type comes first.
 */
const KINDS = {
  function: { matches: (type: string) => type === "function_definition", stops: (_type: string) => false },
  error: { matches: (type: string) => type === "ERROR", stops: (_type: string) => false },
  forLoop: {
    matches: (type: string) => type === "for_statement",
    stops: (type: string) => type === "function_definition",
  },
  loop: {
    matches: (type: string) => type === "for_statement" || type === "while_statement" || type === "do_statement",
    stops: (type: string) => type === "function_definition",
  },
} as const;

export type AncestorKind = keyof typeof KINDS;

/** The parent map of one tree, built per top-level item on demand. */
class TreeAncestry {
  private readonly parents = new Map<number, Node | null>();
  /** Per kind, the answer of `nearest` for every node a climb has passed (each node's type is read once per kind). */
  private readonly nearestByKind = new Map<AncestorKind, Map<number, Node | null>>();
  /** Start and end offsets of the root's children, and the children, in document order (listed on first use). */
  private itemStarts: number[] | null = null;
  private itemEnds: number[] = [];
  private items: Node[] = [];
  private readonly walkedItems = new Set<number>();
  references = 1;

  constructor(readonly tree: Tree) {}

  parentOf(node: Node): Node | null {
    const known = this.parents.get(node.id);
    if (known !== undefined) return known;
    const root = this.tree.rootNode;
    if (node.id === root.id) return null;
    this.listItems(root);
    // The items whose span holds the node (two when a zero-width node sits on the boundary between them).
    const starts = this.itemStarts as number[];
    const start = node.startIndex;
    let low = 0;
    let high = starts.length - 1;
    let found = -1;
    while (low <= high) {
      const middle = (low + high) >> 1;
      if (starts[middle] <= start) {
        found = middle;
        low = middle + 1;
      } else high = middle - 1;
    }
    for (let index = found; index >= 0 && index >= found - 2; index--) {
      if (this.itemEnds[index] < start) break;
      this.walkItem(index);
      const parent = this.parents.get(node.id);
      if (parent !== undefined) return parent;
    }
    // Not reached by the walk (a node of another tree, or one the cursor does not visit): ask tree-sitter.
    return node.parent;
  }

  nearest(node: Node, kind: AncestorKind): Node | null {
    let memo = this.nearestByKind.get(kind);
    if (!memo) this.nearestByKind.set(kind, (memo = new Map()));
    const { matches, stops } = KINDS[kind];
    const passed: number[] = [];
    let answer: Node | null = null;
    for (let current: Node | null = node; current; current = this.parentOf(current)) {
      const known = memo.get(current.id);
      if (known !== undefined) {
        answer = known;
        break;
      }
      const type = current.type;
      if (matches(type)) {
        answer = current;
        memo.set(current.id, current);
        break;
      }
      passed.push(current.id);
      if (stops(type)) break;
    }
    for (const id of passed) memo.set(id, answer);
    return answer;
  }

  private listItems(root: Node): void {
    if (this.itemStarts) return;
    this.itemStarts = [];
    const cursor = root.walk();
    try {
      if (!cursor.gotoFirstChild()) return;
      do {
        const item = cursor.currentNode;
        this.itemStarts.push(item.startIndex);
        this.itemEnds.push(item.endIndex);
        this.items.push(item);
        this.parents.set(item.id, root);
      } while (cursor.gotoNextSibling());
    } finally {
      cursor.delete();
    }
  }

  /** One cursor walk over a top-level item records the parent of every node inside it. */
  private walkItem(index: number): void {
    if (this.walkedItems.has(index)) return;
    this.walkedItems.add(index);
    const item = this.items[index];
    const cursor = item.walk();
    // The ancestors of the cursor's position; a Node object is made only for nodes that have children.
    const stack: Node[] = [item];
    try {
      if (!cursor.gotoFirstChild()) return;
      for (;;) {
        this.parents.set(cursor.nodeId, stack[stack.length - 1]);
        if (cursor.gotoFirstChild()) {
          cursor.gotoParent();
          stack.push(cursor.currentNode);
          cursor.gotoFirstChild();
          continue;
        }
        for (;;) {
          if (cursor.gotoNextSibling()) break;
          if (!cursor.gotoParent()) return;
          stack.pop();
          if (stack.length === 0) return;
        }
      }
    } finally {
      cursor.delete();
    }
  }
}

const ancestries = new WeakMap<Tree, TreeAncestry>();

/** Starts answering `parentOf` from a parent map for this tree (until the matching `releaseAncestry`). */
export function retainAncestry(tree: Tree): void {
  const existing = ancestries.get(tree);
  if (existing) existing.references++;
  else ancestries.set(tree, new TreeAncestry(tree));
}

/** Ends one `retainAncestry`; the map is dropped when the last holder lets go (the tree may be edited afterwards). */
export function releaseAncestry(tree: Tree): void {
  const existing = ancestries.get(tree);
  if (!existing) return;
  if (--existing.references <= 0) ancestries.delete(tree);
}

/** The parent of a node (null for none or no node): from the parent map while its tree is retained, else from tree-sitter. */
export function parentOf(node: Node | null | undefined): Node | null {
  if (!node) return null;
  const ancestry = ancestries.get(node.tree);
  return ancestry ? ancestry.parentOf(node) : node.parent;
}

/**
 * The nearest node of a kind at or above `node` (see KINDS), memoised per tree while it is retained: a climb stops at
 * the first node already answered, so answering every identifier of a deeply nested function costs its depth once.
 */
export function nearest(node: Node | null, kind: AncestorKind): Node | null {
  if (!node) return null;
  const ancestry = ancestries.get(node.tree);
  if (ancestry) return ancestry.nearest(node, kind);
  const { matches, stops } = KINDS[kind];
  for (let current: Node | null = node; current; current = current.parent) {
    const type = current.type;
    if (matches(type)) return current;
    if (stops(type)) return null;
  }
  return null;
}
