/**
 * Fact extraction: runs call discovery (discovery.ts) and assembles each call's `VmspliceCall` from the units that own
 * its parts: the descriptor (descriptors.ts), the flags (here), the iovec segments and their buffers (segments.ts) and the
 * path and ordering facts around the call (surroundings.ts); plus the splice() calls the RFC's zap concerns. A call the
 * units fail on becomes an all-unknown call. The units share one `FileIndex` and one `Evaluator`, so every read is
 * recorded once for the file.
 * Pure; no I/O, no editor or protocol imports; never throws for any input (the caller still guards).
 */
import type { Tree } from "web-tree-sitter";
import {
  unknownFd,
  type AnalysisBudget,
  type BudgetStop,
  type FlagsFact,
  type SourceRange,
  type SpliceCall,
  type VmspliceCall,
} from "./facts";
import { BufferResolver } from "./buffers";
import { BufferLifecycle } from "./lifecycle";
import type { ExternalFieldFill, ExternalPipeFiller } from "./pipe-fillers";
import { FileIndex, type OccurrenceSearch } from "./scope";
import { inErrorRegion, toRange } from "./syntax";
import { Evaluator } from "./values";
import { clip, firstUnknownReason, unknown } from "./sym-values";
import {
  CallDiscovery,
  MAX_CALLS,
  type ArgumentRef,
  type ExternalWrapper,
  type RawCall,
  type SyscallTableFacts,
} from "./discovery";
import { DescriptorResolver } from "./descriptors";
import { SegmentResolver } from "./segments";
import { CallSurroundings } from "./surroundings";

export type { ExternalWrapper, SyscallTableFacts, TableRow } from "./discovery";

/** Facts of other files of the project, summarised by the project layer (server/src/project/). */
export interface ProjectFacts {
  pipeFillers?: readonly ExternalPipeFiller[];
  /** Functions of the unit that other files of the project call, with those files. */
  externalCallers?: ReadonlyMap<string, readonly string[]>;
  /** -D macros of the translation unit (its compile database entry): they decide simple #ifdef/#if groups. */
  defines?: ReadonlyMap<string, string>;
  /** Wrappers of vmsplice that other files of the project define. */
  wrappers?: readonly ExternalWrapper[];
  /** Struct members other files fill with pipe() (matched by struct type and field across files). */
  fieldFills?: readonly ExternalFieldFill[];
  /** What the project's syscall tables (`*.tbl`) say about vmsplice: entry-point names and its number. */
  syscallTable?: SyscallTableFacts;
  /**
   * Set while the project's index is being built (the language server): the facts above are not known yet, so every
   * call of the unit carries this as a missing fact and none is judged a move from what is at hand.
   */
  pending?: string;
  /**
   * Where the project defines a function this unit does not (its file, as shown), or null: a call of it between a
   * buffer's fill and the call may fork, unless the file is read into the unit (project/caller-join.ts). Absent (one
   * file alone): a function no file read defines is taken as a library's, which does not fork.
   */
  definedElsewhere?: (name: string) => string | null;
}

export interface ExtractionResult {
  calls: VmspliceCall[];
  splices: SpliceCall[];
  /** Set when the budget ran out: the calls whose facts were not extracted. */
  stopped?: BudgetStop;
}

export class Extractor {
  readonly index: FileIndex;
  readonly evaluator: Evaluator;
  readonly buffers: BufferResolver;

  private readonly discovery: CallDiscovery;
  private readonly descriptors: DescriptorResolver;
  private readonly segments: SegmentResolver;
  private readonly lifecycles: BufferLifecycle;
  private readonly surroundings: CallSurroundings;

