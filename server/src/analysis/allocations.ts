/**
 * Allocations: the buffer an allocator call creates (mmap with its flags and the descriptor it maps, malloc and friends,
 * aligned allocators, alloca, shmat, posix_memalign's out-parameter) and the buffer a stack or static array declares
 * (storage, alignment attributes, size, constness). buffers.ts follows pointers to these origins.
 *
 * Unknown facts stay unknown and say why. Pure; no I/O, no editor or protocol imports.
 */
import type { Node } from "web-tree-sitter";
import type { MemoryKind, Origin, SymValue } from "./facts";
import { reachingDefinitions, type FileIndex } from "./scope";
import { callArguments, callName, namedChildren, unwrap } from "./syntax";
import { parentOf } from "./ancestry";
import type { PointerFact, Provenance } from "./buffers";
import { Evaluator, type EvalContext } from "./values";
import { clip, simplify } from "./sym-values";

/** A fresh allocation at `node`: writable, not yet filled, at offset zero (the fields given override those defaults). */
type AllocationFields = [
  origin: Origin,
  memory: MemoryKind,
  alignment: SymValue | null,
  size: SymValue | null,
  explanation: string,
  extra?: Partial<Provenance>,
];

function allocated(
  node: Node,
  ...[origin, memory, alignment, size, explanation, extra = {}]: AllocationFields
): PointerFact {
  return {
    buffer: {
      origin,
      memory,
      alignment,
      size,
      writable: true,
      populated: false,
      originNode: node,
      explanation,
      names: new Set(),
      ...extra,
    },
    offset: { kind: "const", value: 0 },
    missing: null,
  };
}

function firstReason(value: SymValue): string {
  return value.kind === "unknown" ? value.reason : "not a constant";
}

/** The allocation facts of one file, folded through the shared evaluator. */
export class Allocations {
  constructor(
    private readonly index: FileIndex,
    private readonly evaluator: Evaluator,
  ) {}

  /** A buffer an allocator returns (mmap, malloc, calloc, aligned_alloc, alloca, shmat, ...); null for other calls. */
  call(name: string, node: Node, args: Node[], context: EvalContext): PointerFact | null {
    const evaluate = (argument: Node | undefined) => this.evaluator.value(argument ?? null, context);
    const provenance = (...fields: AllocationFields): PointerFact => allocated(node, ...fields);
    switch (name) {
      case "mmap":
      case "mmap64":
        return this.mmap(node, args, context);
      case "malloc":
        return provenance(
          "malloc",
          "heap",
          { kind: "const", value: 16 },
          evaluate(args[0]),
          "malloc() returns 16-byte aligned heap memory, not page-aligned",
        );
      case "calloc":
        return provenance(
          "calloc",
          "heap",
          { kind: "const", value: 16 },
          simplify({ kind: "binary", operator: "*", left: evaluate(args[0]), right: evaluate(args[1]) }),
          "calloc() returns 16-byte aligned heap memory, not page-aligned",
        );
      case "realloc":
      case "reallocarray":
        return provenance(
          "realloc",
          "heap",
          { kind: "const", value: 16 },
          evaluate(args[1]),
          "realloc() returns 16-byte aligned heap memory, not page-aligned",
          { populated: true },
        );
      case "aligned_alloc":
      case "memalign":
        return provenance(
          name === "memalign" ? "memalign" : "aligned_alloc",
          "heap",
          evaluate(args[0]),
          evaluate(args[1]),
          `${name}() with alignment ${clip(args[0]?.text ?? "?")}`,
        );
      case "valloc":
        return provenance(
          "valloc",
          "heap",
          { kind: "page" },
          evaluate(args[0]),
          "valloc() returns page-aligned memory",
        );
      case "pvalloc":
        return provenance(
          "pvalloc",
          "heap",
          { kind: "page" },
          evaluate(args[0]),
          "pvalloc() returns page-aligned memory",
        );
      case "alloca":
      case "__builtin_alloca":
        return provenance(
          "stack-array",
          "stack",
          { kind: "const", value: 16 },
          evaluate(args[0]),
          "alloca() returns stack memory, not page-aligned",
        );
      case "strdup":
      case "strndup":
        return provenance("malloc", "heap", { kind: "const", value: 16 }, null, `${name}() returns malloc'd memory`, {
          populated: true,
        });
      case "shmat":
        return provenance(
          "unknown",
          "shmem",
          { kind: "page" },
          null,
          "shmat() attaches System V shared memory (shmem)",
          { populated: false },
        );
    }
    return null;
  }

