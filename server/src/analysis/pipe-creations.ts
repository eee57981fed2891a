/**
 * Pipe creations: the pipe()/pipe2()/socketpair() call, or the call of a pipe filler (pipe-fillers.ts), that fills a
 * given descriptor array, matched by the array's identity (its declaration, or (struct type, field)), with the
 * O_NONBLOCK state pipe2() or a later fcntl() gives it.
 * Pure; reaches the file only through the index.
 */
import type { Node } from "web-tree-sitter";
import type { FcntlState } from "./descriptor-state";
import { PipeFillers, type ExternalPipeFiller } from "./pipe-fillers";
import type { FileIndex, FunctionScope } from "./scope";
import { callArguments, callName, subscriptIndex, unwrap } from "./syntax";
import { parentOf } from "./ancestry";
import { declarationOfName, structTypeOf } from "./struct-fields";
import type { Evaluator } from "./values";

export class PipeCreations {
  private readonly fillers: PipeFillers;

  constructor(
    private readonly index: FileIndex,
    private readonly evaluator: Evaluator,
    pipeFillers: readonly ExternalPipeFiller[] | undefined,
    private readonly fcntl: FcntlState,
  ) {
    this.fillers = new PipeFillers(
      this.index,
      (flags, scope) => {
        const value = this.evaluator.value(flags, { scope });
        return value.kind === "const" ? (value.value & 0o4000) !== 0 : null;
      },
      pipeFillers,
    );
  }

  /**
   * The pipe()/pipe2() (or socketpair()) call that fills this very array: identity is the array's declaration for a
   * variable, and (struct type, field) for a member; arrays of the same name declared elsewhere are other arrays.
   */
  creation(
    arrayName: string,
    array: Node,
    scope: FunctionScope | null,
  ): { kind: "pipe" | "socketpair" | "mixed"; call: { node: Node; args: Node[] }; nonblock: boolean | null } | null {
    const key = this.arrayKey(array, scope);
    const matches = this.candidates(arrayName).filter(
      (candidate) => key === null || candidate.key === null || candidate.key === key,
    );
    if (matches.length === 0) return null;
    const sockets = matches.filter((match) => match.callee === "socketpair");
    if (sockets.length === matches.length) return { kind: "socketpair", call: sockets[0].site, nonblock: null };
    if (sockets.length > 0) return { kind: "mixed", call: matches[0].site, nonblock: null };
    const { callee, site, nonblock: helperNonblock } = matches[0];
    let nonblock: boolean | null = helperNonblock ?? false;
    if (callee === "pipe2") {
      const flags = this.evaluator.value(site.args[1] ?? null, { scope: this.index.scopeOf(site.node) });
      nonblock = flags.kind === "const" ? (flags.value & 0o4000) !== 0 : null;
    }
    if (this.fcntl.setsNonblock(arrayName)) nonblock = true;
    return { kind: "pipe", call: site, nonblock };
  }

  private readonly candidatesByName = new Map<string, Candidate[]>();

  /**
   * Every call that fills an array of this name, with the identity of the array it fills: the pipe()/pipe2()/
   * socketpair() calls, then the pipe fillers' calls. Found once per name, so thousands of functions each with their
   * own `fds` cost one pass over the name's occurrences, not one per call.
   */
  private candidates(arrayName: string): Candidate[] {
    const cached = this.candidatesByName.get(arrayName);
    if (cached) return cached;
    const found: Candidate[] = [];
    this.candidatesByName.set(arrayName, found);
    for (const callee of ["pipe", "pipe2", "socketpair"]) {
      for (const site of this.index.callSitesOf(callee)) {
        const argument = unwrap(site.args[callee === "socketpair" ? 3 : 0] ?? null);
        if (!argument) continue;
        const name = argument.type === "field_expression" ? argument.childForFieldName("field")?.text : argument.text;
        if (name !== arrayName) continue;
        found.push({ callee, site, key: this.arrayKey(argument, this.index.scopeOf(site.node)) });
      }
    }
    found.push(...this.helperCreations(arrayName));
    return found;
  }

  /**
   * Calls of pipe fillers (pipe-fillers.ts: `SAFE_PIPE(fds)`, `make_pipe(fds)`) with an array of this name, found from
   * the name's occurrences, each with the identity of the array it fills.
   */
  private helperCreations(arrayName: string): Candidate[] {
    const found: Candidate[] = [];
    for (const identifier of this.index.identifierNodes(arrayName)) {
      let argument: Node = identifier;
      let holder = parentOf(identifier);
      if (holder?.type === "field_expression" && holder.childForFieldName("field")?.id === identifier.id) {
        argument = holder;
        holder = parentOf(holder);
      }
      while (holder && (holder.type === "parenthesized_expression" || holder.type === "cast_expression")) {
        argument = holder;
        holder = parentOf(holder);
      }
      const call = holder?.type === "argument_list" ? parentOf(holder) : null;
      const callee = call?.type === "call_expression" ? callName(call) : null;
      if (!call || !callee) continue;
      const args = callArguments(call);
      const position = args.findIndex((item) => item.id === argument.id);
      const hop = position >= 0 ? this.fillers.filler(callee, position) : null;
      if (!hop) continue;
      const key = this.arrayKey(argument, this.index.scopeOf(call));
      found.push({ callee: hop.creates, site: { node: call, args }, nonblock: hop.nonblock, key });
    }
    return found;
  }

  /** Whether `call` fills a descriptor array: pipe(), pipe2(), socketpair() or a pipe filler at some argument. */
  createsInto(call: Node): boolean {
    let creates = this.creates.get(call.id);
    if (creates === undefined) {
      const callee = callName(call);
      creates =
        callee === "pipe" ||
        callee === "pipe2" ||
        callee === "socketpair" ||
        (callee !== null &&
          callArguments(call).some((_argument, position) => this.fillers.filler(callee, position) !== null));
      this.creates.set(call.id, creates);
    }
    return creates;
  }

  private readonly creates = new Map<number, boolean>();

  /** The identity of an element `a[i]`: the array's identity and the folded index; null when either is not known. */
  elementKey(subscript: Node, scope: FunctionScope | null): string | null {
    const array = unwrap(subscript.childForFieldName("argument"));
    const index = this.evaluator.value(subscriptIndex(subscript), { scope });
    const arrayKey = array ? this.arrayKey(array, scope) : null;
    return arrayKey && index.kind === "const" ? `${arrayKey}[${index.value}]` : null;
  }

  /** The identity of an array expression: its declaration, or (struct type, field); null when it cannot be resolved. */
  arrayKey(array: Node, scope: FunctionScope | null): string | null {
    const node = unwrap(array);
    if (node?.type === "identifier") {
      const declaration = declarationOfName(node.text, node, scope, this.index);
      return declaration ? `declaration@${declaration.startIndex}` : null;
    }
    if (node?.type === "field_expression") {
      const type = structTypeOf(node, scope, this.index);
      return type ? `${type}.${node.childForFieldName("field")?.text ?? ""}` : null;
    }
    return null;
  }
}

/** A call that fills an array of some name, and the identity of the array it fills (null: not resolved). */
interface Candidate {
  callee: string;
  site: { node: Node; args: Node[] };
  nonblock?: boolean | null;
  key: string | null;
}
