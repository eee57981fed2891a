/**
 * A project summary (analysis/summary.ts) of a large C text without a full parse (issue 12): the CLI's project index
 * summarised its main file by parsing it whole again, which undid the engine's reduced parse (regions.ts).
 *
 * A summary has two kinds of content:
 * - what follows relevant code: the wrappers (items naming splice), the pipe fillers and the struct members filled
 *   with pipes (items naming pipe, pipe2 or socketpair, another file's filler, or a filler of this file). These come
 *   from reduced parses iterated to a fixpoint over what the summary read, exactly as the engine's facts do
 *   (`relevantSummary`), with the names of this file's fillers (static ones and function-like macros included) searched
 *   like read names, since their callers fill pipes without naming a pipe creator;
 * - what covers the whole file: the functions defined and the names called. Only membership of given names is ever
 *   asked of them (Project: "does this file define or call NAME"), and a call of NAME or a definition named NAME lies
 *   in a top-level item (or a preprocessor line, always kept) holding NAME as a whole identifier, so `namesSummary`
 *   answers for a few names from a parse of only the items holding them.
 * Both are null when the reduction is unsure (regions.ts): the caller then summarises the full parse. Equality with
 * the full parse's summary is tested over every fixture, sample, project and generated large file
 * (test/unit/reduced-summary.test.ts).
 *
 * Pure apart from the parse it is given.
 */
import type { Tree } from "web-tree-sitter";
import type { ExternalPipeFiller } from "../analysis/pipe-fillers";
import { summarizeFileWithReads, type FileSummary } from "../analysis/summary";
import { callName, functionName, isStatic } from "../analysis/syntax";
import { referencedNames } from "../analysis/scope";
import { ItemTable, reduceToFixpoint, type IncludedRange, type ReducedResult, type TableView } from "./regions";

/** A parse of a text restricted to ranges (web-tree-sitter's `includedRanges`); null when the parser gives up. */
export type RangedParse = (text: string, ranges: IncludedRange[]) => Tree | null;

/** The parts of a summary that follow relevant code. */
export type RelevantSummary = Pick<FileSummary, "wrappers" | "pipeFillers" | "fieldFills">;

/** The parts of a summary that cover the whole file, restricted to some names. */
export type NamesSummary = Pick<FileSummary, "defined" | "definedAll" | "called" | "referenced">;

/** Words any occurrence of which keeps an item from the first round. */
export function summaryTriggers(known: readonly ExternalPipeFiller[]): string[] {
  return ["splice", "pipe", "socketpair", ...known.map((filler) => filler.name)];
}

/**
 * The wrappers, pipe fillers and field fills of `text`, from reduced parses; null: summarise the full parse. `table`:
 * the text's item table when the caller shares one (regions.ts `ItemTables`).
 */
export function relevantSummary(
  parse: RangedParse,
  text: string,
  file: string,
  known: readonly ExternalPipeFiller[] = [],
  table: ItemTable = new ItemTable(text),
): { summary: RelevantSummary; result: ReducedResult<unknown> } | null {
  const result = reduceToFixpoint<RelevantSummary | null, TableView>(
    table,
    summaryTriggers(known),
    (view) => {
      // No range at all (nothing kept but spaces) would mean "the whole text" to tree-sitter.
      if (view.ranges.length === 0) return null;
      const tree = parse(view.text, view.ranges);
      if (!tree) return null;
      try {
        if (tree.rootNode.hasError) return { value: null, reads: { names: new Set(), regions: [] }, clean: false };
        const found = summarizeFileWithReads(tree, view.text, file, known, true, view.occurrences);
        for (const name of found.fillers) found.reads.names.add(name);
        const { wrappers, pipeFillers, fieldFills } = found.summary;
        return { value: { wrappers, pipeFillers, fieldFills }, reads: found.reads, clean: true };
      } finally {
        tree.delete();
      }
    },
    () => undefined,
  );
  return result?.value ? { summary: result.value, result } : null;
}

/**
 * Which of `names` the text defines with external linkage, defines at all, and calls, in the full summary's order
 * restricted to them; null: summarise the full parse. `table` as for `relevantSummary`.
 */
export function namesSummary(
  parse: RangedParse,
  text: string,
  names: readonly string[],
  table: ItemTable = new ItemTable(text),
): NamesSummary | null {
  const wanted = new Set(names);
  const result = reduceToFixpoint<NamesSummary | null, TableView>(
    table,
    [...wanted],
    (view) => {
      const found: NamesSummary = { defined: [], definedAll: [], called: [], referenced: [] };
      const reads = { names: wanted, regions: [] };
      // Nothing kept but spaces: no call and no definition at all.
      if (view.ranges.length === 0) return { value: found, reads, clean: true };
      const tree = parse(view.text, view.ranges);
      if (!tree) return null;
      try {
        if (tree.rootNode.hasError) return { value: null, reads, clean: false };
        const called = new Set<string>();
        for (const call of tree.rootNode.descendantsOfType("call_expression")) {
          const name = call ? callName(call) : null;
          if (name && wanted.has(name)) called.add(name);
        }
        found.called = [...called];
        found.referenced = referencedNames(tree.rootNode, wanted);
        for (const item of tree.rootNode.namedChildren) {
          if (item?.type !== "function_definition") continue;
          const name = functionName(item);
          if (!name || !wanted.has(name)) continue;
          found.definedAll.push(name);
          if (!isStatic(item)) found.defined.push(name);
        }
        return { value: found, reads, clean: true };
      } finally {
        tree.delete();
      }
    },
    () => undefined,
  );
  return result?.value ?? null;
}
