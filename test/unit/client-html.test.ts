// Unit tests of the simulator webview's HTML: the Content-Security-Policy, the nonce, and the escaping of everything inserted.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, readdirSync } from "node:fs";
import path from "node:path";
import { buildWebviewHtml, contentSecurityPolicy, createNonce, escapeHtml } from "../../client/src/webview/html";

const input = {
  cspSource: "https://file+.vscode-resource.vscode-cdn.net",
  nonce: "abcDEF123_-",
  scriptUri: "https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview.js",
  styleUri: "https://file+.vscode-resource.vscode-cdn.net/ext/dist/webview.css",
  title: "vmsplice page movement",
};

function policyOf(html: string): Map<string, string[]> {
  const match = /<meta http-equiv="Content-Security-Policy" content="([^"]*)">/.exec(html);
  assert.ok(match, "the document carries a CSP meta tag");
  const directives = new Map<string, string[]>();
  for (const directive of match[1].replace(/&#39;/g, "'").split(";")) {
    const [name, ...values] = directive.trim().split(/\s+/);
    directives.set(name, values);
  }
  return directives;
}

describe("webview HTML", () => {
  test("the policy denies everything by default and allows only the nonce script and the extension's own styles", () => {
    const policy = policyOf(buildWebviewHtml(input));
    assert.deepEqual(policy.get("default-src"), ["'none'"]);
    assert.deepEqual(policy.get("script-src"), [`'nonce-${input.nonce}'`]);
    assert.deepEqual(policy.get("style-src"), [input.cspSource]);
    for (const values of policy.values()) {
      for (const value of values)
        assert.ok(
          !["'unsafe-inline'", "'unsafe-eval'", "*", "http:", "https:", "data:"].includes(value),
          `no permissive source ${value}`,
        );
    }
  });

  test("the only script carries the nonce and comes from the extension; there is no inline script or style", () => {
    const html = buildWebviewHtml(input);
    const scripts = html.match(/<script[^>]*>/g) ?? [];
    assert.deepEqual(scripts, [`<script nonce="${input.nonce}" src="${input.scriptUri}">`]);
    assert.ok(!/<style/i.test(html));
    assert.ok(!/ style=/i.test(html));
    assert.ok(html.includes(`<link rel="stylesheet" href="${input.styleUri}">`));
  });

  test("a cspSource listing several sources (as VS Code's web build gives) is kept whole", () => {
    const policy = policyOf(buildWebviewHtml({ ...input, cspSource: "'self' https://*.vscode-cdn.net" }));
    assert.deepEqual(policy.get("style-src"), ["'self'", "https://*.vscode-cdn.net"]);
    assert.deepEqual(policy.get("script-src"), [`'nonce-${input.nonce}'`]);
  });

  test("inserted values are escaped", () => {
    const html = buildWebviewHtml({
      ...input,
      title: `</title><script>alert("x")</script>`,
      scriptUri: `x" onload="alert(1)`,
    });
    assert.ok(html.includes("&lt;/title&gt;&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"));
    assert.ok(html.includes(`src="x&quot; onload=&quot;alert(1)"`));
    assert.equal(escapeHtml(`&<>"'`), "&amp;&lt;&gt;&quot;&#39;");
  });

  test("a nonce or source that could break out of the policy is refused", () => {
    assert.throws(() => contentSecurityPolicy(input.cspSource, "abc'; script-src *"));
    assert.throws(() => contentSecurityPolicy("https://a; script-src *", "abc"));
    assert.throws(() => contentSecurityPolicy("https://a, https://b", "abc"));
    assert.throws(() => contentSecurityPolicy("", "abc"));
  });

  test("nonces are fresh, 128-bit and base64url", () => {
    const nonces = new Set(Array.from({ length: 50 }, createNonce));
    assert.equal(nonces.size, 50);
    for (const nonce of nonces) {
      assert.match(nonce, /^[A-Za-z0-9_-]{22}$/);
      assert.equal(Buffer.from(nonce, "base64url").length, 16);
    }
  });

  test("the webview code never parses data as HTML", () => {
    const folder = path.join(__dirname, "..", "..", "client", "webview");
    const sources = readdirSync(folder).filter((name) => name.endsWith(".ts"));
    assert.ok(sources.includes("main.ts"));
    for (const name of sources) {
      const text = readFileSync(path.join(folder, name), "utf8");
      for (const sink of ["innerHTML", "outerHTML", "insertAdjacentHTML", "document.write", "eval(", "new Function"]) {
        assert.ok(!text.includes(sink), `${name} must not use ${sink}`);
      }
    }
  });
});
