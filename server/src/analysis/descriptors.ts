/**
 * Descriptor facts: which pipe end (or what else) a vmsplice descriptor argument is, by resolution: the
 * pipe()/pipe2()/socketpair() call or pipe filler that made it plus the index, open() modes of FIFOs, standard streams,
 * callers' arguments, globals, struct members filled here or in another file of the project; its O_NONBLOCK and
 * F_SETPIPE_SZ state; and `descriptorKey`, the identity other units compare descriptors by.
 * Pure; reaches the file only through the index.
 */
import type { Node } from "web-tree-sitter";
import { unknownFd, type Direction, type FdFact, type SourceRange } from "./facts";
import { FcntlState } from "./descriptor-state";
import { PipeCreations } from "./pipe-creations";
import { DescriptorCloses } from "./descriptor-closes";
import type { ExternalFieldFill, ExternalPipeFiller } from "./pipe-fillers";
import { type Clobber, clobbersOf, reachingClobber } from "./clobbers";
import { type Definition, type FileIndex, reachingDefinitions, type FunctionScope } from "./scope";
import { callArguments, callName, isBroken, mentions, toRange, unwrap, subscriptIndex } from "./syntax";
import { parentOf } from "./ancestry";
import { type Evaluator, SYSTEM_CONSTANTS } from "./values";
import { clip } from "./sym-values";
import { declarationOfName } from "./struct-fields";
import type { ArgumentRef } from "./discovery";

export class DescriptorResolver {
  private readonly fcntl: FcntlState;
  private readonly creations: PipeCreations;
  private readonly closes: DescriptorCloses;

  constructor(
    private readonly index: FileIndex,
    private readonly evaluator: Evaluator,
    private readonly project: {
      pipeFillers?: readonly ExternalPipeFiller[];
      fieldFills?: readonly ExternalFieldFill[];
    },
  ) {
    this.fcntl = new FcntlState(index, evaluator);
    this.creations = new PipeCreations(index, evaluator, project.pipeFillers, this.fcntl);
    this.closes = new DescriptorCloses(index, this.creations);
  }

  fdFact(argument: ArgumentRef | null, fallback: SourceRange): FdFact {
    const empty = unknownFd(fallback, "the call has no descriptor argument");
    if (!argument) return empty;
    const fact = this.fdOrigin(argument.node, argument.scope, 0);
    fact.range = toRange(argument.node);
    if (fact.direction === "unknown") return fact;
    const closed = this.closes.closedBefore(argument.node, argument.scope);
    if (closed)
      return unknownFd(fact.range, `${clip(argument.node.text)} is closed or replaced by ${closed} before this call`);
    return fact;
  }

  fdOrigin(node: Node, scope: FunctionScope | null, depth: number): FdFact {
    const range = toRange(node);
    const base = unknownFd(range, `cannot tell which pipe end ${clip(node.text)} is`);
    if (depth > 8) return base;
    const expression = unwrap(node);
    if (!expression) return base;
    if (isBroken(expression)) return { ...base, explanation: `${clip(node.text)} has a syntax error` };
    if (expression.type === "subscript_expression") return this.pipeElement(expression, scope);
    if (
      expression.type === "number_literal" ||
      (expression.type === "identifier" && ["STDIN_FILENO", "STDOUT_FILENO", "STDERR_FILENO"].includes(expression.text))
    )
      return this.standardFd(expression, base);
    if (expression.type === "identifier") return this.namedFd(expression, scope, depth, base);
    if (expression.type === "field_expression") {
      const fieldName = expression.childForFieldName("field")?.text ?? "";
      const sources = this.evaluator.memberSources(expression, scope);
      if ("unknown" in sources) return { ...base, explanation: sources.unknown };
      const assignments = sources.stores;
      const changed = scope ? this.evaluator.memberChanged(expression, scope) : null;
      if (changed) return { ...base, explanation: `${clip(expression.text)} may be changed by ${changed}` };
      const facts = assignments
        .slice(0, 16)
        .map((assignment) => this.fdValue(assignment.value, this.index.scopeOf(assignment.site), depth + 1));
      return this.fcntl.withState(
        agreeFd(facts, fieldName, { ...base, explanation: `member ${fieldName} holds different descriptors` }),
        fieldName,
      );
    }
    if (expression.type === "call_expression") return this.fdValue(expression, scope, depth + 1);
    return base;
  }

