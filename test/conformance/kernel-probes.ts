/**
 * Compiles and runs the C probe programs of test/conformance/probes against the kernel of this machine.
 *
 * This module owns the test-time side of the probes: deciding whether the machine can run them at all (Linux, root
 * for PFNs in /proc/self/pagemap, gcc), compiling each probe with `gcc -O1 -Wall -Werror` into a temporary folder,
 * and running it under a hard timeout so a probe that hangs can never hang the suite. It is test code and may use
 * Node's I/O and child processes; nothing in the product imports it.
 */
import { execFile, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import type { ProbeReport } from "./report";

export const PROBE_DIRECTORY = path.join(__dirname, "probes");

/** A probe should finish in well under a second; the timeout only stops a probe that hangs despite its guards. */
const RUN_TIMEOUT_MS = 20_000;
const COMPILE_TIMEOUT_MS = 60_000;

export interface ProbeEnvironment {
  /** Null when the probes can run; otherwise the reason they cannot, in one sentence. */
  unusableReason: string | null;
  release: string;
  machine: string;
}

/** Checks, without compiling anything, whether this machine can run the probes, and says why not. */
export function probeEnvironment(): ProbeEnvironment {
  const release = os.release();
  const machine = os.machine();
  const base = { release, machine };
  if (os.platform() !== "linux") return { ...base, unusableReason: `the probes need Linux, this is ${os.platform()}` };
  if (!existsSync("/proc/self/pagemap")) return { ...base, unusableReason: "/proc/self/pagemap does not exist" };
  if (typeof process.getuid === "function" && process.getuid() !== 0) {
    return {
      ...base,
      unusableReason: `the probes must run as root to read PFNs from /proc/self/pagemap (uid is ${process.getuid()})`,
    };
  }
  const gcc = spawnSync("gcc", ["--version"], { timeout: 10_000, encoding: "utf8" });
  if (gcc.error || gcc.status !== 0)
    return {
      ...base,
      unusableReason: `gcc is not available (${gcc.error?.message ?? `exit status ${gcc.status}`}); install gcc and libc6-dev`,
    };
  return { ...base, unusableReason: null };
}

/** Names of the probes (C files without the extension), sorted. */
export function probeNames(): string[] {
  return readdirSync(PROBE_DIRECTORY)
    .filter((file) => file.endsWith(".c"))
    .map((file) => file.slice(0, -2))
    .sort();
}

export type CompileResult = { binary: string } | { error: string };

function execFileAsync(
  file: string,
  args: string[],
  timeout: number,
): Promise<{ code: number | null; signal: string | null; stdout: string; stderr: string; error: string | null }> {
  return new Promise((resolve) => {
    execFile(
      file,
      args,
      { timeout, killSignal: "SIGKILL", maxBuffer: 16 * 1024 * 1024, encoding: "utf8" },
      (error, stdout, stderr) => {
        const failure = error as
          (NodeJS.ErrnoException & { code?: number | string; signal?: string; killed?: boolean }) | null;
        const code = failure ? (typeof failure.code === "number" ? failure.code : null) : 0;
        const spawnError =
          failure && typeof failure.code === "string"
            ? `${failure.code}: ${failure.message}`
            : failure?.killed
              ? `killed after ${timeout} ms`
              : null;
        resolve({ code, signal: failure?.signal ?? null, stdout, stderr, error: spawnError });
      },
    );
  });
}

/** Compiles every named probe into one fresh temporary folder (returned, for the caller to remove), a few at a time. */
export async function compileProbes(
  names: string[],
): Promise<{ directory: string; results: Map<string, CompileResult> }> {
  const outputDirectory = mkdtempSync(path.join(os.tmpdir(), "vmsplice-lens-probes-"));
  const results = new Map<string, CompileResult>();
  const queue = [...names];
  const workers = Array.from({ length: Math.max(1, Math.min(os.availableParallelism(), 8)) }, async () => {
    for (let name = queue.shift(); name !== undefined; name = queue.shift()) {
      const binary = path.join(outputDirectory, name);
      const outcome = await execFileAsync(
        "gcc",
        ["-O1", "-Wall", "-Werror", "-o", binary, path.join(PROBE_DIRECTORY, `${name}.c`)],
        COMPILE_TIMEOUT_MS,
      );
      results.set(
        name,
        outcome.code === 0
          ? { binary }
          : { error: `gcc failed for ${name}.c: ${outcome.error ?? ""}\n${outcome.stderr}` },
      );
    }
  });
  await Promise.all(workers);
  return { directory: outputDirectory, results };
}

export type RunResult = { report: ProbeReport } | { cannotRun: string } | { error: string };

/** Runs one compiled probe and parses its single JSON line; exit status 3 means "this machine cannot run me". */
export async function runProbe(binary: string, timeoutMs = RUN_TIMEOUT_MS): Promise<RunResult> {
  const outcome = await execFileAsync(binary, [], timeoutMs);
  const lastLine = outcome.stdout.trim().split("\n").pop() ?? "";
  if (outcome.code === 3) {
    try {
      return { cannotRun: String((JSON.parse(lastLine) as { cannotRun?: string }).cannotRun) };
    } catch {
      return { cannotRun: lastLine };
    }
  }
  if (outcome.error || outcome.code !== 0) {
    return {
      error: `${path.basename(binary)} failed (${outcome.error ?? `exit status ${outcome.code}, signal ${outcome.signal}`}): ${outcome.stderr.trim()}`,
    };
  }
  try {
    return { report: JSON.parse(lastLine) as ProbeReport };
  } catch (error) {
    return {
      error: `${path.basename(binary)} printed no valid JSON (${String(error)}): ${outcome.stdout.slice(0, 500)}`,
    };
  }
}
