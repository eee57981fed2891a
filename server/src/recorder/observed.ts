/**
 * What the editor shows of recorded runs: per source file and line, how many calls a kept trace
 * (`*.vmsplice-trace.jsonl`) observed there, how many pages moved under the kernel model of the editor's settings,
 * the verdicts seen, and the date of the run. Built from the same report as `record` (buildReport → judgeCall).
 * Pure: trace text in, summaries out.
 */
import { CALL_VERDICTS, type KernelModel, type PageSize } from "../analysis/facts";
import { buildReport } from "./report";
import { siteLookup } from "./sites";
import { parseTrace } from "./trace";

export interface ObservedSite {
  /** One-based source line of the call. */
  line: number;
  calls: number;
  pagesMoved: number;
  /** Pages the calls touched (delivered or not), summed over the calls. */
  pages: number;
  verdicts: Record<string, number>;
  /** When the run started (ISO), or the first call was observed. */
  runDate: string;
  /** The trace file it came from. */
  trace: string;
  /** The facts that decided the first call observed here (descriptor, flags, pages), one sentence each. */
  facts: string[];
}

/** Observed sites per absolute source path. */
export type ObservedFiles = Map<string, ObservedSite[]>;

export function summariseTrace(
  text: string,
  traceName: string,
  options: { kernel: KernelModel; pageSize: PageSize },
): ObservedFiles {
  const trace = parseTrace(text);
  const report = buildReport(trace, siteLookup(trace.sites, null), options);
  const files: ObservedFiles = new Map();
  const firstCall = trace.calls.reduce((min, call) => Math.min(min, call.time), Number.POSITIVE_INFINITY);
  const runDate =
    trace.run?.start ?? (Number.isFinite(firstCall) ? new Date(firstCall * 1000).toISOString() : "unknown date");
  const byFile = new Map<string, Map<number, ObservedSite>>();
  const add = (file: string, line: number, entry: (typeof report.files)[number]["entries"][number]) => {
    const byLine = byFile.get(file) ?? new Map<number, ObservedSite>();
    byFile.set(file, byLine);
    const site: ObservedSite = byLine.get(line) ?? {
      line,
      calls: 0,
      pagesMoved: 0,
      pages: 0,
      verdicts: {},
      runDate,
      trace: traceName,
      facts: entry.observation.facts,
    };
    site.calls += entry.observation.count;
    site.pagesMoved += entry.observation.pagesMoved;
    const pagesPerCall = entry.analysis.segments.reduce((sum, segment) => sum + segment.pageOutcomes.length, 0);
    site.pages += pagesPerCall * entry.observation.count;
    for (const [verdict, count] of Object.entries(
      entry.observation.byKernel[options.kernel] ?? { [entry.analysis.verdict]: entry.observation.count },
    ))
      site.verdicts[verdict] = (site.verdicts[verdict] ?? 0) + count;
    byLine.set(line, site);
  };
  for (const file of report.files)
    for (const entry of file.entries) {
      if (entry.observation.line !== null) add(file.path, entry.observation.line, entry);
      // A call made inside a wrapper is also shown where the wrapper is called (where check reports it).
      const seen = new Set<string>();
      for (const frame of entry.observation.calledFrom) {
        const key = `${frame.file}:${frame.line}`;
        if (seen.has(key) || (frame.file === file.path && frame.line === entry.observation.line)) continue;
        seen.add(key);
        add(frame.file, frame.line, entry);
      }
    }
  for (const [file, byLine] of byFile)
    files.set(
      file,
      [...byLine.values()].sort((left, right) => left.line - right.line),
    );
  return files;
}

/** "observed: 4 pages moved (run of 2026-12-04)"; with several calls, "observed 3×: 3 of 6 pages moved, 2 partial, 1 copy (run of …)". */
export function observedLensTitle(site: ObservedSite): string {
  const date = site.runDate.slice(0, 10);
  const verdicts = CALL_VERDICTS.filter((verdict) => site.verdicts[verdict]);
  const pages = site.pages === site.pagesMoved ? `${site.pagesMoved}` : `${site.pagesMoved} of ${site.pages}`;
  const moved = `${pages} page${site.pages === 1 ? "" : "s"} moved`;
  const mixed =
    verdicts.length > 1 ? `, ${verdicts.map((verdict) => `${site.verdicts[verdict]} ${verdict}`).join(", ")}` : "";
  return `observed${site.calls > 1 ? ` ${site.calls}×` : ""}: ${moved}${mixed} (run of ${date})`;
}

/**
 * The hover's section on a recorded run: what the run observed on this call's lines and, when the static verdict is
 * unknown, that the run settled it for the inputs of that run (and what it saw). Markdown; facts are escaped by the caller.
 */
export function observedHoverLines(
  site: ObservedSite,
  staticVerdict: string,
  staticMissing: readonly string[],
): { head: string; settled: string | null; facts: string[] } {
  const verdicts = CALL_VERDICTS.filter((verdict) => site.verdicts[verdict])
    .map((verdict) => `${site.verdicts[verdict]} ${verdict}`)
    .join(", ");
  const head = `${site.calls} call${site.calls === 1 ? "" : "s"} observed in the run of ${site.runDate.slice(0, 10)}: ${verdicts}; ${site.pagesMoved} of ${site.pages} page${site.pages === 1 ? "" : "s"} moved`;
  const settled =
    staticVerdict === "unknown"
      ? `The static verdict is unknown${staticMissing.length > 0 ? ` (${staticMissing[0]})` : ""}; in this run the facts were known: ${verdicts}.`
      : null;
  return { head, settled, facts: site.facts };
}
