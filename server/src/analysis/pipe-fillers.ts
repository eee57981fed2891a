/**
 * Pipe fillers: functions and function-like macros that create a pipe (or a socket pair) into one of their
 * parameters, as test suites and libraries wrap pipe(): `SAFE_PIPE(fds)` → `safe_pipe(__FILE__, __LINE__, NULL, fds)`
 * → `pipe(fildes)`, or `fuse_pipe(int fds[2])`. A call of a filler with an array at that position fills the array as
 * pipe() would.
 *
 * A filler is found in the analysed unit (a function defined there, or a macro whose body is one call), following
 * further hops up to `MAX_FILLER_DEPTH`; a function the unit only declares is looked up among the external fillers the
 * project layer summarised from its other files (`ExternalPipeFiller`: a non-static function with one definition in
 * the project). Pure: lookups through the index, externals as data.
 */
import type { Node } from "web-tree-sitter";
import type { FunctionScope, NameIndex } from "./scope";
import { callArguments, callName, contains, unwrap } from "./syntax";

/** A function of another file of the project that creates a pipe into one of its parameters. */
export interface ExternalPipeFiller {
  name: string;
  /** Zero-based parameter position that receives the descriptors. */
  parameter: number;
  creates: "pipe" | "socketpair";
  /** pipe2() with O_NONBLOCK (true), pipe() (false), or flags that cannot be folded (null). */
  nonblock: boolean | null;
  file: string;
  line: number;
}

/** A pipe()/pipe2()/socketpair() call in another file that fills a struct member: `pipe(ppb->p)`. */
export interface ExternalFieldFill {
  /** The member's struct type as the analyzer names it (`struct page_pipe_buf`) and the field (`p`). */
  type: string;
  field: string;
  creates: "pipe" | "socketpair";
  nonblock: boolean | null;
  file: string;
  line: number;
}

export interface FillerHop {
  creates: "pipe" | "socketpair";
  nonblock: boolean | null;
  /** How the call reaches pipe(): `SAFE_PIPE → safe_pipe (lib/safe_macros.c:12) → pipe`. */
  via: string[];
}

const MAX_FILLER_DEPTH = 4;
const DIRECT: Record<string, { position: number; creates: "pipe" | "socketpair" }> = {
  pipe: { position: 0, creates: "pipe" },
  pipe2: { position: 0, creates: "pipe" },
  socketpair: { position: 3, creates: "socketpair" },
};

export class PipeFillers {
  private readonly cache = new Map<string, FillerHop | null>();
  private readonly externals = new Map<string, ExternalPipeFiller>();

  constructor(
    private readonly index: NameIndex,
    private readonly nonblockOf: (pipe2Flags: Node | null, scope: FunctionScope | null) => boolean | null,
    externals: readonly ExternalPipeFiller[] = [],
  ) {
    for (const filler of externals) this.externals.set(`${filler.name}/${filler.parameter}`, filler);
  }

  /** Whether `callee(…)` with the array at `position` fills it, and how (null: it does not, as far as can be seen). */
  filler(callee: string, position: number, depth = 0): FillerHop | null {
    if (callee in DIRECT) return null; // the direct calls are the caller's own search
    const key = `${callee}/${position}`;
    if (this.cache.has(key)) return this.cache.get(key) ?? null;
    this.cache.set(key, null); // recursion guard
    const found = depth >= MAX_FILLER_DEPTH ? null : this.find(callee, position, depth);
    this.cache.set(key, found);
    return found;
  }

  private find(callee: string, position: number, depth: number): FillerHop | null {
    const definition = this.index.functionDefinition(callee);
    if (definition) return this.fromFunction(callee, definition, position, depth);
    const macro = this.index.functionMacro(callee);
    if (macro) {
      const parameter = macro.parameters[position];
      const body = unwrap(macro.body);
      if (!parameter || body?.type !== "call_expression") return null;
      const inner = callName(body);
      const at = callArguments(body).findIndex((argument) => unwrap(argument)?.text === parameter);
      if (!inner || at < 0) return null;
      const direct = DIRECT[inner];
      if (direct)
        return direct.position === at
          ? { creates: direct.creates, nonblock: inner === "pipe2" ? null : false, via: [callee, inner] }
          : null;
      const next = this.filler(inner, at, depth + 1);
      return next ? { ...next, via: [callee, ...next.via] } : null;
    }
    const external = this.externals.get(`${callee}/${position}`);
    if (external)
      return {
        creates: external.creates,
        nonblock: external.nonblock,
        via: [`${callee} (${external.file}:${external.line})`, external.creates],
      };
    return null;
  }

  /** A function of the unit whose body passes the parameter to pipe()/pipe2()/socketpair() or to another filler. */
  private fromFunction(name: string, definition: Node, position: number, depth: number): FillerHop | null {
    const scope = this.index.scopeOf(definition.childForFieldName("body") ?? definition);
    const parameter = scope?.parameters[position];
    if (!scope || !parameter) return null;
    for (const [inner, direct] of Object.entries(DIRECT)) {
      for (const site of this.index.callSitesOf(inner)) {
        if (!contains(definition, site.node)) continue;
        if (unwrap(site.args[direct.position] ?? null)?.text !== parameter) continue;
        const nonblock = inner === "pipe2" ? this.nonblockOf(site.args[1] ?? null, scope) : false;
        return { creates: direct.creates, nonblock, via: [name, inner] };
      }
    }
    for (const site of scope.calls) {
      const inner = site.name;
      if (!inner || inner in DIRECT) continue;
      const at = site.args.findIndex((argument) => unwrap(argument)?.text === parameter);
      if (at < 0) continue;
      const next = this.filler(inner, at, depth + 1);
      if (next) return { ...next, via: [name, ...next.via] };
    }
    return null;
  }
}
