/**
 * `npm run oracle:rfc`: checks the simulator's rfc-v2 model against a real Linux 6.1 kernel carrying our port of the
 * RFC, booted under QEMU (TCG), and the same kernel without the port as the control.
 *
 * This harness owns the orchestration and all the I/O of the oracle: it installs its Debian packages when missing,
 * unpacks and configures Debian's linux-source-6.1 once into oracle/.cache (ignored by git) and reuses it, builds two
 * bzImages (pristine fs/splice.c, and with oracle/kernel/rfc-v2-6.1.patch applied; each is rebuilt only when its
 * inputs changed), compiles the static guest program, compiles the selected golden scenarios (oracle/lib/selection.ts)
 * and oracle/scenarios/*.vmsim into one guest script, packs
 * an initramfs with the kernel's own usr/gen_init_cpio, boots each kernel once under `timeout`, and compares the serial
 * log with the simulator (oracle/lib/compare.ts). It writes docs/oracle-report.md and oracle/.cache/oracle-result.json.
 * Exit status: 0 when every compared scenario agrees, the control copied everything and no kernel line is fatal;
 * 1 otherwise; 2 when the environment cannot run the oracle.
 * Every external process runs with a timeout. Nothing is downloaded except Debian packages.
 * Options: --report PATH (default docs/oracle-report.md), --no-control (skip the unpatched kernel).
 */
import { spawnSync, type SpawnSyncOptions } from "node:child_process";
import { createHash } from "node:crypto";
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, statSync, writeFileSync } from "node:fs";
import path from "node:path";
import { parseScenario, runScenario } from "../server/src/simulator/index";
import type { Scenario } from "../server/src/simulator/types";
import { compileScenario } from "./lib/compile";
import { compareScenario, kernelRows, type ScenarioComparison } from "./lib/compare";
import {
  renderReport,
  type ControlSummary,
  type HazardResult,
  type KnownDifferenceResult,
  type OracleRun,
} from "./lib/report";
import { INCLUDED_GOLDENS, KNOWN_DIFFERENCES } from "./lib/selection";
import { parseGuestLogs, type GuestRun } from "./lib/serial";

const root = path.resolve(__dirname, "..");
const oracleDir = path.join(root, "oracle");
const cache = path.join(oracleDir, ".cache");
const sourceTarball = "/usr/src/linux-source-6.1.tar.xz";
const tree = path.join(cache, "linux-source-6.1");
const packages = [
  "linux-source-6.1",
  "qemu-system-x86",
  "busybox-static",
  "build-essential",
  "flex",
  "bison",
  "bc",
  "libelf-dev",
  "libssl-dev",
  "cpio",
  "xz-utils",
];
const PAGE_SIZE = 4096;

const args = process.argv.slice(2);
const reportPath = path.resolve(
  root,
  args.includes("--report") ? args[args.indexOf("--report") + 1] : "docs/oracle-report.md",
);
const runControl = !args.includes("--no-control");

function log(message: string): void {
  process.stdout.write(`[oracle] ${message}\n`);
}

class EnvironmentError extends Error {}

/** Runs a command with a timeout; throws with its output tail when it fails. */
function run(
  command: string,
  argv: string[],
  options: SpawnSyncOptions & { timeoutSeconds: number; quiet?: boolean },
): string {
  const result = spawnSync(command, argv, {
    cwd: root,
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
    ...options,
    timeout: options.timeoutSeconds * 1000,
    killSignal: "SIGKILL",
  });
  const output = `${result.stdout ?? ""}${result.stderr ?? ""}`;
  if (result.error || result.status !== 0) {
    const reason = result.error ? result.error.message : `exit status ${result.status}`;
    throw new Error(`${command} ${argv.join(" ")} failed (${reason}):\n${output.split("\n").slice(-40).join("\n")}`);
  }
  return output;
}

function timed<T>(work: () => T): { value: T; seconds: number } {
  const start = process.hrtime.bigint();
  const value = work();
  return { value, seconds: Number(process.hrtime.bigint() - start) / 1e9 };
}

function sha256(...parts: (string | Buffer)[]): string {
  const hash = createHash("sha256");
  for (const part of parts) hash.update(part);
  return hash.digest("hex");
}

