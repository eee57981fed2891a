/**
 * The recorded run as a report in the shapes of `check`: files → calls (line, direction, verdict, segments, rules) plus,
 * per call, the observation: how many calls at that site gave this outcome, the distinct verdicts seen there under the
 * chosen and the other kernel models, the processes, return values, and the facts that decided it, page by page.
 *
 * Calls at one site (file:line, or object address without debug info) with the same outcome (verdict, rules, page
 * verdicts) are one entry; a site whose outcome varied between calls has one entry per outcome.
 * Pure: trace and sites in, report objects and text out.
 */
import {
  CALL_VERDICTS,
  KERNEL_MODELS,
  type CallAnalysis,
  type Finding,
  type KernelModel,
  type PageSize,
} from "../analysis/facts";
import type { FileAnalysis } from "../analysis/analyze";
import { describeCall, formatJson, formatSarif, jsonCall, summarise, type FileReport } from "../cli/check";
import { isSyntheticRange, judgeObserved, pageReport, type CallSite, type ObservedCall } from "./observe";
import { describePage, observePages, type Trace, type TraceCall } from "./trace";

export interface RecordOptions {
  kernel: KernelModel;
  pageSize: PageSize;
}

export interface Observation {
  /** One-based source line, or null when the call could not be located in the source (no debug info). */
  line: number | null;
  /** Calls at this site with this outcome. */
  count: number;
  /** Calls at this site, whatever their outcome. */
  siteCount: number;
  /** Verdicts of the calls at this site under the chosen kernel model (every verdict seen, with its count). */
  verdictsSeen: Record<string, number>;
  /** Verdicts of this entry's calls under every kernel model. */
  byKernel: Record<string, Record<string, number>>;
  via: "vmsplice" | "syscall";
  object: string | null;
  address: string | null;
  pids: number[];
  /** Distinct return values (bytes) and errno names of failed calls. */
  returned: number[];
  errors: string[];
  /** When the first call of this entry was observed (ISO). */
  first: string;
  /** Pages moved under the chosen model, summed over this entry's calls. */
  pagesMoved: number;
  /** The facts that decided the first call of this entry, one sentence each. */
  facts: string[];
  /** Where the function that made the call was called from (innermost first), for the first call of this entry. */
  calledFrom: { file: string; line: number; function: string | null }[];
  /** The first call's pages as observed (per iovec), with PFN and state before and after the call. */
  pages: ReturnType<typeof pageReport>;
}

export interface RecordedEntry {
  analysis: CallAnalysis;
  observation: Observation;
}

export interface RecordedFile {
  path: string;
  entries: RecordedEntry[];
  notes: string[];
}

export interface RecordReport {
  files: RecordedFile[];
  /** Run-level notes (debug info, static binaries, unreadable /proc files, torn trace lines). */
  notes: string[];
  calls: number;
}

const ERRNO: Record<number, string> = {
  1: "EPERM",
  4: "EINTR",
  9: "EBADF",
  11: "EAGAIN",
  12: "ENOMEM",
  14: "EFAULT",
  22: "EINVAL",
  32: "EPIPE",
};

export function errnoName(value: number): string {
  return ERRNO[value] ?? `errno ${value}`;
}

/** What makes two calls at one site the same outcome: verdict, rules, direction, flags and every page's verdict. */
export function outcomeKey(analysis: CallAnalysis): string {
  return JSON.stringify([
    analysis.verdict,
    analysis.rules,
    analysis.call.fd.direction,
    analysis.call.flags.value,
    analysis.segments.map((segment) => [
      segment.verdict,
      segment.pageOutcomes.map((page) => [page.verdict, page.rules]),
    ]),
  ]);
}