  /** 0, 1, 2 and STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO: the direction standard input and output are open for. */
  private standardFd(expression: Node, base: FdFact): FdFact {
    const number = expression.type === "number_literal" ? Number(expression.text) : SYSTEM_CONSTANTS[expression.text];
    if (number === 0)
      return {
        ...base,
        direction: "from-pipe",
        explanation: "standard input is open for reading: the call reads from the pipe (when stdin is a pipe)",
      };
    if (number === 1 || number === 2) {
      const sized = expression.type === "identifier" ? this.fcntl.pipeSize(expression.text) : null;
      return {
        ...base,
        direction: "to-pipe",
        pipeSizeBytes: sized,
        nonblock: expression.type === "identifier" && this.fcntl.setsNonblock(expression.text) ? true : null,
        explanation: `${number === 1 ? "standard output" : "standard error"} is open for writing: the call writes into the pipe (when it is a pipe)`,
      };
    }
    return base;
  }

  /** A descriptor variable: its reaching definitions, its callers' arguments when a parameter, or a global's. */
  private namedFd(expression: Node, scope: FunctionScope | null, depth: number, base: FdFact): FdFact {
    const name = expression.text;
    if (scope) {
      const definitions = reachingDefinitions(scope, name, expression).filter(
        (definition) => definition.kind === "init" || definition.kind === "assign",
      );
      if (definitions.length > 0) {
        const facts = definitions.map((definition) =>
          definition.value ? this.fdValue(definition.value, scope, depth + 1) : base,
        );
        return this.fcntl.withState(agreeFd(facts, name, base), name);
      }
      const position = scope.parameters.indexOf(name);
      if (position >= 0 && scope.name) {
        const sites = this.index.callersOf(scope.name);
        if (sites.length === 0)
          return {
            ...base,
            explanation: `${name} is a parameter of ${scope.name}(), ${this.index.callerNote(scope.name)}`,
          };
        const facts = sites
          .slice(0, 32)
          .map((site) =>
            site.args[position] ? this.fdOrigin(site.args[position], this.index.scopeOf(site.node), depth + 1) : base,
          );
        return this.fcntl.withState(
          agreeFd(facts, name, {
            ...base,
            explanation: `callers of ${scope.name}() pass different descriptors for ${name}`,
          }),
          name,
        );
      }
    }
    const globals = this.index
      .globalDefinitions(name)
      .filter((definition) => definition.kind === "init" || definition.kind === "assign");
    if (globals.length > 0) {
      const facts = globals
        .slice(0, 16)
        .map((definition) =>
          definition.value ? this.fdValue(definition.value, this.index.scopeOf(definition.site), depth + 1) : base,
        );
      return this.fcntl.withState(agreeFd(facts, name, base), name);
    }
    return base;
  }

  /** A descriptor value expression: a pipe element, open(), socket(), dup() or another variable. */
  /** open(), open64(), openat(): a FIFO's end by the open mode, or a regular file when created, truncated or appended. */
  private openedFd(expression: Node, name: string, scope: FunctionScope | null, base: FdFact): FdFact {
    const args = callArguments(expression);
    const flagsNode = args[name === "openat" ? 2 : 1] ?? null;
    const flags = this.evaluator.value(flagsNode, { scope });
    const isFifo =
      this.index.callSitesOf("mkfifo").length > 0 ||
      this.index.callSitesOf("mkfifoat").length > 0 ||
      this.index.callSitesOf("mknod").length > 0;
    const origin = {
      ...base,
      originRange: toRange(expression),
      kind: isFifo ? ("fifo" as const) : ("unknown" as const),
    };
    if (flags.kind !== "const")
      return { ...origin, explanation: `open() flags ${clip(flagsNode?.text ?? "")} cannot be folded` };
    const mode = flags.value & 3;
    const nonblock = (flags.value & 0o4000) !== 0;
    if (!isFifo && (flags.value & (0o100 | 0o1000 | 0o2000)) !== 0) {
      return {
        ...origin,
        kind: "not-pipe",
        explanation: `open() with O_CREAT, O_TRUNC or O_APPEND of ${clip(args[name === "openat" ? 1 : 0]?.text ?? "a path")} makes a regular file, not a pipe (no mkfifo() in this file)`,
      };
    }
    const what = isFifo ? "the FIFO" : "the file (a FIFO, for vmsplice to work)";
    if (mode === 1)
      return {
        ...origin,
        direction: "to-pipe",
        nonblock,
        explanation: `${what} is opened O_WRONLY: the call writes into the pipe`,
      };
    if (mode === 2)
      return {
        ...origin,
        direction: "to-pipe",
        nonblock,
        explanation: `${what} is opened O_RDWR, which vmsplice treats as the write end`,
      };
    return {
      ...origin,
      direction: "from-pipe",
      nonblock,
      explanation: `${what} is opened O_RDONLY: the call reads from the pipe`,
    };
  }