  /** `context`: what the project layer found in other files (none: the file alone). */
  constructor(
    tree: Tree,
    text: string,
    private readonly project: ProjectFacts = {},
    search?: OccurrenceSearch,
  ) {
    const context = project;
    this.index = new FileIndex(tree, text, context.externalCallers, context.defines, search);
    this.evaluator = new Evaluator(this.index);
    this.buffers = new BufferResolver(this.index, this.evaluator, context.definedElsewhere);
    this.descriptors = new DescriptorResolver(this.index, this.evaluator, context);
    this.discovery = new CallDiscovery(this.index, context.wrappers, context.syscallTable);
    this.lifecycles = new BufferLifecycle(this.index, this.evaluator, context.definedElsewhere);
    this.segments = new SegmentResolver(this.index, this.evaluator, this.buffers, this.lifecycles);
    this.surroundings = new CallSurroundings(this.index, this.evaluator, this.descriptors, this.segments);
  }

  dispose(): void {
    this.index.dispose();
  }

  /**
   * Every call's facts, in source order; with a budget, asked before each call, the calls reached when it runs out are
   * left out whole (and listed), so what is returned never rests on half a call's facts.
   */
  run(budget?: AnalysisBudget): ExtractionResult {
    const raw = this.discover().sort((left, right) => left.node.startIndex - right.node.startIndex);
    // The file's vmsplice calls, through wrappers and entry points too, are not calls the analyzer cannot see.
    this.lifecycles.vmspliceCalls = new Set(raw.map((call) => call.node.startIndex));
    const calls: VmspliceCall[] = [];
    for (const [index, call] of raw.entries()) {
      if (budget && !budget.allows("extract")) {
        calls.sort((left, right) => left.range.startIndex - right.range.startIndex);
        return { calls, splices: [], stopped: { leftOut: raw.slice(index).map((left) => toRange(left.node)) } };
      }
      try {
        calls.push(this.facts(call));
      } catch (error) {
        // One call the extractor cannot handle becomes an all-unknown call rather than a lost file.
        calls.push(this.unknownCall(call, error instanceof Error ? error.message : String(error)));
      }
    }
    calls.sort((left, right) => left.range.startIndex - right.range.startIndex);
    return { calls, splices: this.splices() };
  }

  /**
   * The wrappers this file defines for other files: functions with external linkage that forward their iovec
   * parameter to vmsplice (the same thin-forwarder test as for calls in the file), with which parameter is which.
   */
  wrapperSummaries(file: string): ExternalWrapper[] {
    return this.discovery.wrapperSummaries(file);
  }

  /** Direct calls, syscall() calls and wrapper call sites. */
  discover(): RawCall[] {
    return this.discovery.discover();
  }

  private unknownCall(call: RawCall, reason: string): VmspliceCall {
    const range = toRange(call.node);
    const missing = `the analyzer failed on this call (${reason})`;
    return {
      range,
      calleeRange: toRange(call.calleeNode),
      callee: call.callee,
      wrapperName: call.wrapperName,
      functionName: null,
      fd: unknownFd(range, missing),
      flags: { value: null, text: "", range, definitionRanges: [], missing },
      iov: {
        segments: null,
        nrSegs: unknown(missing),
        nrSegsRange: range,
        iovRange: range,
        declarationRange: null,
        missing,
      },
      returnChecked: true,
      multithreaded: null,
      teeOnPipe: null,
      readBefore: null,
      inErrorRegion: inErrorRegion(call.node),
      ...tableFacts(call, []),
    };
  }

