/**
 * Test entry for the development run: VS Code loads vmsplice Lens from the repository folder
 * (extensionDevelopmentPath) and calls `run()`, as a `@vscode/test-electron` test entry.
 */
import { runTests } from "./harness";
import { registerTests } from "./tests";

export function run(): Promise<void> {
  registerTests("development");
  return runTests("development");
}
