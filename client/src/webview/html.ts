/**
 * Builds the simulator webview's HTML document: a strict Content-Security-Policy with a per-load nonce, one stylesheet
 * and one script, both from the extension's own dist/ folder, and an empty root the script fills.
 *
 * This module is pure (it imports only Node's crypto for the nonce, never `vscode`), so unit tests check the policy and
 * the escaping directly. No data from source code or from the trace ever goes into this HTML: the webview receives it by
 * message and sets it with textContent. The few values that do go in (URIs, the title) are escaped anyway.
 */
import { randomBytes } from "node:crypto";

export interface WebviewHtmlInput {
  /** The webview's `cspSource` (the origin its local resources are served from). */
  cspSource: string;
  /** A fresh nonce per HTML load; only the script carrying it may run. */
  nonce: string;
  /** `webview.asWebviewUri` of dist/webview.js. */
  scriptUri: string;
  /** `webview.asWebviewUri` of dist/webview.css. */
  styleUri: string;
  title: string;
}

/** A nonce of 128 random bits in base64url, as the CSP specification recommends (at least 128 bits, unguessable). */
export function createNonce(): string {
  return randomBytes(16).toString("base64url");
}

/** Escapes text for an HTML text node or a double-quoted attribute value. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (character) => {
    switch (character) {
      case "&":
        return "&amp;";
      case "<":
        return "&lt;";
      case ">":
        return "&gt;";
      case '"':
        return "&quot;";
      default:
        return "&#39;";
    }
  });
}

/**
 * The Content-Security-Policy: nothing is allowed by default; scripts only with the nonce; styles, images and fonts only
 * from the extension's own resources. No 'unsafe-inline', no 'unsafe-eval', no remote origin.
 */
export function contentSecurityPolicy(cspSource: string, nonce: string): string {
  if (!/^[A-Za-z0-9_-]+$/.test(nonce)) throw new Error("a CSP nonce must be base64url text");
  // VS Code's cspSource is a space-separated source list (for example "'self' https://*.vscode-cdn.net"); it must not
  // be able to end the directive or start another one.
  if (/[;,\r\n"]/.test(cspSource) || cspSource.trim() === "")
    throw new Error("a cspSource must be a source list of one directive");
  return [
    `default-src 'none'`,
    `script-src 'nonce-${nonce}'`,
    `style-src ${cspSource}`,
    `img-src ${cspSource}`,
    `font-src ${cspSource}`,
  ].join("; ");
}

export function buildWebviewHtml(input: WebviewHtmlInput): string {
  const policy = contentSecurityPolicy(input.cspSource, input.nonce);
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${escapeHtml(policy)}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${escapeHtml(input.styleUri)}">
<title>${escapeHtml(input.title)}</title>
</head>
<body>
<main id="app"></main>
<script nonce="${escapeHtml(input.nonce)}" src="${escapeHtml(input.scriptUri)}"></script>
</body>
</html>
`;
}
