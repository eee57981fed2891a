// The real-editor test driver: opens the VS Code server's workbench in headless Debian Chromium with playwright-core,
// passes the development extension and the test entry in the URL payload (the smoke-test driver mode of the server makes
// the web workbench honour them), relays the extension host's log, takes the screenshots the tests ask for, and exits
// with the tests' exit code.
//
// Usage: node driver.cjs <port> <workspaceDir> <extensionDevelopmentPath> <extensionTestsPath> <artifactsDir> <runName>
// Screenshots: a test logs `E2E-SCREENSHOT <name>`; the driver writes <artifactsDir>/<name>.png (atomically, through a
// temporary file) and the test awaits that file. Results: the tests log `E2E-PASS <name>` / `E2E-FAIL <name>: ...`;
// the driver counts them and prints `E2E-COUNTS <passed> <failed>` for run.sh.
"use strict";
const { chromium } = require("playwright-core");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const util = require("node:util");

const [port, workspace, extensionDevelopmentPath, extensionTestsPath, artifacts, runName] = process.argv.slice(2);
const base = `http://127.0.0.1:${port}`;
const timeoutMs = Number(process.env.E2E_TIMEOUT_MS || 180000);
let page = null;

function remote(file) {
  return `vscode-remote://127.0.0.1:${port}${path.resolve(file)}`;
}

async function screenshot(name) {
  const safe = name.replace(/[^A-Za-z0-9_.-]/g, "_");
  const target = path.join(artifacts, `${safe}.png`);
  const temporary = path.join(artifacts, `.${safe}.tmp.png`);
  try {
    await page.screenshot({ path: temporary });
    fs.renameSync(temporary, target);
    console.log(`[driver] screenshot ${target}`);
  } catch (error) {
    console.log(`[driver] screenshot ${name} failed: ${error.message}`);
  }
}

/** The frame of our simulator webview (VS Code nests webview content two iframes deep). */
async function simulatorFrame() {
  for (const frame of page.frames()) {
    try {
      if (await frame.$("#app #forward")) return frame;
    } catch {
      // A frame that navigated away while being inspected is skipped.
    }
  }
  return null;
}

// Actions a test asks for with `E2E-ACTION <name> [argument]`: they act on the webview as a user would (keyboard,
// select boxes), which the extension host cannot do itself. The test awaits the effect through the extension's API.
async function act(name, argument) {
  if (name === "click-hover-link") {
    // The link inside the editor's hover widget, clicked as a user would; it runs only if the markdown is trusted.
    await page.click(`.monaco-hover a:has-text("${argument.replace(/_/g, " ")}")`, { timeout: 15000 });
    console.log(`[driver] action ${name} ${argument} done`);
    return;
  }
  if (name === "click-hover-code-link") {
    // The rule id of a diagnostic in the editor's hover: the link VS Code draws from the diagnostic's codeDescription.
    await page.click(`.monaco-hover a.code-link:has-text("${argument}")`, { timeout: 15000 });
    console.log(`[driver] action ${name} ${argument} done`);
    return;
  }
  if (name === "quick-pick") {
    // Types into the open quick pick and accepts the first match, as a user would.
    await page.waitForSelector(".quick-input-widget:not([style*='display: none']) input", { timeout: 15000 });
    await page.keyboard.type(argument.replace(/_/g, " "));
    await page.keyboard.press("Enter");
    console.log(`[driver] action ${name} ${argument} done`);
    return;
  }
  if (name === "wait-codelens") {
    // argument "<artifact>:<text>": waits until a code lens shown in the editor contains the text, then writes what the
    // editor shows to <artifactsDir>/<run>-<artifact>.txt ("found" or "missing" first), which the test awaits and reads.
    // The first line also says how long the lens took to show it ("found after 312 ms"); the second line is what the
    // editor showed at the start of the wait, the third what it shows at the end.
    const [artifact, ...words] = argument.split(":");
    const wanted = words.join(":").replace(/_/g, " ");
    const shownNow = () =>
      page.$$eval(".monaco-editor .codelens-decoration", (nodes) => nodes.map((node) => node.textContent).join(" | "));
    const waitStarted = Date.now();
    const before = await shownNow();
    let verdict = "found";
    try {
      await page.waitForSelector(`.monaco-editor .codelens-decoration:has-text("${wanted}")`, { timeout: 15000 });
    } catch {
      verdict = "missing";
    }
    const shown = await shownNow();
    const target = path.join(artifacts, `${runName}-${artifact}.txt`);
    fs.writeFileSync(`${target}.tmp`, `${verdict} after ${Date.now() - waitStarted} ms\n${shown}\n${before}\n`);
    fs.renameSync(`${target}.tmp`, target);
    console.log(`[driver] action ${name} ${argument}: ${verdict}`);
    return;
  }
  if (name === "wait-rendered") {
    // argument "<artifact>:<text>": waits until a webview frame (a markdown preview) has painted a heading with the
    // text, so a screenshot shows the page and not an empty frame; writes "found"/"missing" to <run>-<artifact>.txt.
    const [artifact, ...words] = argument.split(":");
    const wanted = words.join(":").replace(/_/g, " ");
    const deadline = Date.now() + 15000;
    let verdict = "missing";
    while (verdict === "missing" && Date.now() < deadline) {
      for (const frame of page.frames()) {
        try {
          const heading = await frame.$(`h1:has-text("${wanted}")`);
          if (heading && (await heading.isVisible())) verdict = "found";
        } catch {
          // A frame that navigated away while being inspected is skipped.
        }
        if (verdict === "found") break;
      }
      if (verdict === "missing") await page.waitForTimeout(100);
    }
    const target = path.join(artifacts, `${runName}-${artifact}.txt`);
    fs.writeFileSync(`${target}.tmp`, `${verdict}\n`);
    fs.renameSync(`${target}.tmp`, target);
    console.log(`[driver] action ${name} ${argument}: ${verdict}`);
    return;
  }
  if (name === "quick-pick-accept") {
    // Waits for the quick pick's list (a user sees it open) and accepts the preselected item with Enter.
    await page.waitForSelector(".quick-input-widget .quick-input-list .monaco-list-row", { timeout: 15000 });
    await page.keyboard.press("Enter");
    console.log(`[driver] action ${name} done`);
    return;
  }
  const frame = await simulatorFrame();
  if (!frame) throw new Error("no simulator webview frame");
  if (name === "webview-keys") {
    await frame.click("#caption");
    for (const key of (argument || "ArrowRight").split(",")) await page.keyboard.press(key);
  } else if (name === "webview-kernel") {
    await frame.selectOption("#kernel", argument);
  } else if (name === "webview-page-size") {
    await frame.selectOption("#page-size", argument);
  } else if (name === "webview-click") {
    await frame.click(argument, { timeout: 15000 });
  } else {
    throw new Error(`unknown action ${name}`);
  }
  console.log(`[driver] action ${name} ${argument || ""} done`);
}

