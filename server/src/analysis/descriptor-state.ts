/**
 * Descriptor state set by fcntl(): O_NONBLOCK through F_SETFL and the pipe size through F_SETPIPE_SZ, on a descriptor
 * whose expression mentions a name; the commands are folded through the evaluator, never compared by spelling.
 * Pure; reaches the file only through the index.
 */
import type { Node } from "web-tree-sitter";
import type { FdFact, SymValue } from "./facts";
import type { FileIndex } from "./scope";
import { mentions } from "./syntax";
import { type Evaluator, SYSTEM_CONSTANTS } from "./values";

export class FcntlState {
  constructor(
    private readonly index: FileIndex,
    private readonly evaluator: Evaluator,
  ) {}

  /** fcntl(x, F_SETFL, ... O_NONBLOCK ...) on a descriptor whose expression mentions `name`. */
  setsNonblock(name: string): boolean {
    for (const site of this.index.callSitesOf("fcntl")) {
      if (!mentions(site.args[0] ?? null, name)) continue;
      if (!this.isConstant(site.args[1] ?? null, site.node, "F_SETFL")) continue;
      const flags = this.evaluator.value(site.args[2] ?? null, { scope: this.index.scopeOf(site.node) });
      if (flags.kind === "const" && (flags.value & 0o4000) !== 0) return true;
      if (site.args[2] && mentions(site.args[2], "O_NONBLOCK")) return true;
    }
    return false;
  }

  /** The size an fcntl(x, F_SETPIPE_SZ, size) on a descriptor whose expression mentions `name` asks for. */
  pipeSize(name: string): SymValue | null {
    for (const site of this.index.callSitesOf("fcntl")) {
      if (!mentions(site.args[0] ?? null, name) || !this.isConstant(site.args[1] ?? null, site.node, "F_SETPIPE_SZ"))
        continue;
      return this.evaluator.value(site.args[2] ?? null, { scope: this.index.scopeOf(site.node) });
    }
    return null;
  }

  /** A descriptor fact with the O_NONBLOCK and pipe size that fcntl calls on `name` set, where the fact has none. */
  withState(fact: FdFact, name: string): FdFact {
    let result = fact;
    if (result.nonblock !== true && this.setsNonblock(name)) result = { ...result, nonblock: true };
    if (result.pipeSizeBytes === null) result = { ...result, pipeSizeBytes: this.pipeSize(name) };
    return result;
  }

  /** Whether an argument folds to the named system constant (through macros and enums, never by its spelling). */
  private isConstant(argument: Node | null, site: Node, name: keyof typeof SYSTEM_CONSTANTS): boolean {
    const value = this.evaluator.value(argument, { scope: this.index.scopeOf(site) });
    return value.kind === "const" && value.value === SYSTEM_CONSTANTS[name];
  }
}