  private mmap(node: Node, args: Node[], context: EvalContext): PointerFact {
    const zero: SymValue = { kind: "const", value: 0 };
    const prot = this.evaluator.value(args[2] ?? null, context);
    const flags = this.evaluator.value(args[3] ?? null, context);
    const size = this.evaluator.value(args[1] ?? null, context);
    const writable = prot.kind === "const" ? (prot.value & 2) !== 0 : null;
    if (flags.kind !== "const") {
      return {
        buffer: {
          origin: "mmap",
          memory: "unknown",
          alignment: { kind: "page" },
          size,
          writable,
          populated: false,
          originNode: node,
          explanation: `mmap() with flags the analyzer cannot fold (${firstReason(flags)})`,
          names: new Set(),
        },
        offset: zero,
        missing: null,
      };
    }
    const shared = (flags.value & 3) === 1 || (flags.value & 3) === 3;
    const anonymous = (flags.value & 0x20) !== 0;
    const hugetlb = (flags.value & 0x40000) !== 0;
    const populated = (flags.value & 0x8000) !== 0;
    let memory: MemoryKind;
    let explanation: string;
    if (hugetlb) {
      memory = "hugetlb";
      explanation = "mmap(MAP_HUGETLB) memory is backed by hugetlb pages";
    } else if (anonymous) {
      memory = shared ? "shmem" : "private-anon";
      explanation = shared
        ? "mmap(MAP_SHARED|MAP_ANONYMOUS) memory is shmem, not anonymous"
        : "mmap(MAP_PRIVATE|MAP_ANONYMOUS) memory: page-aligned private anonymous pages";
    } else {
      const fdKind = this.fdMemoryKind(args[4] ?? null, context);
      if (fdKind === "shmem") {
        memory = "shmem";
        explanation = "mmap() of a memfd or shm_open descriptor is shmem, not anonymous";
      } else {
        memory = shared ? "shared-file" : "private-file";
        explanation = shared
          ? "mmap(MAP_SHARED) of a file: page-cache pages"
          : "mmap(MAP_PRIVATE) of a file: page-cache pages until written";
      }
    }
    return {
      buffer: {
        origin: "mmap",
        memory,
        alignment: { kind: "page" },
        size,
        writable,
        populated: populated && !shared,
        originNode: node,
        explanation,
        names: new Set(),
      },
      offset: zero,
      missing: null,
    };
  }

  /** shmem when the descriptor comes from memfd_create() or shm_open(); otherwise a file. */
  private fdMemoryKind(node: Node | null, context: EvalContext): "shmem" | "file" {
    const expression = unwrap(node);
    if (expression?.type !== "identifier" || !context.scope) return "file";
    for (const definition of reachingDefinitions(context.scope, expression.text, expression)) {
      const value = unwrap(definition.value);
      if (value?.type === "call_expression" && ["memfd_create", "shm_open"].includes(callName(value) ?? ""))
        return "shmem";
    }
    return "file";
  }

  /** A buffer a call stores through a pointer argument (posix_memalign); otherwise why it is unknown. */
  outParam(call: Node, name: string, context: EvalContext): PointerFact {
    const callee = callName(call);
    const args = callArguments(call);
    const zero: SymValue = { kind: "const", value: 0 };
    if (callee === "posix_memalign") {
      const alignment = this.evaluator.value(args[1] ?? null, context);
      return {
        buffer: {
          origin: "posix_memalign",
          memory: "heap",
          alignment,
          size: this.evaluator.value(args[2] ?? null, context),
          writable: true,
          populated: false,
          originNode: call,
          explanation: `posix_memalign() with alignment ${clip(args[1]?.text ?? "?")}`,
          names: new Set(),
        },
        offset: zero,
        missing: null,
      };
    }
    return {
      buffer: null,
      offset: zero,
      missing: `${name} is set by ${callee ?? "a call"}(), which the analyzer cannot see`,
    };
  }

  /** A stack or static array: its storage, declared alignment, size and constness. */
  array(declaration: Node, name: string, fileScope: boolean, context: EvalContext): Provenance {
    const storage = namedChildren(declaration).find((child) => child.type === "storage_class_specifier")?.text;
    const isStatic = fileScope || storage === "static";
    const alignment = this.declaredAlignment(declaration, context);
    const size = this.evaluator.declaredSize(declaration, name, context);
    return {
      origin: isStatic ? "static-array" : "stack-array",
      memory: isStatic ? "static" : "stack",
      alignment: alignment ?? { kind: "const", value: 16 },
      size,
      writable: !namedChildren(declaration).some((child) => child.type === "type_qualifier" && child.text === "const"),
      populated: false,
      originNode: declaration,
      explanation: alignment
        ? `${isStatic ? "static" : "stack"} array ${name} with an alignment attribute`
        : `${isStatic ? "static" : "stack"} array ${name} without an alignment attribute: not page-aligned`,
      names: new Set([name]),
    };
  }

  /** `__attribute__((aligned(N)))`, `_Alignas(N)` or `alignas(N)` on a declaration. */
  private declaredAlignment(declaration: Node, context: EvalContext): SymValue | null {
    let found: SymValue | null = null;
    const visit = (node: Node) => {
      if (found) return;
      if (node.type === "call_expression" && (callName(node) === "aligned" || callName(node) === "__aligned__")) {
        found = this.evaluator.value(callArguments(node)[0] ?? null, context);
        return;
      }
      if (
        node.type === "identifier" &&
        (node.text === "aligned" || node.text === "__aligned__") &&
        parentOf(node)?.type === "attribute"
      ) {
        found = { kind: "const", value: 16 };
        return;
      }
      if (node.type === "alignas_qualifier" || node.text.startsWith("_Alignas") || node.text.startsWith("alignas")) {
        const argument = namedChildren(node)[0];
        if (node.type === "alignas_qualifier" && argument) {
          found = this.evaluator.value(argument, context);
          return;
        }
      }
      for (const child of namedChildren(node)) visit(child);
    };
    for (const child of namedChildren(declaration)) {
      if (
        child.type === "attribute_specifier" ||
        child.type === "attribute_declaration" ||
        child.type === "alignas_qualifier" ||
        child.type === "type_qualifier" ||
        child.type.endsWith("declarator")
      )
        visit(child);
    }
    // tree-sitter-c 0.24 does not accept a trailing `__attribute__((aligned(N)))` after an array declarator: it closes the
    // declaration with a MISSING ';' and starts the next one with the attribute. Take the attribute from there.
    const last = declaration.lastChild;
    const next = this.index.nextNamedSibling(declaration);
    if (!found && last?.isMissing && next) {
      const attribute = namedChildren(next)[0];
      if (attribute?.type === "attribute_specifier") visit(attribute);
    }
    return found;
  }
}