function ensurePackages(): string[] {
  const missing = packages.filter((name) => {
    const result = spawnSync("dpkg-query", ["-W", "-f=${Status}", name], { encoding: "utf8", timeout: 30_000 });
    return result.status !== 0 || !result.stdout.includes("install ok installed");
  });
  if (missing.length === 0) return [];
  if (typeof process.getuid === "function" && process.getuid() !== 0)
    throw new EnvironmentError(`missing Debian packages (${missing.join(" ")}); run as root or install them first`);
  log(`installing ${missing.join(" ")}`);
  const env = { ...process.env, DEBIAN_FRONTEND: "noninteractive" };
  const install = (): ReturnType<typeof spawnSync> =>
    spawnSync("apt-get", ["install", "-y", "--no-install-recommends", ...missing], {
      encoding: "utf8",
      env,
      timeout: 1_200_000,
      killSignal: "SIGKILL",
    });
  let result = install();
  if (result.status !== 0) {
    // A fresh container may have empty package lists; refresh them once and retry.
    run("apt-get", ["update"], { timeoutSeconds: 600, env });
    result = install();
  }
  if (result.status !== 0) throw new EnvironmentError(`apt-get install failed:\n${String(result.stderr).slice(-2000)}`);
  return missing;
}

/** Unpacks the kernel source once; keeps a pristine copy of fs/splice.c beside it. */
function ensureSource(): boolean {
  mkdirSync(cache, { recursive: true });
  const stamp = path.join(cache, "source.stamp");
  const tarballId = `${sourceTarball} ${statSync(sourceTarball).size}`;
  if (existsSync(path.join(tree, "Makefile")) && existsSync(stamp) && readFileSync(stamp, "utf8") === tarballId)
    return false;
  log("unpacking linux-source-6.1");
  run("rm", ["-rf", tree], { timeoutSeconds: 300 });
  run("tar", ["xf", sourceTarball, "-C", cache], { timeoutSeconds: 600 });
  copyFileSync(path.join(tree, "fs/splice.c"), path.join(cache, "splice.c.orig"));
  writeFileSync(stamp, tarballId);
  return true;
}

const requiredOptions = (): string[] =>
  readFileSync(path.join(oracleDir, "kernel/oracle.config"), "utf8")
    .split("\n")
    .filter((line) => /^CONFIG_\w+=y$/.test(line))
    .map((line) => line.split("=")[0]);

function ensureConfig(): boolean {
  const fragment = readFileSync(path.join(oracleDir, "kernel/oracle.config"));
  const key = sha256(fragment);
  const stamp = path.join(cache, "config.stamp");
  if (existsSync(path.join(tree, ".config")) && existsSync(stamp) && readFileSync(stamp, "utf8") === key) return false;
  log("configuring: tinyconfig + oracle/kernel/oracle.config");
  run("make", ["tinyconfig"], { cwd: tree, timeoutSeconds: 300 });
  run("scripts/kconfig/merge_config.sh", ["-m", ".config", path.join(oracleDir, "kernel/oracle.config")], {
    cwd: tree,
    timeoutSeconds: 300,
  });
  run("make", ["olddefconfig"], { cwd: tree, timeoutSeconds: 300 });
  const config = readFileSync(path.join(tree, ".config"), "utf8");
  const lost = requiredOptions().filter((option) => !config.includes(`\n${option}=y`));
  if (lost.length) throw new Error(`kernel options did not survive olddefconfig: ${lost.join(" ")}`);
  writeFileSync(stamp, key);
  return true;
}

/** Builds one bzImage (pristine or patched fs/splice.c) unless an identical one is cached. */
function buildKernel(variant: "control" | "rfc"): { image: string; seconds: number; rebuilt: boolean } {
  const image = path.join(cache, `bzImage-${variant}`);
  const pristine = readFileSync(path.join(cache, "splice.c.orig"));
  const patchFile = path.join(oracleDir, "kernel/rfc-v2-6.1.patch");
  const key = sha256(
    readFileSync(path.join(tree, ".config")),
    pristine,
    variant === "rfc" ? readFileSync(patchFile) : "",
  );
  const stamp = `${image}.stamp`;
  if (existsSync(image) && existsSync(stamp) && readFileSync(stamp, "utf8") === key)
    return { image, seconds: 0, rebuilt: false };
  // Always start from the pristine file: a new mtime makes make rebuild splice.o for this variant.
  writeFileSync(path.join(tree, "fs/splice.c"), pristine);
  if (variant === "rfc")
    run("patch", ["-p1", "--forward", "--batch", "-i", patchFile], { cwd: tree, timeoutSeconds: 60 });
  log(`building the ${variant} kernel (make -j2 bzImage)`);
  const { seconds } = timed(() =>
    run("nice", ["-n", "10", "make", "-j2", "bzImage"], { cwd: tree, timeoutSeconds: 3600 }),
  );
  copyFileSync(path.join(tree, "arch/x86/boot/bzImage"), image);
  writeFileSync(stamp, key);
  return { image, seconds, rebuilt: true };
}