  /** Every fact of one call. */
  facts(call: RawCall): VmspliceCall {
    const [fdArgument, iovArgument, nrArgument, flagsArgument] = call.args;
    const range = toRange(call.node);
    const callScope = this.index.scopeOf(call.node);
    const fd = this.descriptors.fdFact(fdArgument, range);
    let flags = this.flagsFact(flagsArgument, range);
    const external = call.wrapperName ? this.project.wrappers?.find((item) => item.name === call.wrapperName) : null;
    const macro = call.wrapperName
      ? this.discovery.macroWrappers().find((item) => item.name === call.wrapperName)
      : null;
    if (!flagsArgument && external)
      flags = {
        ...flags,
        missing: `the flags ${call.wrapperName}() passes itself (${external.file}:${external.line}; another file's constants are not followed)`,
      };
    else if (!flagsArgument && macro)
      flags = {
        ...flags,
        missing: `the flags the macro ${call.wrapperName} passes itself (not followed into its body)`,
      };
    const iov = this.segments.segmentsFact(iovArgument, nrArgument, call.node, range);
    this.surroundings.dropConsumedReuse(iov, fd, call.node, callScope);
    const threads = this.index.callSitesOf("pthread_create")[0] ?? this.index.callSitesOf("thrd_create")[0] ?? null;
    return {
      range,
      calleeRange: toRange(call.calleeNode),
      callee: call.callee,
      wrapperName: call.wrapperName,
      functionName: callScope?.name ?? null,
      fd,
      flags,
      iov,
      returnChecked: this.surroundings.returnChecked(call.node, callScope),
      multithreaded: threads ? { range: toRange(threads.node) } : null,
      teeOnPipe: this.surroundings.teeOnPipe(fd, fdArgument),
      readBefore: this.surroundings.readBefore(fdArgument, call.node, callScope),
      inErrorRegion: inErrorRegion(call.node),
      ...tableFacts(call, fd.assumption ? [fd.assumption] : []),
    };
  }

  // ---------------------------------------------------------------- flags

  private flagsFact(argument: ArgumentRef | null, fallback: SourceRange): FlagsFact {
    if (!argument)
      return {
        value: null,
        text: "",
        range: fallback,
        definitionRanges: [],
        missing: "the call has no flags argument",
      };
    const definitions: SourceRange[] = [];
    const value = this.evaluator.value(argument.node, { scope: argument.scope, definitions });
    const folded = value.kind === "const" ? value.value : null;
    return {
      value: folded,
      text: argument.node.text,
      range: toRange(argument.node),
      definitionRanges: dedupeRanges(definitions),
      missing:
        folded === null
          ? `flags ${clip(argument.node.text)} cannot be folded to a constant (${firstUnknownReason(value) ?? "not a constant"})`
          : null,
    };
  }

  /** splice(..., SPLICE_F_MOVE or SPLICE_F_GIFT) into a pipe: the RFC zaps memory at an undefined address. */
  private splices(): SpliceCall[] {
    const found: SpliceCall[] = [];
    for (const site of this.index.callSitesOf("splice").slice(0, MAX_CALLS)) {
      const flagsNode = site.args[5];
      if (!flagsNode) continue;
      const scope = this.index.scopeOf(site.node);
      // Only a splice whose output is a pipe, from something that is not a pipe, runs the RFC's zap in splice_to_pipe.
      const output = site.args[2] ? this.descriptors.fdOrigin(site.args[2], scope, 0) : null;
      const input = site.args[0] ? this.descriptors.fdOrigin(site.args[0], scope, 0) : null;
      if (output?.kind !== "pipe" || input?.kind === "pipe") continue;
      found.push({
        range: toRange(site.node),
        flags: this.flagsFact({ node: flagsNode, scope }, toRange(site.node)),
        functionName: scope?.name ?? null,
      });
    }
    return found;
  }
}

function dedupeRanges(ranges: SourceRange[]): SourceRange[] {
  const seen = new Set<string>();
  return ranges.filter((range) => {
    const key = `${range.startIndex}:${range.endIndex}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/**
 * The assumptions a call rests on (`own`, and the syscall-table row that makes it a vmsplice call) and the rows as
 * evidence in their own file; absent keys when there are none.
 */
function tableFacts(call: RawCall, own: string[]): Pick<VmspliceCall, "assumptions" | "evidence"> {
  const table = call.table;
  const assumptions = table?.assumption ? [table.assumption, ...own] : own;
  return {
    ...(assumptions.length > 0 ? { assumptions } : {}),
    ...(table
      ? { evidence: table.rows.map((row) => ({ file: row.file, range: row.range, message: table.message })) }
      : {}),
  };
}
