// The server soak (scripts/soak.ts, `npm run soak -- --edits 10000`) in a small size: random edits over real stdio,
// hovers and code lenses in between, the final diagnostics equal to a fresh server's, the heap after GC not grown.
import { test } from "node:test";
import assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import path from "node:path";

test("a short soak: 400 random edits leave the server alive, answering, and equal to a fresh analysis", () => {
  const root = path.resolve(__dirname, "..", "..");
  const result = spawnSync(process.execPath, ["--import", "tsx", "scripts/soak.ts", "--edits", "400", "--seed", "3"], {
    cwd: root,
    encoding: "utf8",
    timeout: 300_000,
  });
  assert.equal(result.status, 0, result.stdout + result.stderr);
  assert.match(result.stdout, /server alive, 0 failed requests, final diagnostics equal a fresh server's/);
});
