/**
 * Path and ordering facts around a call: whether its result is checked, a read or an earlier vmsplice from the same
 * descriptor before it (`readBefore`), a tee() on its pipe, and whether a loop that rewrites a buffer drains the pipe
 * after the call (`dropConsumedReuse`). Descriptors are compared by `DescriptorResolver.descriptorKey`, never by text.
 * Pure; reaches the file only through the index.
 */
import type { Node } from "web-tree-sitter";
import type { FdFact, SegmentsFact, SourceRange, SymValue } from "./facts";
import type { FileIndex, FunctionScope } from "./scope";
import { contains, mentions, toRange, unwrap } from "./syntax";
import { parentOf } from "./ancestry";
import { type Evaluator } from "./values";
import { unknown } from "./sym-values";
import type { ArgumentRef } from "./discovery";
import type { DescriptorResolver } from "./descriptors";
import type { SegmentResolver } from "./segments";

export class CallSurroundings {
  constructor(
    private readonly index: FileIndex,
    private readonly evaluator: Evaluator,
    private readonly descriptors: DescriptorResolver,
    private readonly segments: SegmentResolver,
  ) {}

  /**
   * A loop that rewrites the buffer before each vmsplice only aliases the pipe when the pages are still queued: when the
   * same loop drains that pipe after the call (read, splice or vmsplice from it), the next write is safe.
   */
  dropConsumedReuse(iov: SegmentsFact, fd: FdFact, call: Node, scope: FunctionScope | null): void {
    if (!scope || !iov.segments) return;
    const pipeName = fd.pipeName;
    for (const segment of iov.segments) {
      const written = segment.buffer?.writtenAfter;
      if (!segment.buffer || !written?.loopCarried) continue;
      const drained = scope.calls.some(
        (site) =>
          site.start > call.endIndex &&
          ["read", "splice", "vmsplice", "tee", "recv"].includes(site.name) &&
          enclosingLoopOf(call, scope.node, site.node) &&
          (pipeName ? mentions(site.args[0] ?? null, pipeName) : false),
      );
      if (drained) segment.buffer.writtenAfter = null;
    }
  }

  returnChecked(call: Node, scope: FunctionScope | null): boolean {
    let parent = parentOf(call);
    while (parent?.type === "parenthesized_expression") parent = parentOf(parent);
    if (!parent || parent.type === "expression_statement") return false;
    if (parent.type === "cast_expression" && parent.childForFieldName("type")?.text === "void") return false;
    const assignment =
      parent.type === "assignment_expression" ? parent : parent.type === "init_declarator" ? parent : null;
    if (assignment && scope) {
      const target =
        assignment.type === "assignment_expression"
          ? unwrap(assignment.childForFieldName("left"))
          : assignment.childForFieldName("declarator");
      if (target?.type === "identifier") {
        const callEnd = call.endIndex;
        const later = (scope.uses.get(target.text) ?? []).filter((use) => use.start >= callEnd);
        return later.length > 0;
      }
    }
    return true;
  }

  teeOnPipe(fd: FdFact, argument: ArgumentRef | null): { range: SourceRange } | null {
    if (!argument || fd.direction !== "from-pipe" || !fd.pipeName) return null;
    for (const site of this.index.callSitesOf("tee")) {
      if (mentions(site.args[0] ?? null, fd.pipeName)) return { range: toRange(site.node) };
    }
    return null;
  }

  readBefore(
    argument: ArgumentRef | null,
    call: Node,
    scope: FunctionScope | null,
  ): { range: SourceRange; length: SymValue } | null {
    if (!argument || !scope) return null;
    const target = this.descriptors.descriptorKey(argument.node, argument.scope);
    const callStart = call.startIndex;
    for (const site of scope.calls) {
      if (site.start >= callStart) break;
      const reads = site.name === "read" || site.name === "recv";
      if (!reads && site.name !== "vmsplice") continue;
      const descriptor = site.args[0];
      if (!descriptor || target === null || this.descriptors.descriptorKey(descriptor, scope) !== target) continue;
      if (reads) return { range: toRange(site.node), length: this.evaluator.value(site.args[2] ?? null, { scope }) };
      // An earlier vmsplice read from the same descriptor consumes its iovec's length (a single struct iovec is followed).
      // Worked out once per earlier call: thousands of calls on one pipe all find the same first one.
      if (!contains(site.node, call)) {
        let length = this.consumedLengths.get(site.node.id);
        if (!length) {
          const entries = site.args[1]
            ? this.segments.iovEntries(site.args[1], scope, site.node, 0)
            : { missing: "no iovec" };
          length =
            "missing" in entries || entries.segments.length !== 1 || entries.segments[0].repeat
              ? unknown("length consumed by an earlier vmsplice")
              : entries.segments[0].length;
          this.consumedLengths.set(site.node.id, length);
        }
        return { range: toRange(site.node), length };
      }
    }
    return null;
  }

  /** The length an earlier vmsplice call consumes, per call node (see `readBefore`). */
  private readonly consumedLengths = new Map<number, SymValue>();
}

/** Whether a loop inside `boundary` encloses both the call and `other`. */
function enclosingLoopOf(call: Node, boundary: Node, other: Node): boolean {
  for (let current = parentOf(call); current && current.id !== boundary.id; current = parentOf(current)) {
    if (
      (current.type === "for_statement" || current.type === "while_statement" || current.type === "do_statement") &&
      contains(current, other)
    )
      return true;
  }
  return false;
}
