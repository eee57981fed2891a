/**
 * The algebra of symbolic values (`SymValue`) shared by the evaluator and every unit that reads its results: the
 * unknown value with its reason, structural equality, folding of constant subexpressions, and how a value reads in a
 * message. values.ts folds C expressions into these values.
 * Pure; no I/O, no tree-sitter nodes.
 */
import { evaluate, type SymValue } from "./facts";

export const unknown = (reason: string): SymValue => ({ kind: "unknown", reason });

export function isUnknown(value: SymValue): value is { kind: "unknown"; reason: string } {
  return value.kind === "unknown";
}

/** Structural equality of symbolic values (used to check that every call site or branch agrees). */
export function sameValue(left: SymValue, right: SymValue): boolean {
  if (left.kind !== right.kind) return false;
  switch (left.kind) {
    case "const":
      return left.value === (right as typeof left).value;
    case "page":
    case "index":
      return true;
    case "unknown":
      return false;
    case "unary":
      return (
        left.operator === (right as typeof left).operator && sameValue(left.operand, (right as typeof left).operand)
      );
    case "binary":
      return (
        left.operator === (right as typeof left).operator &&
        sameValue(left.left, (right as typeof left).left) &&
        sameValue(left.right, (right as typeof left).right)
      );
  }
}

export function firstUnknownReason(value: SymValue): string | null {
  switch (value.kind) {
    case "unknown":
      return value.reason;
    case "unary":
      return firstUnknownReason(value.operand);
    case "binary":
      return firstUnknownReason(value.left) ?? firstUnknownReason(value.right);
    default:
      return null;
  }
}

/** Folds constant subexpressions and normalises `x * 1`, `x + 0`. */
export function simplify(value: SymValue): SymValue {
  if (value.kind === "binary") {
    const { left, right } = value;
    if (left.kind === "const" && right.kind === "const") {
      const folded = foldConst(value.operator, left.value, right.value);
      if (folded !== null)
        return { kind: "const", value: folded, literalPageSize: left.literalPageSize ?? right.literalPageSize };
    }
    if (value.operator === "*" && right.kind === "const" && right.value === 1 && !right.literalPageSize) return left;
    if (value.operator === "*" && left.kind === "const" && left.value === 1 && !left.literalPageSize) return right;
    if ((value.operator === "+" || value.operator === "-") && right.kind === "const" && right.value === 0) return left;
    if (value.operator === "+" && left.kind === "const" && left.value === 0) return right;
  }
  if (value.kind === "unary" && value.operand.kind === "const") {
    const operand = value.operand.value;
    return { kind: "const", value: value.operator === "-" ? -operand : Number(BigInt.asIntN(64, ~BigInt(operand))) };
  }
  return value;
}

function foldConst(operator: string, left: number, right: number): number | null {
  const value: SymValue = {
    kind: "binary",
    operator: operator as "+",
    left: { kind: "const", value: left },
    right: { kind: "const", value: right },
  };
  // Reuse the shared evaluator so the folding rules exist once.
  return evaluateConst(value);
}

function evaluateConst(value: SymValue): number | null {
  return evaluate(value, 0);
}

/** A value for a message: hex for flag-like constants, decimal otherwise. */
export function describeValue(value: SymValue): string {
  switch (value.kind) {
    case "const":
      return value.value > 9 && value.value < 0x10000 && (value.value & (value.value - 1)) !== 0
        ? `0x${value.value.toString(16)}`
        : String(value.value);
    case "page":
      return "the page size";
    case "index":
      return "the loop index";
    case "unknown":
      return `unknown (${value.reason})`;
    case "unary":
      return `${value.operator}${describeValue(value.operand)}`;
    case "binary":
      return `${describeValue(value.left)} ${value.operator} ${describeValue(value.right)}`;
  }
}

export function clip(text: string, length = 60): string {
  // Only the start is shown: a huge node's text (an ERROR region of thousands of calls) is not flattened whole.
  const flat = (text.length > length * 8 ? text.slice(0, length * 8) : text).replace(/\s+/g, " ");
  return flat.length > length ? `${flat.slice(0, length - 1)}…` : flat;
}