  private fdValue(node: Node, scope: FunctionScope | null, depth: number): FdFact {
    const expression = unwrap(node);
    const range = toRange(node);
    const base = unknownFd(range, `cannot tell which pipe end ${clip(node.text)} is`);
    if (!expression) return base;
    if (expression.type !== "call_expression") return this.fdOrigin(expression, scope, depth);
    const name = callName(expression) ?? "";
    const args = callArguments(expression);
    if (name === "open" || name === "open64" || name === "openat") return this.openedFd(expression, name, scope, base);
    if (
      [
        "socket",
        "accept",
        "accept4",
        "eventfd",
        "signalfd",
        "timerfd_create",
        "epoll_create",
        "epoll_create1",
        "memfd_create",
        "inotify_init",
        "inotify_init1",
        "creat",
      ].includes(name)
    ) {
      return {
        ...base,
        kind: "not-pipe",
        originRange: toRange(expression),
        explanation: `the descriptor comes from ${name}(), which is not a pipe`,
      };
    }
    if ((name === "dup" || name === "fcntl") && args[0]) return this.fdOrigin(args[0], scope, depth + 1);
    if (name === "fileno" && args[0]) {
      const stream = unwrap(args[0])?.text;
      if (stream === "stdout" || stream === "stderr")
        return { ...base, direction: "to-pipe", explanation: `fileno(${stream}) is open for writing` };
      if (stream === "stdin")
        return { ...base, direction: "from-pipe", explanation: "fileno(stdin) is open for reading" };
    }
    return { ...base, explanation: `the descriptor comes from ${name}(), which the analyzer cannot see` };
  }

  /** `fds[1]`: a pipe()/pipe2() array element. */
  private pipeElement(subscript: Node, scope: FunctionScope | null): FdFact {
    const range = toRange(subscript);
    const array = unwrap(subscript.childForFieldName("argument"));
    const indexValue = this.evaluator.value(subscriptIndex(subscript), { scope });
    const arrayName =
      array?.type === "field_expression" ? (array.childForFieldName("field")?.text ?? "") : (array?.text ?? "");
    const base = unknownFd(range, `cannot find the pipe() call that fills ${clip(array?.text ?? "")}`, arrayName);
    let creation = array ? this.creations.creation(arrayName, array, scope) : null;
    if (!creation && array?.type === "identifier" && scope && scope.name && scope.parameters.includes(arrayName)) {
      // `int fds[2]` passed in: follow the callers' arrays; they must all come from pipe() and agree.
      const position = scope.parameters.indexOf(arrayName);
      const creations = this.index.callersOf(scope.name).map((site) => {
        const argument = unwrap(site.args[position] ?? null);
        if (!argument) return null;
        const name =
          argument.type === "field_expression" ? (argument.childForFieldName("field")?.text ?? "") : argument.text;
        return this.creations.creation(name, argument, this.index.scopeOf(site.node));
      });
      if (creations.length > 0 && creations.every((item) => item !== null && item.kind === creations[0]?.kind))
        creation = creations[0];
    }
    if (creation?.kind === "mixed")
      return {
        ...base,
        explanation: `${clip(array?.text ?? "")} is filled by pipe() on one path and socketpair() on another`,
      };
    if (creation?.kind === "socketpair")
      return {
        ...base,
        kind: "not-pipe",
        originRange: toRange(creation.call.node),
        explanation: `${clip(array?.text ?? "")} is filled by socketpair(), which makes sockets, not a pipe`,
      };
    if (!creation && indexValue.kind === "const") {
      // `ch->pipefd[1] = fds[1];`: an array member filled element by element from another descriptor.
      const element = this.elementAssignment(arrayName, indexValue.value);
      if (element) {
        const fact = this.fdValue(element.value, this.index.scopeOf(element.site), 1);
        if (fact.direction !== "unknown") return { ...fact, range, pipeName: fact.pipeName ?? arrayName };
      }
    }
    if (!creation && array?.type === "field_expression") {
      const fact = this.fieldFilledElsewhere(array, scope, subscript, base);
      if (fact) return fact;
    }
    if (!creation) return base;
    const { call, nonblock } = creation;
    const fact: FdFact = {
      ...base,
      kind: "pipe",
      originRange: toRange(call.node),
      nonblock,
      pipeSizeBytes: this.fcntl.pipeSize(arrayName),
    };
    if (indexValue.kind !== "const" || (indexValue.value !== 0 && indexValue.value !== 1))
      return { ...fact, explanation: `${clip(subscript.text)}: the pipe index cannot be folded to 0 or 1` };
    const pipeIndex = indexValue.value as 0 | 1;
    const changed = array ? this.changedAfterCreation(array, subscript, scope, pipeIndex) : null;
    if (changed)
      return { ...fact, explanation: `${clip(subscript.text)} may be changed by ${changed} before this use` };
    const direction: Direction = pipeIndex === 1 ? "to-pipe" : "from-pipe";
    return {
      ...fact,
      pipeIndex,
      direction,
      explanation: `${clip(subscript.text)} is the ${pipeIndex === 1 ? "write" : "read"} end of the pipe created by ${clip(call.node.text, 40)}`,
    };
  }

