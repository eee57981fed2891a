/**
 * Prints the conformance results as Markdown table rows for docs/conformance.md: for every probe, what the kernel
 * returned, what the mainline-6.x model returned, and whether they agree on every observed field.
 * Run with `node --import tsx test/conformance/summary.ts`. Test tooling only; it reuses the test's modules.
 */
import { readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { compileProbes, probeEnvironment, probeNames, runProbe } from "./kernel-probes";
import { compareReports, type CallRecord, type ProbeReport } from "./report";
import type { PageSize } from "../../server/src/simulator/index";
import { runTwin } from "./twin";

function callText(record: CallRecord): string {
  if ("returned" in record) return String(record.returned);
  if ("errno" in record) return record.errno;
  if ("blocked" in record) return record.progress ? `blocked after ${record.progress}` : "blocked";
  return `BUG ${record.kernelBug}`;
}

function callsText(report: ProbeReport): string {
  return Object.entries(report.calls)
    .map(([id, record]) => `${id} ${callText(record)}`)
    .join("; ");
}

async function main(): Promise<void> {
  const environment = probeEnvironment();
  if (environment.unusableReason) throw new Error(environment.unusableReason);
  const names = probeNames();
  const { directory, results: compiled } = await compileProbes(names);
  console.log(`Kernel ${environment.release} (${environment.machine})\n`);
  console.log("| Probe | Kernel: calls | Model: calls | Fields compared | Agreement |");
  console.log("|---|---|---|---|---|");
  for (const name of names) {
    const binary = compiled.get(name);
    if (!binary || "error" in binary) {
      console.log(`| ${name} | compile error | | | |`);
      continue;
    }
    const run = await runProbe(binary.binary);
    if (!("report" in run)) {
      console.log(`| ${name} | ${"cannotRun" in run ? run.cannotRun : run.error} | | | |`);
      continue;
    }
    const text = readFileSync(path.join(__dirname, "scenarios", `${name}.vmsim`), "utf8");
    const twin = runTwin(name, text, "mainline-6.x", run.report.pageSize as PageSize);
    const differences = [...twin.problems, ...compareReports(run.report, twin.report)];
    const fields =
      Object.keys(run.report.calls).length +
      Object.keys(run.report.memory).length +
      Object.keys(run.report.pages).length +
      Object.keys(run.report.facts).length;
    const modelCalls = callsText(twin.report) === callsText(run.report) ? "same" : callsText(twin.report);
    console.log(
      `| ${name} | ${callsText(run.report)} | ${modelCalls} | ${fields} | ${differences.length === 0 ? "agree" : `**${differences.length} differences**: ${differences.join("; ")}`} |`,
    );
  }
  rmSync(directory, { recursive: true, force: true });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exitCode = 1;
});