/** The facts that decided a call, in words: descriptor, flags, and each iovec's pages as observed. */
export function decidingFacts(call: TraceCall, analysis: CallAnalysis): string[] {
  const facts = [analysis.call.fd.explanation];
  facts.push(`flags 0x${(call.flags >>> 0).toString(16)}, nr_segs ${call.nrSegs}`);
  const pages = observePages(call);
  call.iov.forEach((segment, index) => {
    const observed = pages[index] ?? [];
    const verdict = analysis.segments[index];
    const described = observed.map((page, at) => `page ${at}: ${describePage(page)}`).slice(0, 4);
    if (observed.length > 4) described.push(`… ${observed.length - 4} more pages`);
    facts.push(
      `iov[${index}] base ${segment.base}, ${segment.len} bytes${verdict ? ` -> ${verdict.verdict}` : ""}: ${described.join("; ") || "no pages"}`,
    );
  });
  if (call.threads > 1) facts.push(`${call.threads} threads in the process at the call`);
  if (!call.pagemap) facts.push("/proc/self/pagemap was unreadable: page presence unknown");
  if (!call.kpageflags) facts.push("/proc/kpageflags was unreadable (not root): zero page, THP and KSM state unknown");
  const asked = call.iov.reduce((sum, segment) => sum + segment.len, 0);
  facts.push(
    call.ret < 0
      ? `the call failed with ${errnoName(call.errno)}: nothing was transferred`
      : call.ret < asked
        ? `the call returned ${call.ret} of ${asked} bytes (a short transfer: the rest was not handed over)`
        : `the call returned ${call.ret} bytes`,
  );
  return facts;
}

function movedPages(analysis: CallAnalysis): number {
  return analysis.segments.reduce(
    (sum, segment) => sum + segment.pageOutcomes.filter((page) => page.verdict === "move").length,
    0,
  );
}

/**
 * Judges every call of the trace and groups them by site and outcome. `siteOf` gives each call's source site (the CLI
 * resolves it through DWARF); calls without a line go under their object file.
 */