  /**
   * A change to the pipe array between its pipe() call and this use that the pipe's identity does not follow: an
   * element stored over (`p[1] = socket(…)`), the array handed to a function that may write into it (`mystery(p)`),
   * an alias written through (`int *w = &p[1]; *w = 1;`). The clobber that reaches the use on some path, or null.
   */
  private changedAfterCreation(
    array: Node,
    subscript: Node,
    scope: FunctionScope | null,
    index: number,
  ): string | null {
    if (!scope) return null;
    const node = unwrap(array);
    let root = node;
    let memberArray: string | undefined;
    let pointer = true;
    if (node?.type === "field_expression") {
      root = unwrap(node.childForFieldName("argument"));
      memberArray = node.childForFieldName("field")?.text;
      pointer = node.childForFieldName("operator")?.text === "->";
    }
    if (root?.type !== "identifier") return null;
    // The clobbers and the creations depend on the array and the function, not on the use: thousands of calls on one
    // pipe array share them (the walk to each use stays per use).
    const key = `${scope.node.id}:${root.text}:${pointer ? "*" : ""}:${memberArray ?? ""}:${index}`;
    let found = this.arrayClobbers.get(key);
    if (!found) {
      found = this.arrayClobbersOf(root.text, pointer, memberArray, scope, index);
      this.arrayClobbers.set(key, found);
    }
    if (found.clobbers.length === 0) return null;
    return reachingClobber(scope, found.clobbers, found.creations, subscript);
  }

  private readonly arrayClobbers = new Map<string, { clobbers: Clobber[]; creations: Definition[] }>();

  private arrayClobbersOf(
    root: string,
    pointer: boolean,
    memberArray: string | undefined,
    scope: FunctionScope,
    index: number,
  ): { clobbers: Clobber[]; creations: Definition[] } {
    const creates = (call: Node) => this.creations.createsInto(call);
    const clobbers = clobbersOf(this.index, scope, {
      root,
      pointer,
      memberArray,
      memberStores: false,
      element: {
        index,
        fold: (at) => {
          const value = this.evaluator.value(at, { scope: this.index.scopeOf(at) });
          return value.kind === "const" ? value.value : null;
        },
      },
      except: creates,
    });
    if (clobbers.length === 0) return { clobbers, creations: [] };
    const creations: Definition[] = scope.calls
      .filter((site) => creates(site.node) && site.args.some((argument) => mentions(argument, root)))
      .map((site) => ({ name: root, kind: "out-param", value: site.node, site: site.node, declaration: null }));
    return { clobbers, creations };
  }