(async () => {
  const started = Date.now();
  fs.mkdirSync(artifacts, { recursive: true });
  const userDataDir = fs.mkdtempSync(path.join(os.tmpdir(), "vmsplice-lens-chromium-"));
  const context = await chromium.launchPersistentContext(userDataDir, {
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    viewport: { width: 1400, height: 900 },
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  page = context.pages()[0] || (await context.newPage());
  page.on("pageerror", (error) => console.log("[pageerror]", error.message));
  if (process.env.VERBOSE)
    page.on("console", (message) => console.log(`[console.${message.type()}]`, message.text().slice(0, 400)));

  let passed = 0;
  let failed = 0;
  let exitCode = null;
  let finish;
  const finished = new Promise((resolve) => (finish = resolve));
  const pendingShots = [];
  await page.exposeFunction("codeAutomationLog", (_type, args) => {
    const line = util.format(...(args || []));
    console.log("[exthost]", line);
    for (const text of line.split("\n")) {
      if (text.startsWith("E2E-PASS ")) passed += 1;
      else if (text.startsWith("E2E-FAIL ")) failed += 1;
      else if (text.startsWith("E2E-SCREENSHOT "))
        pendingShots.push(screenshot(`${runName}-${text.slice("E2E-SCREENSHOT ".length).trim()}`));
      else if (text.startsWith("E2E-ACTION ")) {
        const [name, argument] = text.slice("E2E-ACTION ".length).trim().split(/\s+/);
        act(name, argument).catch((error) => console.log(`[driver] action ${name} failed: ${error.message}`));
      }
    }
  });
  await page.exposeFunction("codeAutomationExit", (code) => {
    exitCode = code;
    finish();
  });

  const payload = [];
  if (extensionDevelopmentPath !== "-") payload.push(["extensionDevelopmentPath", remote(extensionDevelopmentPath)]);
  payload.push(["extensionTestsPath", remote(extensionTestsPath)]);
  payload.push(["skipWelcome", "true"]);
  const url = `${base}/?folder=${encodeURIComponent(path.resolve(workspace))}&payload=${encodeURIComponent(JSON.stringify(payload))}`;
  await page.goto(url);
  await page.waitForSelector(".monaco-workbench", { timeout: 60000 });
  console.log(`[driver] workbench up after ${Date.now() - started} ms`);

  const timer = setTimeout(() => {
    console.log(`[driver] TIMEOUT: the tests did not finish within ${timeoutMs} ms`);
    finish();
  }, timeoutMs);
  await finished;
  clearTimeout(timer);
  await Promise.all(pendingShots);
  await screenshot(`${runName}-final`);
  console.log(`[driver] tests exit code ${exitCode} after ${Date.now() - started} ms`);
  console.log(`E2E-COUNTS ${passed} ${failed + (exitCode === 0 ? 0 : passed + failed === 0 ? 1 : 0)}`);
  await context.close();
  fs.rmSync(userDataDir, { recursive: true, force: true });
  process.exit(exitCode === 0 && failed === 0 ? 0 : 1);
})().catch(async (error) => {
  console.error("[driver] FAILED", error);
  if (page) await screenshot(`${runName}-driver-failure`);
  console.log("E2E-COUNTS 0 1");
  process.exit(2);
});
