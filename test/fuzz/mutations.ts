/**
 * Robustness mutations: inputs the analyzer must survive without an exception, a hang, or a move it cannot justify.
 * Token-level mutations work on tree-sitter leaves (`syntax.ts`); byte-level ones on the UTF-8 encoding of the text.
 * Each mutator returns the new text and a one-line description (positions as line:column), or null when it does not
 * apply to this input.
 */
import type { Tree } from "web-tree-sitter";
import type { Rng } from "./random";
import { tokens as tokensOf, nodesOfType, type Token } from "./syntax";

export interface MutationInput {
  text: string;
  tree: Tree;
  tokens: Token[];
  rng: Rng;
  /** Token texts of the whole corpus by node type, for grammar-aware replacement. */
  dictionary: ReadonlyMap<string, readonly string[]>;
  /** Largest nesting depth or number of copied calls (the smoke run keeps these small to stay fast). */
  maxScale: number;
}

export interface Mutation {
  text: string;
  description: string;
}

export interface Mutator {
  name: string;
  /** Relative frequency; the expensive ones (thousands of calls, deep nesting) are rare. */
  weight: number;
  apply(input: MutationInput): Mutation | null;
}

function position(text: string, index: number): string {
  let line = 1;
  let lineStart = 0;
  for (let cursor = text.indexOf("\n"); cursor !== -1 && cursor < index; cursor = text.indexOf("\n", cursor + 1)) {
    line++;
    lineStart = cursor + 1;
  }
  return `${line}:${index - lineStart + 1}`;
}

function clip(text: string, width = 24): string {
  const flat = JSON.stringify(text);
  return flat.length > width ? `${flat.slice(0, width)}…` : flat;
}

const FOCUS = new Set([
  "vmsplice",
  "splice",
  "syscall",
  "iov",
  "iov_base",
  "iov_len",
  "SPLICE_F_GIFT",
  "SPLICE_F_MOVE",
]);

/** A token index, half the time near a vmsplice-related token (where the analyzer's interesting code runs). */
function focusIndex(input: MutationInput): number {
  const { tokens, rng } = input;
  if (rng.chance(0.6)) {
    const anchors = tokens.flatMap((token, index) => (FOCUS.has(token.text) ? [index] : []));
    if (anchors.length > 0) {
      const anchor = rng.pick(anchors);
      return Math.max(0, Math.min(tokens.length - 1, anchor + rng.range(-12, 30)));
    }
  }
  return rng.int(tokens.length);
}

const encoder = new TextEncoder();
const lossy = new TextDecoder("utf-8", { fatal: false });

const byteFlip: Mutator = {
  name: "byte-flip",
  weight: 10,
  apply({ text, rng }) {
    const bytes = encoder.encode(text);
    if (bytes.length === 0) return null;
    const count = rng.range(1, 6);
    const where: number[] = [];
    for (let index = 0; index < count; index++) {
      const at = rng.int(bytes.length);
      bytes[at] = rng.chance(0.5) ? bytes[at] ^ (1 << rng.int(8)) : rng.int(256);
      where.push(at);
    }
    return { text: lossy.decode(bytes), description: `byte-flip at bytes ${where.join(",")}` };
  },
};

const tokenDelete: Mutator = {
  name: "token-delete",
  weight: 14,
  apply(input) {
    const { tokens, text, rng } = input;
    if (tokens.length === 0) return null;
    const first = focusIndex(input);
    const last = Math.min(tokens.length - 1, first + rng.weighted([[6, 0] as const, [2, 1], [1, rng.range(2, 6)]]));
    const start = tokens[first].start;
    const end = tokens[last].end;
    return {
      text: text.slice(0, start) + text.slice(end),
      description: `token-delete ${clip(text.slice(start, end))} at ${position(text, start)}`,
    };
  },
};

const tokenDuplicate: Mutator = {
  name: "token-duplicate",
  weight: 10,
  apply(input) {
    const { tokens, text, rng } = input;
    if (tokens.length === 0) return null;
    const first = focusIndex(input);
    const last = Math.min(tokens.length - 1, first + rng.weighted([[5, 0] as const, [3, rng.range(1, 4)]]));
    const start = tokens[first].start;
    const end = tokens[last].end;
    const copy = text.slice(start, end);
    return {
      text: text.slice(0, end) + " " + copy + text.slice(end),
      description: `token-duplicate ${clip(copy)} at ${position(text, start)}`,
    };
  },
};

const tokenReplace: Mutator = {
  name: "token-replace",
  weight: 16,
  apply(input) {
    const { tokens, text, rng, dictionary } = input;
    if (tokens.length === 0) return null;
    const token = tokens[focusIndex(input)];
    const choices = dictionary.get(token.type);
    if (!choices || choices.length < 2) return null;
    const replacement = rng.pick(choices);
    if (replacement === token.text) return null;
    return {
      text: text.slice(0, token.start) + replacement + text.slice(token.end),
      description: `token-replace ${clip(token.text)}→${clip(replacement)} at ${position(text, token.start)}`,
    };
  },
};