  /**
   * A struct member array no pipe() of this unit fills, but one of another file does (`pipe(ppb->p)` in page-pipe.c):
   * its direction is known, with the identity across files (the struct type and field) named as an assumption, so a
   * page that depends on it is never "move". Fills that disagree (a pipe here, a socket pair there) decide nothing.
   */
  private fieldFilledElsewhere(array: Node, scope: FunctionScope | null, subscript: Node, base: FdFact): FdFact | null {
    const key = this.creations.arrayKey(array, scope);
    if (!key) return null;
    const fills = (this.project.fieldFills ?? []).filter((fill) => `${fill.type}.${fill.field}` === key);
    if (fills.length === 0 || fills.some((fill) => fill.creates !== fills[0].creates)) return null;
    const fill = fills[0];
    const where = `${fill.file}:${fill.line}`;
    const assumption = `${clip(array.text)} is filled in another file (${fills.length === 1 ? where : `${fills.length} places, first ${where}`}), matched by ${fill.type} and ${fill.field} across files`;
    if (fill.creates === "socketpair")
      return {
        ...base,
        kind: "not-pipe",
        assumption,
        explanation: `${clip(array.text)} is filled by socketpair() in ${where}`,
      };
    const indexValue = this.evaluator.value(subscriptIndex(subscript), { scope });
    if (indexValue.kind !== "const" || (indexValue.value !== 0 && indexValue.value !== 1)) return null;
    const pipeIndex = indexValue.value as 0 | 1;
    return {
      ...base,
      kind: "pipe",
      assumption,
      pipeIndex,
      direction: pipeIndex === 1 ? "to-pipe" : "from-pipe",
      nonblock: fills.every((item) => item.nonblock === fill.nonblock) ? fill.nonblock : null,
      explanation: `${clip(subscript.text)} is the ${pipeIndex === 1 ? "write" : "read"} end of the pipe made in ${where}`,
    };
  }

  /** The one assignment `x.name[index] = value` / `name[index] = value` in the file, if there is exactly one. */
  private elementAssignment(name: string, index: number): { value: Node; site: Node } | null {
    const found = this.elementAssignments(name).filter((assignment) => assignment.index === index);
    return found.length === 1 ? found[0] : null;
  }

  /** Per array name, every `x.name[k] = value` / `name[k] = value` with a constant k: one scan of the name per file. */
  private readonly elementAssignmentsByName = new Map<string, { index: number; value: Node; site: Node }[]>();

  private elementAssignments(name: string): { index: number; value: Node; site: Node }[] {
    const cached = this.elementAssignmentsByName.get(name);
    if (cached) return cached;
    const found: { index: number; value: Node; site: Node }[] = [];
    for (const identifier of this.index.identifierNodes(name)) {
      let holder: Node | null = parentOf(identifier);
      if (holder?.type === "field_expression") holder = parentOf(holder);
      if (holder?.type !== "subscript_expression") continue;
      const indexValue = this.evaluator.value(subscriptIndex(holder), { scope: this.index.scopeOf(holder) });
      const assignment = parentOf(holder);
      if (indexValue.kind !== "const") continue;
      if (
        assignment?.type === "assignment_expression" &&
        assignment.childForFieldName("left")?.id === holder.id &&
        assignment.childForFieldName("operator")?.text === "="
      ) {
        const value = assignment.childForFieldName("right");
        if (value) found.push({ index: indexValue.value, value, site: assignment });
      }
    }
    this.elementAssignmentsByName.set(name, found);
    return found;
  }

  private readonly descriptorKeys = new Map<number, string | null>();

  /**
   * Which descriptor an expression denotes, by resolution: the pipe()/open() call that made it plus the pipe index,
   * else the declaration of the variable holding it. Spelling (`fds[ 0 ]`, comments) never matters. Null: unresolved.
   */
  descriptorKey(node: Node, scope: FunctionScope | null): string | null {
    const cached = this.descriptorKeys.get(node.id);
    if (cached !== undefined) return cached;
    const fact = this.fdOrigin(node, scope, 0);
    let key: string | null = null;
    if (fact.originRange) key = `origin@${fact.originRange.startIndex}:${fact.pipeIndex ?? "?"}`;
    else {
      const expression = unwrap(node);
      if (expression?.type === "identifier") {
        const declaration = declarationOfName(expression.text, expression, scope, this.index);
        key = declaration ? `variable@${declaration.startIndex}:${expression.text}` : null;
      } else if (expression?.type === "subscript_expression") key = this.creations.elementKey(expression, scope);
    }
    this.descriptorKeys.set(node.id, key);
    return key;
  }
}

function agreeFd(facts: FdFact[], name: string, fallback: FdFact): FdFact {
  if (facts.length === 0) return fallback;
  const first = facts[0];
  for (const other of facts.slice(1)) {
    if (other.direction !== first.direction || other.kind !== first.kind)
      return { ...fallback, explanation: `${name} holds different descriptors on different paths` };
  }
  return first;
}