export function buildReport(
  trace: Trace,
  siteOf: (call: TraceCall) => CallSite,
  options: RecordOptions,
  notes: string[] = [],
): RecordReport {
  const observed: ObservedCall[] = trace.calls
    .map((call, index) => ({ call, index }))
    .sort((left, right) => left.call.time - right.call.time || left.index - right.index)
    .map(({ call }, sequence) => ({ trace: call, site: siteOf(call), sequence }));
  const byKernel = new Map<KernelModel, CallAnalysis[]>();
  for (const kernel of KERNEL_MODELS)
    byKernel.set(kernel, judgeObserved(observed, { kernel, pageSize: options.pageSize }));
  const chosen = byKernel.get(options.kernel) ?? [];
  const files = new Map<string, RecordedFile>();
  const entries = new Map<string, RecordedEntry>();
  const siteCounts = new Map<string, { count: number; verdicts: Record<string, number> }>();
  const entrySites = new Map<RecordedEntry, string>();
  observed.forEach((call, index) => {
    const analysis = chosen[index];
    // Without a line, the object address (the same in every process, unlike the run-time address).
    const siteKey = `${call.site.file}\0${call.site.line ?? call.site.address ?? call.trace.caller.addr}`;
    const site = siteCounts.get(siteKey) ?? { count: 0, verdicts: {} };
    site.count++;
    site.verdicts[analysis.verdict] = (site.verdicts[analysis.verdict] ?? 0) + 1;
    siteCounts.set(siteKey, site);
    // Calls from different call sites of a wrapper are separate entries (check reports them at those call sites).
    const from = call.site.callers?.[0];
    const key = `${siteKey}\0${outcomeKey(analysis)}\0${from ? `${from.file}:${from.line}` : ""}`;
    let entry = entries.get(key);
    if (!entry) {
      entry = {
        analysis,
        observation: {
          line: call.site.line,
          count: 0,
          siteCount: 0,
          verdictsSeen: site.verdicts,
          byKernel: {},
          via: call.trace.via,
          object: call.trace.caller.object ?? null,
          address: call.site.address ?? call.trace.caller.addr,
          pids: [],
          returned: [],
          errors: [],
          first: new Date(call.trace.time * 1000).toISOString(),
          pagesMoved: 0,
          facts: decidingFacts(call.trace, analysis),
          calledFrom: call.site.callers ?? [],
          pages: pageReport(call.trace),
        },
      };
      entries.set(key, entry);
      entrySites.set(entry, siteKey);
      let file = files.get(call.site.file);
      if (!file) files.set(call.site.file, (file = { path: call.site.file, entries: [], notes: [] }));
      file.entries.push(entry);
    }
    const observation = entry.observation;
    observation.count++;
    // A failed call handed nothing over, whatever the table says of its pages.
    if (call.trace.ret > 0) observation.pagesMoved += movedPages(analysis);
    if (!observation.pids.includes(call.trace.pid)) observation.pids.push(call.trace.pid);
    if (call.trace.ret >= 0 && !observation.returned.includes(call.trace.ret))
      observation.returned.push(call.trace.ret);
    if (call.trace.ret < 0 && !observation.errors.includes(errnoName(call.trace.errno)))
      observation.errors.push(errnoName(call.trace.errno));
    for (const kernel of KERNEL_MODELS) {
      const verdict = byKernel.get(kernel)?.[index]?.verdict ?? "unknown";
      const counts = (observation.byKernel[kernel] ??= {});
      counts[verdict] = (counts[verdict] ?? 0) + 1;
    }
  });
  for (const [entry, siteKey] of entrySites) entry.observation.siteCount = siteCounts.get(siteKey)?.count ?? 0;
  const sortedFiles = [...files.values()].sort((left, right) => left.path.localeCompare(right.path));
  for (const file of sortedFiles)
    file.entries.sort((left, right) => left.analysis.call.range.startIndex - right.analysis.call.range.startIndex);
  const runPageSizes = [...new Set(trace.calls.map((call) => call.pageSize))].filter(
    (size) => size !== options.pageSize,
  );
  const allNotes = [
    ...notes,
    ...runPageSizes.map(
      (size) =>
        `the run's page size was ${size} bytes; the verdicts are for ${options.pageSize}-byte pages at the same addresses, with each page's facts taken from the ${size}-byte page at its start`,
    ),
    ...trace.problems.map((problem) => `trace: ${problem}`),
  ];
  return { files: sortedFiles, notes: allNotes, calls: trace.calls.length };
}

/** Findings without their synthetic related locations (a pipe's identity is not a place in the source). */
function cleanFinding(finding: Finding): Finding {
  return { ...finding, related: finding.related.filter((item) => !isSyntheticRange(item.range)) };
}

/** The report as check's FileReports: one CallAnalysis per entry, findings deduplicated per line and rule. */
export function toFileReports(report: RecordReport): FileReport[] {
  return report.files.map((file) => {
    const calls = file.entries.map((entry) => ({
      ...entry.analysis,
      findings: entry.analysis.findings.map(cleanFinding),
    }));
    const seen = new Set<string>();
    const findings: Finding[] = [];
    for (const call of calls)
      for (const finding of call.findings) {
        const key = `${finding.range.start.line}:${finding.rule}:${finding.message}`;
        if (seen.has(key)) continue;
        seen.add(key);
        findings.push(finding);
      }
    const analysis: FileAnalysis = { calls, findings, notes: file.notes };
    return { path: file.path, analysis };
  });
}

function otherKernels(entry: RecordedEntry, kernel: KernelModel): string {
  return KERNEL_MODELS.filter((model) => model !== kernel)
    .map((model) => `${model}: ${verdictCounts(entry.observation.byKernel[model] ?? {})}`)
    .join("; ");
}

function verdictCounts(counts: Record<string, number>): string {
  const present = CALL_VERDICTS.filter((verdict) => counts[verdict]);
  if (present.length === 1) return present[0];
  return present.map((verdict) => `${counts[verdict]} ${verdict}`).join(", ");
}