interface LoadedScenario {
  file: string;
  scenario: Scenario;
  unsupported: string[];
}

/** The included golden scenarios (samples/scenarios) and the oracle's own extras (oracle/scenarios), parsed and compiled. */
function loadScenarios(): { loaded: LoadedScenario[]; script: string } {
  const goldens = INCLUDED_GOLDENS.map((id) => `samples/scenarios/${id}.vmsim`);
  const extras = readdirSync(path.join(oracleDir, "scenarios"))
    .filter((name) => name.endsWith(".vmsim"))
    .sort()
    .map((name) => `oracle/scenarios/${name}`);
  const loaded: LoadedScenario[] = [];
  const lines: string[] = [];
  for (const file of [...goldens, ...extras]) {
    const { scenario, diagnostics } = parseScenario(readFileSync(path.join(root, file), "utf8"));
    if (diagnostics.length)
      throw new Error(
        `${file}: ${diagnostics.map((item) => `${item.line}:${item.column}: ${item.message}`).join("; ")}`,
      );
    const compiled = compileScenario(scenario, PAGE_SIZE);
    loaded.push({ file, scenario, unsupported: compiled.unsupported });
    if (compiled.unsupported.length === 0) lines.push(...compiled.lines);
  }
  return { loaded, script: lines.join("\n") + "\n" };
}

function buildGuest(): string {
  const guest = path.join(cache, "vmsim-guest");
  run("gcc", ["-static", "-O2", "-Wall", "-o", guest, path.join(oracleDir, "guest/vmsim-guest.c")], {
    timeoutSeconds: 300,
  });
  return guest;
}

