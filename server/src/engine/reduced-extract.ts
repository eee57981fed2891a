/**
 * Facts extracted from a reduced parse of a large C text (regions.ts): only the top-level items that matter are
 * parsed, iterated to a fixpoint over what the extractor read. The engine uses it for the CLI's large files; the result
 * equals the full parse's (test/unit/reduced-parse.test.ts), and null means "parse the whole text".
 * Pure apart from the parser it is given.
 */
import type { Parser, Tree } from "web-tree-sitter";
import { extractFactsWithReads, type ExtractedFacts } from "../analysis/analyze";
import type { ProjectFacts } from "../analysis/extract";
import type { AnalysisBudget } from "../analysis/facts";
import { tableWords } from "../analysis/discovery";
import type { ReadRecord } from "../analysis/scope";
import { ItemTable, reduceToFixpoint, type ItemIndex, type ReducedResult } from "./regions";

/** Words whose occurrence anywhere in an item keeps it from the first round: the engine's own trigger set. */
export function reductionTriggers(project: ProjectFacts): string[] {
  return [
    "splice",
    ...(project.wrappers ?? []).map((wrapper) => wrapper.name),
    ...(project.pipeFillers ?? []).map((filler) => filler.name),
    ...(project.fieldFills ?? []).map((fill) => fill.field),
    ...tableWords(project.syscallTable),
  ];
}

export interface ReducedExtraction {
  facts: ExtractedFacts;
  reads: ReadRecord;
  result: ReducedResult<unknown>;
}

/**
 * The facts of `text` from reduced parses, or null when the reduction is unsure (the caller parses the whole text).
 * `prepare` runs on each reduced tree before extraction (the unit's layout). `table`: the text's item table when the
 * caller shares one (regions.ts `ItemTables`), or the table of a text being edited (live-items.ts), whose text the
 * caller has found to mention vmsplice (`text` null).
 */
export function extractReduced(
  parser: Parser,
  text: string | null,
  project: ProjectFacts,
  prepare?: (tree: Tree) => void,
  table: ItemIndex = new ItemTable(text ?? ""),
  budget?: AnalysisBudget,
): ReducedExtraction | null {
  const result = reduceToFixpoint<{ facts: ExtractedFacts; reads: ReadRecord } | null, ReturnType<typeof table.view>>(
    table,
    reductionTriggers(project),
    (view) => {
      // No range at all (nothing kept but spaces) would mean "the whole text" to tree-sitter.
      if (view.ranges.length === 0) return null;
      const tree = parser.parse(view.input, null, { includedRanges: view.ranges });
      if (!tree) return null;
      try {
        if (tree.rootNode.hasError) return { value: null, reads: { names: new Set(), regions: [] }, clean: false };
        prepare?.(tree);
        const extracted = extractFactsWithReads(tree, text, project, budget, view.occurrences);
        // Facts cut short by the budget stand when their round is the last: what the calls finished read was kept.
        return { value: extracted, reads: extracted.reads, clean: true };
      } finally {
        tree.delete();
      }
    },
    () => undefined,
  );
  if (!result?.value) return null;
  return { facts: result.value.facts, reads: result.value.reads, result };
}