/** Text like `check`: a note per call entry (with its observation), its findings, the deciding facts, a summary. */
export function formatRecordText(report: RecordReport, options: RecordOptions): string {
  const lines: string[] = [];
  for (const file of report.files) {
    for (const entry of file.entries) {
      const observation = entry.observation;
      const where =
        observation.line === null
          ? `${file.path}: ${observation.address ?? "unknown address"}${entry.analysis.call.functionName ? ` (${entry.analysis.call.functionName})` : ""}`
          : `${file.path}:${observation.line}:1`;
      const times =
        observation.count === observation.siteCount
          ? `observed ${observation.count}×`
          : `observed ${observation.count} of ${observation.siteCount} calls here`;
      lines.push(`${where}: note: ${describeCall(entry.analysis)} [${times}; ${otherKernels(entry, options.kernel)}]`);
      for (const finding of entry.analysis.findings)
        lines.push(`${where}: ${finding.severity}: ${finding.message} [${finding.rule}]`);
      if (observation.calledFrom.length > 0)
        lines.push(
          `    called from ${observation.calledFrom.map((frame) => `${frame.file}:${frame.line}${frame.function ? ` (${frame.function})` : ""}`).join(" <- ")}`,
        );
      for (const fact of observation.facts) lines.push(`    ${fact}`);
    }
    for (const note of file.notes) lines.push(`${file.path}: note: ${note}`);
  }
  for (const note of report.notes) lines.push(`note: ${note}`);
  const summary = summarise(toFileReports(report));
  const sites = new Set(
    report.files.flatMap((file) =>
      file.entries.map((entry) => `${file.path}:${entry.observation.line ?? entry.observation.address}`),
    ),
  ).size;
  // Verdicts of the calls themselves (an entry stands for `count` calls).
  const perCall: Record<string, number> = {};
  for (const file of report.files)
    for (const entry of file.entries)
      perCall[entry.analysis.verdict] = (perCall[entry.analysis.verdict] ?? 0) + entry.observation.count;
  const verdicts = CALL_VERDICTS.filter((verdict) => perCall[verdict])
    .map((verdict) => `${perCall[verdict]} ${verdict}`)
    .join(", ");
  lines.push(
    `${report.calls} vmsplice call${report.calls === 1 ? "" : "s"} observed at ${sites} site${sites === 1 ? "" : "s"} in ${report.files.length} file${report.files.length === 1 ? "" : "s"}${verdicts ? ` (${verdicts})` : ""}: ${summary.errors} error${summary.errors === 1 ? "" : "s"}, ${summary.warnings} warning${summary.warnings === 1 ? "" : "s"}, ${summary.infos} info [kernel ${options.kernel}, page size ${options.pageSize}]`,
  );
  return lines.join("\n") + "\n";
}

/** check's JSON, each call with its `observation`, plus the run. */
export function formatRecordJson(
  report: RecordReport,
  options: RecordOptions,
  version: string,
  run: object | null,
): object {
  const base = formatJson(toFileReports(report), options.kernel, options.pageSize, version) as {
    files: { calls: object[] }[];
  };
  report.files.forEach((file, fileIndex) => {
    base.files[fileIndex].calls = file.entries.map((entry) => ({
      ...jsonCall({ ...entry.analysis }),
      // A call DWARF could not place has no line (null), never a made-up line 1.
      ...(entry.observation.line === null ? { line: null, column: null } : {}),
      observation: entry.observation,
    }));
  });
  return { ...base, recorded: { calls: report.calls, notes: report.notes, run } };
}

/** check's SARIF, the run's notes and observation counts in properties. */
export function formatRecordSarif(
  report: RecordReport,
  options: RecordOptions,
  version: string,
  run: object | null,
): object {
  const sarif = formatSarif(toFileReports(report), options.kernel, options.pageSize, version) as {
    runs: { properties?: Record<string, unknown> }[];
  };
  sarif.runs[0].properties = {
    ...sarif.runs[0].properties,
    recorded: { calls: report.calls, notes: report.notes, run },
  };
  return sarif;
}