/** Packs busybox, the guest program and one script into an initramfs named after `name`. */
function buildInitramfs(guest: string, script: string, name: string): string {
  const scriptFile = path.join(cache, `scenarios-${name}.txt`);
  writeFileSync(scriptFile, script);
  const list = [
    "dir /dev 755 0 0",
    "nod /dev/console 600 0 0 c 5 1",
    "dir /proc 755 0 0",
    "dir /tmp 1777 0 0",
    "dir /bin 755 0 0",
    "file /bin/busybox /bin/busybox 755 0 0",
    "slink /bin/sh busybox 777 0 0",
    `file /init ${path.join(oracleDir, "guest/init.sh")} 755 0 0`,
    `file /vmsim-guest ${guest} 755 0 0`,
    `file /scenarios.txt ${scriptFile} 644 0 0`,
  ];
  const listFile = path.join(cache, `initramfs-${name}.list`);
  writeFileSync(listFile, list.join("\n") + "\n");
  const cpio = spawnSync(path.join(tree, "usr/gen_init_cpio"), [listFile], {
    timeout: 60_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (cpio.status !== 0) throw new Error(`gen_init_cpio failed: ${String(cpio.stderr)}`);
  const gzip = spawnSync("gzip", ["-n", "-9"], { input: cpio.stdout, timeout: 60_000, maxBuffer: 64 * 1024 * 1024 });
  if (gzip.status !== 0) throw new Error(`gzip failed: ${String(gzip.stderr)}`);
  const initramfs = path.join(cache, `initramfs-${name}.cpio.gz`);
  writeFileSync(initramfs, gzip.stdout);
  return initramfs;
}

/** Boots one kernel under timeout(1) (and a node-side kill as a second guard); returns both serial logs. */
function boot(
  image: string,
  initramfs: string,
  name: string,
  memoryMiB = 512,
): { results: string; console: string; seconds: number; timedOut: boolean } {
  const consoleFile = path.join(cache, `console-${name}.log`);
  const resultsFile = path.join(cache, `results-${name}.log`);
  for (const file of [consoleFile, resultsFile]) writeFileSync(file, "");
  // Serial port 0 is the kernel console, port 1 carries the guest's result lines; printk.devkmsg=on lets the guest's
  // markers through /dev/kmsg without rate limiting.
  const qemuArgs = [
    "--kill-after=10",
    "240",
    "qemu-system-x86_64",
    "-accel",
    "tcg",
    "-m",
    String(memoryMiB),
    "-smp",
    "1",
    "-display",
    "none",
    "-monitor",
    "none",
    "-no-reboot",
    "-serial",
    `file:${consoleFile}`,
    "-serial",
    `file:${resultsFile}`,
    "-kernel",
    image,
    "-initrd",
    initramfs,
    "-append",
    "console=ttyS0 panic=-1 oops=panic printk.devkmsg=on",
  ];
  log(`booting the ${name} kernel`);
  const { value: result, seconds } = timed(() =>
    spawnSync("timeout", qemuArgs, {
      encoding: "utf8",
      timeout: 270_000,
      killSignal: "SIGKILL",
      maxBuffer: 64 * 1024 * 1024,
      stdio: ["ignore", "pipe", "pipe"],
    }),
  );
  if (result.status !== 0 && result.status !== 124)
    log(`qemu exited with status ${result.status}: ${String(result.stderr).slice(-500)}`);
  return {
    results: readFileSync(resultsFile, "utf8"),
    console: readFileSync(consoleFile, "utf8"),
    seconds,
    timedOut: result.status === 124 || result.signal === "SIGKILL",
  };
}

/** Control run facts: every call step must have neither zapped nor moved pages. */
function summariseControl(guest: GuestRun, loaded: LoadedScenario[]): ControlSummary {
  const violations: string[] = [];
  let calls = 0;
  for (const observed of guest.scenarios) {
    const source = loaded.find((item) => item.scenario.id === observed.id);
    if (!source) continue;
    for (const row of kernelRows(source.scenario, observed, PAGE_SIZE, guest.zeroPfn)) {
      calls++;
      if (row.kernel && (row.kernel.zapped.length || row.kernel.moved.length))
        violations.push(
          `${observed.id} step ${row.index} (line ${row.line}): zapped ${row.kernel.zapped.join(" ") || "none"}, moved ${row.kernel.moved.join(" ") || "none"}`,
        );
    }
    if (!observed.ended) violations.push(`${observed.id}: did not finish`);
  }
  return { calls, violations, scenarios: guest.scenarios.length };
}

/**
 * Hazard probes (oracle/hazards/*.script, guest script format): each runs in a boot of its own on the patched kernel,
 * because the hazard it demonstrates may be a kernel BUG or leave the kernel in a bad state. A probe is reproduced when a
 * console line contains the text of one of its `# expect-kernel:` lines (if it has any) and every one of its
 * `# expect-result:` lines occurs in the guest's result lines. Probes are reported, they do not decide the verdict.
 */
function runHazards(image: string, guest: string): HazardResult[] {
  const directory = path.join(oracleDir, "hazards");
  if (!existsSync(directory)) return [];
  return readdirSync(directory)
    .filter((name) => name.endsWith(".script"))
    .sort()
    .map((name) => {
      const script = readFileSync(path.join(directory, name), "utf8");
      // Any `# expect-kernel:` line is an accepted manifestation (a use-after-free shows up in more than one way);
      // every `# expect-result:` line must appear in the guest's result lines.
      const directive = (prefix: string): string[] =>
        script
          .split("\n")
          .filter((line) => line.startsWith(prefix))
          .map((line) => line.slice(prefix.length).trim())
          .filter((text) => text !== "");
      const expected = directive("# expect-kernel:");
      const expectedResults = directive("# expect-result:");
      const label = name.replace(/\.script$/, "");
      const result = boot(image, buildInitramfs(guest, script, `hazard-${label}`), `hazard-${label}`);
      const guestRun = parseGuestLogs(result.results, result.console);
      const consoleLines = result.console.split("\n").map((line) => line.replace(/\r$/, ""));
      const at = consoleLines.findIndex((line) => expected.some((text) => line.includes(text)));
      const resultLines = result.results.split("\n").map((line) => line.replace(/\r$/, ""));
      const matchedResults = expectedResults.map((text) => resultLines.find((line) => line.includes(text)));
      // The page dump and the BUG line, without the register dump that follows; or the guest lines that matched.
      const excerpt = [
        ...(at < 0 ? [] : consoleLines.slice(Math.max(0, at - 6), at + 4)),
        ...matchedResults.filter((line): line is string => line !== undefined),
      ];
      const reproduced =
        (expected.length === 0 || at >= 0) &&
        matchedResults.every((line) => line !== undefined) &&
        expected.length + expectedResults.length > 0;
      const description = [
        ...expected.map((text) => `kernel: ${text}`),
        ...expectedResults.map((text) => `result: ${text}`),
      ].join(" | ");
      return {
        name: label,
        expected: description,
        reproduced,
        fatal: guestRun.fatal.map((line) => line.text),
        excerpt,
        seconds: result.seconds,
      };
    });
}

/** Runs the known 6.1-vs-3.12 differences (lib/selection.ts), one boot per memory size, and compares each with the model. */
function runKnownDifferences(image: string, guest: string): KnownDifferenceResult[] {
  const results: KnownDifferenceResult[] = [];
  for (const memoryMiB of [...new Set(KNOWN_DIFFERENCES.map((known) => known.memoryMiB))].sort((a, b) => a - b)) {
    const group = KNOWN_DIFFERENCES.filter((known) => known.memoryMiB === memoryMiB);
    const scenarios = group.map((known) => {
      const file = `samples/scenarios/${known.id}.vmsim`;
      const { scenario, diagnostics } = parseScenario(readFileSync(path.join(root, file), "utf8"));
      if (diagnostics.length)
        throw new Error(
          `${file}: ${diagnostics.map((item) => `${item.line}:${item.column}: ${item.message}`).join("; ")}`,
        );
      return scenario;
    });
    const script = scenarios.flatMap((scenario) => compileScenario(scenario, PAGE_SIZE).lines).join("\n") + "\n";
    const name = `known-${memoryMiB}`;
    const result = boot(image, buildInitramfs(guest, script, name), name, memoryMiB);
    const guestRun = parseGuestLogs(result.results, result.console);
    group.forEach((known, index) => {
      const scenario = scenarios[index];
      const observed = guestRun.scenarios.find((item) => item.id === scenario.id);
      const comparison = observed
        ? compareScenario(
            scenario,
            runScenario(scenario, { kernel: "rfc-v2", pageSize: PAGE_SIZE }),
            observed,
            guestRun.zeroPfn,
          )
        : {
            id: scenario.id,
            steps: [],
            checks: 0,
            rss: [],
            differences: [
              {
                scenario: scenario.id,
                step: null,
                line: null,
                what: "scenario end",
                kernel: "no kernel result",
                model: "-",
              },
            ],
          };
      const whats = comparison.differences.map((difference) => difference.what);
      const unexpected = comparison.differences.filter((difference) => !known.expected.includes(difference.what));
      const missing = known.expected.filter((what) => !whats.includes(what));
      // The boot's time and kernel lines are shared by its scenarios; both are reported with the first one.
      results.push({
        known,
        comparison,
        unexpected,
        missing,
        fatal: index === 0 ? guestRun.fatal.map((line) => line.text) : [],
        seconds: index === 0 ? result.seconds : 0,
        timedOut: result.timedOut,
      });
    });
  }
  return results;
}

function main(): number {
  const startedAt = new Date();
  const times: Record<string, number> = {};
  let installed: string[];
  try {
    if (process.platform !== "linux" || process.arch !== "x64")
      throw new EnvironmentError("the oracle needs an x86-64 Linux host");
    installed = timed(() => ensurePackages()).value;
    if (!existsSync(sourceTarball))
      throw new EnvironmentError(`${sourceTarball} is missing after installing linux-source-6.1`);
  } catch (error) {
    log(error instanceof Error ? error.message : String(error));
    return 2;
  }
  const unpack = timed(() => ensureSource());
  if (unpack.value) times.unpack = unpack.seconds;
  const configure = timed(() => ensureConfig());
  if (configure.value) times.configure = configure.seconds;
  const control = runControl ? buildKernel("control") : null;
  const rfc = buildKernel("rfc");
  if (control?.rebuilt) times.buildControl = control.seconds;
  if (rfc.rebuilt) times.buildRfc = rfc.seconds;

  const { loaded, script } = loadScenarios();
  const guest = buildGuest();
  const initramfs = buildInitramfs(guest, script, "scenarios");
  const rfcBoot = boot(rfc.image, initramfs, "rfc");
  times.bootRfc = rfcBoot.seconds;
  const rfcGuest = parseGuestLogs(rfcBoot.results, rfcBoot.console);

  const comparisons: ScenarioComparison[] = [];
  for (const item of loaded) {
    if (item.unsupported.length) continue;
    const observed = rfcGuest.scenarios.find((scenario) => scenario.id === item.scenario.id);
    if (!observed) continue;
    let result: ReturnType<typeof runScenario>;
    try {
      result = runScenario(item.scenario, { kernel: "rfc-v2", pageSize: PAGE_SIZE });
    } catch (error) {
      comparisons.push({
        id: item.scenario.id,
        steps: [],
        checks: 0,
        rss: [],
        differences: [
          {
            scenario: item.scenario.id,
            step: null,
            line: null,
            what: "simulator",
            kernel: "-",
            model: `runScenario threw: ${error instanceof Error ? error.message : String(error)}`,
          },
        ],
      });
      continue;
    }
    comparisons.push(compareScenario(item.scenario, result, observed, rfcGuest.zeroPfn));
  }

  let controlGuest: GuestRun | null = null;
  let controlTimedOut = false;
  let controlSummary: ControlSummary | null = null;
  const controlComparisons: ScenarioComparison[] = [];
  if (control) {
    const controlBoot = boot(control.image, initramfs, "control");
    times.bootControl = controlBoot.seconds;
    controlTimedOut = controlBoot.timedOut;
    controlGuest = parseGuestLogs(controlBoot.results, controlBoot.console);
    controlSummary = summariseControl(controlGuest, loaded);
    // Informational: the unpatched kernel against the simulator's mainline-6.x model (does not decide the verdict).
    for (const item of loaded) {
      const observed = controlGuest.scenarios.find((scenario) => scenario.id === item.scenario.id);
      if (!observed || item.unsupported.length) continue;
      try {
        controlComparisons.push(
          compareScenario(
            item.scenario,
            runScenario(item.scenario, { kernel: "mainline-6.x", pageSize: PAGE_SIZE }),
            observed,
            controlGuest.zeroPfn,
          ),
        );
      } catch (error) {
        controlComparisons.push({
          id: item.scenario.id,
          steps: [],
          checks: 0,
          rss: [],
          differences: [
            {
              scenario: item.scenario.id,
              step: null,
              line: null,
              what: "simulator",
              kernel: "-",
              model: `runScenario threw: ${error instanceof Error ? error.message : String(error)}`,
            },
          ],
        });
      }
    }
  }

  // VMS-THP-SPLIT: calls after which the caller had fewer AnonHugePages than before.
  const thpDrops: string[] = [];
  for (const observed of rfcGuest.scenarios) {
    const source = loaded.find((item) => item.scenario.id === observed.id);
    for (const step of observed.steps) {
      if (step.thp && step.thp[0] > step.thp[1])
        thpDrops.push(
          `${observed.id} line ${source?.scenario.steps[step.index]?.line ?? "?"} (\`${source?.scenario.steps[step.index]?.text ?? step.command}\`): AnonHugePages of ${step.process} ${step.thp[0]} kB before, ${step.thp[1]} kB after`,
        );
    }
  }

  const knownDifferences = runKnownDifferences(rfc.image, guest);
  times.bootKnownDifferences = knownDifferences.reduce((sum, item) => sum + item.seconds, 0);
  for (const item of knownDifferences) {
    for (const row of item.comparison.steps)
      if (row.kernel?.thpSplit)
        thpDrops.push(
          `${item.known.id} line ${row.line} (\`${row.text}\`, ${item.known.memoryMiB} MiB boot): the caller's AnonHugePages dropped`,
        );
  }

  const hazards = runHazards(rfc.image, guest);
  times.bootHazards = hazards.reduce((sum, hazard) => sum + hazard.seconds, 0);

  const oracleRun: OracleRun = {
    startedAt: startedAt.toISOString(),
    installedPackages: installed,
    times,
    rfc: { guest: rfcGuest, timedOut: rfcBoot.timedOut },
    control: controlGuest
      ? { guest: controlGuest, timedOut: controlTimedOut, summary: controlSummary, comparisons: controlComparisons }
      : null,
    scenarios: loaded.map((item) => ({
      id: item.scenario.id,
      title: item.scenario.title,
      file: item.file,
      unsupported: item.unsupported,
    })),
    comparisons,
    hazards,
    thpDrops,
    knownDifferences,
  };
  const report = renderReport(oracleRun);
  mkdirSync(path.dirname(reportPath), { recursive: true });
  writeFileSync(reportPath, report.markdown);
  writeFileSync(
    path.join(cache, "oracle-result.json"),
    JSON.stringify({ ...oracleRun, verdict: report.verdict }, null, 2),
  );
  for (const line of report.summary) log(line);
  log(`report: ${path.relative(root, reportPath)}`);
  return report.verdict.ok ? 0 : 1;
}

try {
  process.exitCode = main();
} catch (error) {
  log(error instanceof Error ? (error.stack ?? error.message) : String(error));
  process.exitCode = 1;
}