const tokenSwap: Mutator = {
  name: "token-swap",
  weight: 5,
  apply(input) {
    const { tokens, text } = input;
    if (tokens.length < 2) return null;
    const index = Math.min(tokens.length - 2, focusIndex(input));
    const [left, right] = [tokens[index], tokens[index + 1]];
    return {
      text:
        text.slice(0, left.start) + right.text + text.slice(left.end, right.start) + left.text + text.slice(right.end),
      description: `token-swap ${clip(left.text)} ${clip(right.text)} at ${position(text, left.start)}`,
    };
  },
};

const truncate: Mutator = {
  name: "truncate",
  weight: 8,
  apply(input) {
    const { tokens, text, rng } = input;
    if (text.length === 0) return null;
    const at =
      tokens.length > 0 && rng.chance(0.7)
        ? rng.chance(0.5)
          ? tokens[focusIndex(input)].start
          : tokens[focusIndex(input)].end
        : rng.int(text.length);
    return { text: text.slice(0, at), description: `truncate at ${position(text, at)}` };
  },
};

const DEPTHS = [64, 500, 2000, 5000] as const;

const deepNesting: Mutator = {
  name: "deep-nesting",
  weight: 2,
  apply(input) {
    const { tokens, text, rng, tree } = input;
    if (tokens.length === 0) return null;
    const depth = Math.min(input.maxScale, rng.pick(DEPTHS));
    const shape = rng.pick(["parens", "braces", "unclosed", "unary", "cast", "subscript", "ternary"] as const);
    if (shape === "braces") {
      const statements = nodesOfType(tree, new Set(["expression_statement", "declaration", "return_statement"])).filter(
        ({ node }) => node.parent?.type === "compound_statement",
      );
      if (statements.length === 0) return null;
      const { node } = rng.pick(statements);
      return {
        text:
          text.slice(0, node.startIndex) +
          "{".repeat(depth) +
          text.slice(node.startIndex, node.endIndex) +
          "}".repeat(depth) +
          text.slice(node.endIndex),
        description: `deep-nesting ${depth} braces around ${clip(node.text)} at ${position(text, node.startIndex)}`,
      };
    }
    const operands = tokens.filter((token) => token.type === "identifier" || token.type === "number_literal");
    if (operands.length === 0) return null;
    const near = tokens[focusIndex(input)];
    const token = operands.reduce((best, candidate) =>
      Math.abs(candidate.start - near.start) < Math.abs(best.start - near.start) ? candidate : best,
    );
    const wrap = (open: string, close: string) =>
      text.slice(0, token.start) + open.repeat(depth) + token.text + close.repeat(depth) + text.slice(token.end);
    const replaced =
      shape === "parens"
        ? wrap("(", ")")
        : shape === "unclosed"
          ? text.slice(0, token.start) + "(".repeat(depth) + text.slice(token.start)
          : shape === "unary"
            ? text.slice(0, token.start) + "- ~".repeat(depth) + text.slice(token.start)
            : shape === "cast"
              ? text.slice(0, token.start) + "(long)".repeat(depth) + text.slice(token.start)
              : shape === "subscript"
                ? wrap(`${token.text}[`, "]")
                : wrap(`${token.text} ? (`, `) : 0`);
    return {
      text: replaced,
      description: `deep-nesting ${depth} ${shape} at ${clip(token.text)} ${position(text, token.start)}`,
    };
  },
};

const manyCalls: Mutator = {
  name: "many-calls",
  weight: 1,
  apply({ text, tree, rng, maxScale }) {
    const calls = nodesOfType(tree, new Set(["call_expression"])).filter(({ node }) =>
      /splice/.test(node.childForFieldName("function")?.text ?? ""),
    );
    if (calls.length === 0) return null;
    const { node } = rng.pick(calls);
    let statement = node;
    while (statement.parent && statement.parent.type !== "compound_statement") statement = statement.parent;
    if (!statement.parent) return null;
    const count = Math.min(maxScale, rng.pick([300, 1000, 3000]));
    const copies = Array.from({ length: count }, () => `${node.text};`).join("\n");
    return {
      text: text.slice(0, statement.endIndex) + "\n" + copies + text.slice(statement.endIndex),
      description: `many-calls ${count} copies of ${clip(node.text, 40)} after ${position(text, statement.startIndex)}`,
    };
  },
};

const INVALID_UTF8: readonly number[][] = [
  [0xff],
  [0xfe, 0xff],
  [0xc0, 0x80],
  [0x80],
  [0xbf, 0xbf],
  [0xe2, 0x82],
  [0xed, 0xa0, 0x80],
  [0xf4, 0x90, 0x80, 0x80],
  [0xf8, 0x88, 0x80, 0x80, 0x80],
  [0xc3],
];

