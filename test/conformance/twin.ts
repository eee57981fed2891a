/**
 * Replays a probe's `.vmsim` twin through the simulator and turns the result into the same report shape the C probe
 * prints, so the two can be compared field by field.
 *
 * This module owns the conformance annotations: comment lines of the form `#> ...` inside a twin, which the `.vmsim`
 * parser ignores like any comment. They say which step is which probe call, and at which moments the probe records
 * page frames and bytes (grammar in test/conformance/README.md). Observations at a moment are made by replaying the
 * scenario's steps above that line, which works because the simulator is deterministic: the same prefix always
 * yields the same frames. Test code; it uses the simulator's public API only.
 */
import { parseScenario, runScenario } from "../../server/src/simulator/index";
import type { CallOutcome, KernelModel, PageSize, Scenario, SimulationResult } from "../../server/src/simulator/index";
import { summariseBytes, type CallRecord, type ProbeReport } from "./report";

interface Amount {
  bytes: number;
  pages: number;
}

export type Annotation =
  | { kind: "call"; line: number; id: string; stepLine: number }
  | {
      kind: "pages";
      line: number;
      process: string;
      mapping: string;
      first: number;
      last: number;
      moment: string;
      label: string;
    }
  | { kind: "zero-page"; line: number }
  | { kind: "memory"; line: number; process: string; mapping: string; offset: Amount; length: Amount; label: string }
  | { kind: "signals"; line: number; signal: string; label: string; stepLine: number };

export interface AnnotationError {
  line: number;
  message: string;
}

/** Parses `4096`, `P`, `4P`, `64K`, `1M` and sums such as `2P+100`; null when the text is none of these. */
function parseAmount(text: string): Amount | null {
  const total: Amount = { bytes: 0, pages: 0 };
  for (const term of text.split("+")) {
    if (term === "P") total.pages += 1;
    else if (/^[0-9]+P$/.test(term)) total.pages += Number(term.slice(0, -1));
    else if (/^[0-9]+K$/.test(term)) total.bytes += Number(term.slice(0, -1)) * 1024;
    else if (/^[0-9]+M$/.test(term)) total.bytes += Number(term.slice(0, -1)) * 1024 * 1024;
    else if (/^(0x[0-9a-fA-F]+|[0-9]+)$/.test(term)) total.bytes += Number(term);
    else return null;
  }
  return total;
}

/** Returns the annotation text of a line (after `#>`, outside quotes) and whether code precedes it, or null. */
function annotationOf(lineText: string): { text: string; trailing: boolean } | null {
  let quote: string | null = null;
  for (let index = 0; index < lineText.length; index++) {
    const character = lineText[index];
    if (quote) {
      if (character === quote) quote = null;
    } else if (character === '"' || character === "'") {
      quote = character;
    } else if (character === "#") {
      if (lineText[index + 1] !== ">") return null;
      return { text: lineText.slice(index + 2).trim(), trailing: lineText.slice(0, index).trim().length > 0 };
    }
  }
  return null;
}

/** Reads the `#>` annotations of a twin; `stepLines` are the source lines of the parsed scenario's steps. */
export function parseAnnotations(
  text: string,
  stepLines: number[],
): { annotations: Annotation[]; errors: AnnotationError[] } {
  const annotations: Annotation[] = [];
  const errors: AnnotationError[] = [];
  text.split("\n").forEach((lineText, index) => {
    const line = index + 1;
    const found = annotationOf(lineText);
    if (!found) return;
    const words = found.text.split(/\s+/).filter((word) => word.length > 0);
    const stepAbove = found.trailing ? line : Math.max(-1, ...stepLines.filter((stepLine) => stepLine < line));
    const asIndex = words.indexOf("as");
    const label = asIndex >= 0 ? words[asIndex + 1] : undefined;
    const core = asIndex >= 0 ? words.slice(0, asIndex) : words;
    const error = (message: string): void => {
      errors.push({ line, message: `${message}: '#> ${found.text}'` });
    };
    switch (core[0]) {
      case "call": {
        if (core.length !== 2) return error("expected 'call ID'");
        if (!stepLines.includes(stepAbove)) return error("'call' must follow a step or trail a step line");
        annotations.push({ kind: "call", line, id: core[1], stepLine: stepAbove });
        return;
      }
      case "pages": {
        const reference = /^([A-Za-z_][A-Za-z0-9_]*)\[([0-9]+)(?:\.\.([0-9]+))?\]$/.exec(core[2] ?? "");
        if (core.length !== 4 || !reference || !core[3].startsWith("@"))
          return error("expected 'pages PROC MAP[a..b] @MOMENT [as LABEL]'");
        const first = Number(reference[2]);
        const last = reference[3] === undefined ? first : Number(reference[3]);
        annotations.push({
          kind: "pages",
          line,
          process: core[1],
          mapping: reference[1],
          first,
          last,
          moment: core[3].slice(1),
          label: label ?? reference[1],
        });
        return;
      }
      case "zero-page":
        if (core.length !== 1) return error("expected 'zero-page'");
        annotations.push({ kind: "zero-page", line });
        return;
      case "memory": {
        const address = /^([A-Za-z_][A-Za-z0-9_]*)(?:\+(.+))?$/.exec(core[2] ?? "");
        const offset = address?.[2] === undefined ? { bytes: 0, pages: 0 } : parseAmount(address[2]);
        const length = parseAmount(core[3] ?? "");
        if (core.length !== 4 || !address || !offset || !length)
          return error("expected 'memory PROC ADDRESS LENGTH [as LABEL]'");
        annotations.push({
          kind: "memory",
          line,
          process: core[1],
          mapping: address[1],
          offset,
          length,
          label: label ?? address[1],
        });
        return;
      }
      case "signals":
        if (core.length !== 2 || !label) return error("expected 'signals SIGNAL as LABEL'");
        if (!stepLines.includes(stepAbove)) return error("'signals' must follow a step");
        annotations.push({ kind: "signals", line, signal: core[1], label, stepLine: stepAbove });
        return;
      default:
        return error("unknown annotation (call, pages, zero-page, memory, signals)");
    }
  });
  return { annotations, errors };
}

