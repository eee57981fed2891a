/**
 * Conformance of the simulator's mainline-6.x model against the real kernel of this machine.
 *
 * Every C probe in test/conformance/probes is compiled with gcc, run on this kernel, and its JSON report compared
 * field by field with the report of its `.vmsim` twin in test/conformance/scenarios replayed through the model.
 * The kernel is the truth: any difference fails the test and is named (probe, field, both values). A machine that
 * cannot run the probes (not Linux, not root, no gcc) fails the tests with the reason; setting
 * VMSPLICE_LENS_NO_KERNEL_PROBES=1 turns those failures into skips that still print the reason.
 */
import { after, before, describe, test, type TestContext } from "node:test";
import assert from "node:assert/strict";
import { readdirSync, readFileSync, rmSync } from "node:fs";
import path from "node:path";
import { compileProbes, probeEnvironment, probeNames, runProbe, type CompileResult } from "./kernel-probes";
import { compareReports, type ProbeReport } from "./report";
import { runTwin } from "./twin";

const SCENARIO_DIRECTORY = path.join(__dirname, "scenarios");
const environment = probeEnvironment();
const probes = probeNames();
const twins = readdirSync(SCENARIO_DIRECTORY)
  .filter((file) => file.endsWith(".vmsim"))
  .map((file) => file.slice(0, -".vmsim".length))
  .sort();

/**
 * Differences between kernel and model that are known model bugs today, per probe, as the exact sentences
 * compareReports produces. Each entry must carry a FIXME naming the disagreement; the test asserts that the
 * differences are exactly these, so fixing the model makes the test fail until the entry is removed.
 */
const KNOWN_MODEL_BUGS: Record<string, string[]> = {};

/** Fails with the reason, or skips with it when the environment variable says the machine is known not to qualify. */
function cannotRun(context: TestContext, reason: string): void {
  if (process.env.VMSPLICE_LENS_NO_KERNEL_PROBES === "1") {
    context.skip(`cannot run kernel probes: ${reason}`);
    return;
  }
  assert.fail(
    `cannot run kernel probes on this machine: ${reason} (set VMSPLICE_LENS_NO_KERNEL_PROBES=1 to skip them explicitly)`,
  );
}

describe(`kernel ${environment.release} (${environment.machine}) against the mainline-6.x model`, () => {
  let compiled = new Map<string, CompileResult>();
  let binaries: string | null = null;

  before(async () => {
    if (environment.unusableReason !== null) return;
    const compilation = await compileProbes(probes);
    compiled = compilation.results;
    binaries = compilation.directory;
  });

  after(() => {
    if (binaries) rmSync(binaries, { recursive: true, force: true });
  });

  test("every C probe has a .vmsim twin and every twin a probe", () => {
    assert.deepEqual(twins, probes);
    assert.ok(probes.length >= 25, `expected the full probe set, found ${probes.length}`);
  });

  test(`this machine can run the probes (Linux ${environment.release}, root, gcc, /proc/self/pagemap)`, (context) => {
    if (environment.unusableReason !== null) cannotRun(context, environment.unusableReason);
  });

  for (const probe of probes) {
    test(`${probe} on kernel ${environment.release}`, async (context) => {
      if (environment.unusableReason !== null) return cannotRun(context, environment.unusableReason);
      const compiledProbe = compiled.get(probe);
      assert.ok(compiledProbe, `${probe} was not compiled`);
      if ("error" in compiledProbe) assert.fail(compiledProbe.error);
      const run = await runProbe(compiledProbe.binary);
      if ("cannotRun" in run) return cannotRun(context, `${probe}: ${run.cannotRun}`);
      if ("error" in run) assert.fail(run.error);
      const kernelReport: ProbeReport = run.report;
      assert.equal(kernelReport.probe, probe, "the probe reported under another name");
      assert.equal(kernelReport.kernel, environment.release, "the probe saw another kernel release than this process");
      if (kernelReport.pageSize !== 4096 && kernelReport.pageSize !== 16384 && kernelReport.pageSize !== 65536) {
        assert.fail(`page size ${kernelReport.pageSize} is not one the model supports`);
      }

      const twinText = readFileSync(path.join(SCENARIO_DIRECTORY, `${probe}.vmsim`), "utf8");
      const twin = runTwin(probe, twinText, "mainline-6.x", kernelReport.pageSize);
      assert.deepEqual(twin.problems, [], `the .vmsim twin of ${probe} has problems`);

      // A probe that observed nothing would make the comparison vacuous.
      const observed =
        Object.keys(kernelReport.calls).length +
        Object.keys(kernelReport.memory).length +
        Object.keys(kernelReport.pages).length;
      assert.ok(observed > 0, `${probe} observed nothing`);

      const differences = compareReports(kernelReport, twin.report);
      context.diagnostic(`kernel ${kernelReport.kernel}: ${JSON.stringify(kernelReport.calls)}`);
      const known = KNOWN_MODEL_BUGS[probe] ?? [];
      assert.deepEqual(
        differences,
        known,
        differences.length === 0
          ? `${probe}: the model now agrees with the kernel; remove the FIXME entry from KNOWN_MODEL_BUGS`
          : `${probe}: the mainline-6.x model disagrees with kernel ${kernelReport.kernel}:\n  ${differences.join("\n  ")}`,
      );
    });
  }
});
