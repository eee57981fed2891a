/**
 * A small Mocha-shaped test runner for the extension host (the project installs no Mocha): `test(name, body)` registers,
 * `runTests()` runs them in order and resolves or rejects the way a `@vscode/test-electron` test entry's `run()` does.
 *
 * It also holds the helpers every e2e test needs: awaiting an event or a condition with a timeout (never a fixed sleep)
 * and asking the driver for a screenshot. Each result is logged as `E2E-PASS name` / `E2E-FAIL name: why`, which the
 * driver counts. This file runs inside VS Code's extension host and may import `vscode`; it is bundled by run.sh.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import * as vscode from "vscode";

interface Registered {
  name: string;
  body: () => Promise<void>;
  timeoutMs: number;
}

const registered: Registered[] = [];
const setups: (() => Promise<void>)[] = [];

/** Registers work to run once before the tests (workbench layout); a failing setup fails the suite. */
export function before(body: () => Promise<void>): void {
  setups.push(body);
}

export function test(name: string, body: () => Promise<void>, timeoutMs = 60000): void {
  registered.push({ name, body, timeoutMs });
}

function withTimeout<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Runs every registered test in order; a failing test does not stop the others. Rejects when any failed. */
export async function runTests(suiteName: string): Promise<void> {
  let failures = 0;
  console.log(`E2E-SUITE ${suiteName}: ${registered.length} tests`);
  for (const setup of setups) await withTimeout(setup(), 30000, "the suite's setup");
  for (const { name, body, timeoutMs } of registered) {
    const started = Date.now();
    try {
      await withTimeout(body(), timeoutMs, `test "${name}"`);
      console.log(`E2E-PASS ${name} (${Date.now() - started} ms)`);
    } catch (error) {
      failures += 1;
      const message = error instanceof Error ? (error.stack ?? error.message) : String(error);
      console.log(`E2E-FAIL ${name}: ${message.split("\n").join("\n    ")}`);
    }
  }
  if (failures > 0) throw new Error(`${failures} of ${registered.length} e2e tests failed`);
}

/**
 * Awaits the first moment `check` returns a value (not undefined), re-checking whenever `event` fires;
 * rejects after `timeoutMs`. The check runs once at the start too, in case the state is already there.
 */
export function waitFor<T>(
  event: vscode.Event<unknown>,
  check: () => T | undefined,
  timeoutMs: number,
  what: string,
): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let subscription: vscode.Disposable | undefined;
    const timer = setTimeout(() => {
      subscription?.dispose();
      reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`));
    }, timeoutMs);
    const attempt = (): boolean => {
      const value = check();
      if (value === undefined) return false;
      clearTimeout(timer);
      subscription?.dispose();
      resolve(value);
      return true;
    };
    if (!attempt()) subscription = event(() => void attempt());
  });
}

/** Asks the driver for a screenshot of the workbench and awaits the file (the driver renames it into place when done). */
export async function screenshot(
  name: string,
  artifactsDir: string,
  runName: string,
  timeoutMs = 20000,
): Promise<string> {
  return awaitDriverFile(path.join(artifactsDir, `${runName}-${name}.png`), `E2E-SCREENSHOT ${name}`, timeoutMs);
}

/** Logs a request to the driver and awaits the file it answers with (renamed into place when complete). */
export async function awaitDriverFile(file: string, request: string, timeoutMs: number): Promise<string> {
  const artifactsDir = path.dirname(file);
  const name = path.basename(file);
  fs.rmSync(file, { force: true });
  const appeared = new Promise<void>((resolve) => {
    const watcher = fs.watch(artifactsDir, () => {
      if (fs.existsSync(file)) {
        watcher.close();
        resolve();
      }
    });
    // The file may already be there if the driver was faster than the watcher's start.
    if (fs.existsSync(file)) {
      watcher.close();
      resolve();
    }
  });
  console.log(request);
  await withTimeout(appeared, timeoutMs, `the driver's ${name}`);
  return file;
}