function toCallRecord(outcome: CallOutcome | null): CallRecord {
  if (outcome === null) return { kernelBug: "the step has no call result" };
  if ("returned" in outcome) return { returned: outcome.returned };
  if ("errno" in outcome) return { errno: outcome.errno };
  if ("blocked" in outcome) return { blocked: true, progress: outcome.progressBytes };
  return { kernelBug: outcome.kernelBug };
}

export interface TwinRun {
  report: ProbeReport;
  /** Problems with the twin itself (parse errors, unknown mappings); the report is incomplete when there are any. */
  problems: string[];
}

/** Parses a twin, replays it under `kernel` and `pageSize`, and builds the report its annotations ask for. */
export function runTwin(probe: string, text: string, kernel: KernelModel, pageSize: PageSize): TwinRun {
  const problems: string[] = [];
  const { scenario, diagnostics } = parseScenario(text);
  for (const diagnostic of diagnostics)
    problems.push(`${probe}.vmsim:${diagnostic.line}:${diagnostic.column}: ${diagnostic.message}`);
  const { annotations, errors } = parseAnnotations(
    text,
    scenario.steps.map((step) => step.line),
  );
  for (const error of errors) problems.push(`${probe}.vmsim:${error.line}: ${error.message}`);

  const report: ProbeReport = {
    probe,
    kernel: `${kernel} model`,
    pageSize,
    calls: {},
    memory: {},
    pages: {},
    facts: {},
  };
  const full = runScenario(scenario, { kernel, pageSize });
  const stepAt = (line: number) => full.steps.find((step) => step.line === line);

  // Replaying the prefix above an observation line gives the machine as it was at that moment in the probe.
  const prefixRuns = new Map<number, SimulationResult>();
  const stateAt = (line: number): SimulationResult => {
    let result = prefixRuns.get(line);
    if (!result) {
      const prefix: Scenario = {
        ...scenario,
        initialExpectations: [],
        steps: scenario.steps.filter((step) => step.line < line).map((step) => ({ ...step, expectations: [] })),
      };
      result = runScenario(prefix, { kernel, pageSize });
      prefixRuns.set(line, result);
    }
    return result;
  };
  const startOf = (result: SimulationResult, process: string, mapping: string, line: number): number | null => {
    const start = result.final.mappingStart(process, mapping);
    if (start === null)
      problems.push(`${probe}.vmsim:${line}: process ${process} has no mapping '${mapping}' at this point`);
    return start;
  };

  for (const annotation of annotations) {
    switch (annotation.kind) {
      case "call": {
        const step = stepAt(annotation.stepLine);
        if (!step)
          problems.push(
            `${probe}.vmsim:${annotation.line}: the simulator returned no result for the step on line ${annotation.stepLine}`,
          );
        else
          report.calls[annotation.id] = step.skipped
            ? { kernelBug: "step skipped after an earlier kernel BUG" }
            : toCallRecord(step.outcome);
        break;
      }
      case "pages": {
        const state = stateAt(annotation.line);
        const start = startOf(state, annotation.process, annotation.mapping, annotation.line);
        if (start === null) break;
        for (let index = annotation.first; index <= annotation.last; index++) {
          const pfn = state.final.pfnAt(annotation.process, start + index * pageSize);
          report.pages[`${annotation.label}[${index}]@${annotation.moment}`] = { present: pfn !== null, pfn: pfn ?? 0 };
        }
        break;
      }
      case "zero-page":
        report.pages["zero-page"] = { present: true, pfn: stateAt(annotation.line).final.zeroPfn };
        break;
      case "memory": {
        const state = stateAt(annotation.line);
        const start = startOf(state, annotation.process, annotation.mapping, annotation.line);
        if (start === null) break;
        const offset = annotation.offset.bytes + annotation.offset.pages * pageSize;
        const length = annotation.length.bytes + annotation.length.pages * pageSize;
        report.memory[annotation.label] = summariseBytes(
          state.final.readBytes(annotation.process, start + offset, length),
        );
        break;
      }
      case "signals": {
        const step = stepAt(annotation.stepLine);
        report.facts[annotation.label] = step
          ? step.events.filter((event) => event.kind === "signal" && event.signal === annotation.signal).length
          : 0;
        break;
      }
    }
  }
  return { report, problems };
}
