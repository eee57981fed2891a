/**
 * Test entry for the packaged run: vmsplice Lens comes from the .vsix installed with `--install-extension`, and the
 * development extension is the empty harness (VS Code runs extension tests only with one), so the product under test
 * is exactly what `npm run package` shipped.
 */
import { runTests } from "./harness";
import { registerTests } from "./tests";

export function run(): Promise<void> {
  registerTests("packaged");
  return runTests("packaged");
}