const invalidUtf8: Mutator = {
  name: "invalid-utf8",
  weight: 6,
  apply(input) {
    const { text, tokens, rng } = input;
    const mode = rng.pick(["lossy", "latin1", "surrogate"] as const);
    const at =
      tokens.length > 0 && rng.chance(0.7)
        ? tokens[focusIndex(input)].start + rng.range(0, 2)
        : rng.int(text.length + 1);
    const bytes = encoder.encode(text.slice(0, at));
    const rest = encoder.encode(text.slice(at));
    if (mode === "surrogate") {
      const unit = rng.pick(["\ud800", "\udfff", "\udc00\ud800", "\ufeff", "\u0085", "\u2028"]);
      return {
        text: text.slice(0, at) + unit + text.slice(at),
        description: `invalid-utf8 UTF-16 ${clip(unit)} at ${position(text, at)}`,
      };
    }
    const bad = rng.pick(INVALID_UTF8);
    const joined = new Uint8Array(bytes.length + bad.length + rest.length);
    joined.set(bytes, 0);
    joined.set(bad, bytes.length);
    joined.set(rest, bytes.length + bad.length);
    const decoded = mode === "lossy" ? lossy.decode(joined) : Buffer.from(joined).toString("latin1");
    return {
      text: decoded,
      description: `invalid-utf8 ${bad.map((byte) => byte.toString(16)).join(" ")} decoded as ${mode} at ${position(text, at)}`,
    };
  },
};

const nulBytes: Mutator = {
  name: "nul-bytes",
  weight: 5,
  apply(input) {
    const { text, tokens, rng } = input;
    const run = "\0".repeat(rng.pick([1, 1, 3, 1000]));
    const at =
      tokens.length > 0 && rng.chance(0.7)
        ? (() => {
            const token = tokens[focusIndex(input)];
            return token.start + rng.int(token.end - token.start + 1);
          })()
        : rng.int(text.length + 1);
    return {
      text: text.slice(0, at) + run + text.slice(at),
      description: `nul-bytes ${run.length} at ${position(text, at)}`,
    };
  },
};

const HUGE_NUMBERS = [
  "18446744073709551615",
  "18446744073709551616",
  "0xFFFFFFFFFFFFFFFFFFFFFFFF",
  "99999999999999999999999999999999999999",
  "9007199254740993",
  "2147483648",
  "4294967296",
  "0x7fffffff",
  "-9223372036854775808",
  "1e308",
  "1e999",
  "0x1p4",
  "4096.0",
  "4096ULL",
  "4096u",
  "0b1000000000000",
  "010000",
  "1'000'000",
  "0",
  "-1",
  "1 << 62",
  "1 << 1000",
  "1 << -1",
  "4096 * 4096 * 4096 * 4096",
  "1 / 0",
  "1 % 0",
  "1024 * 1024 * 1024",
];

const hugeNumber: Mutator = {
  name: "huge-number",
  weight: 10,
  apply(input) {
    const { text, tokens, rng } = input;
    const numbers = tokens.filter((token) => token.type === "number_literal");
    const operands =
      numbers.length > 0 && rng.chance(0.8) ? numbers : tokens.filter((token) => token.type === "identifier");
    if (operands.length === 0) return null;
    const near = tokens[focusIndex(input)];
    const candidates = [...operands].sort(
      (left, right) => Math.abs(left.start - near.start) - Math.abs(right.start - near.start),
    );
    const token = candidates[Math.min(candidates.length - 1, rng.int(3))];
    const value = rng.pick(HUGE_NUMBERS);
    return {
      text: text.slice(0, token.start) + value + text.slice(token.end),
      description: `huge-number ${clip(token.text)}→${clip(value)} at ${position(text, token.start)}`,
    };
  },
};

export const MUTATORS: readonly Mutator[] = [
  byteFlip,
  tokenDelete,
  tokenDuplicate,
  tokenReplace,
  tokenSwap,
  truncate,
  deepNesting,
  manyCalls,
  invalidUtf8,
  nulBytes,
  hugeNumber,
];

/** Token texts by node type over a set of trees (each list deduplicated and sorted, so it is the same on every run). */
export function buildDictionary(sources: readonly { tree: Tree; text: string }[]): Map<string, string[]> {
  const sets = new Map<string, Set<string>>();
  for (const { tree, text } of sources)
    for (const token of tokensOf(tree, text)) {
      if (token.inError || token.end - token.start > 80) continue;
      let set = sets.get(token.type);
      if (!set) sets.set(token.type, (set = new Set()));
      set.add(token.text);
    }
  return new Map([...sets].map(([type, set]) => [type, [...set].sort()]));
}
