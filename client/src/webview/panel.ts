/**
 * The simulator panel's host side: one webview panel, created on first use and reused after, that shows the replay trace
 * of a call site or a `.vmsim` scenario.
 *
 * It owns the panel's lifetime, its HTML (built by html.ts with a fresh nonce), the local resource root (dist/ only),
 * and the message exchange of messages.ts. It knows nothing about the kernel: traces come from a `Replayer` the extension
 * gives it (a request to the language server). Replies to superseded requests are dropped, so switching the kernel model
 * twice quickly can never show the first answer last.
 */
import * as vscode from "vscode";
import { RULE_DOCS_SCHEME } from "../../../server/src/protocol/ext";
import { shiftLine, siteLabel } from "../replay-args";
import { buildWebviewHtml, createNonce } from "./html";
import {
  parseWebviewMessage,
  type HostToWebview,
  type KernelModelName,
  type PageSizeValue,
  type RenderSummary,
  type ReplaySubject,
} from "./messages";

/** Fetches a trace for a subject under a kernel model and page size; rejects with a user-readable message. */
export type Replayer = (subject: ReplaySubject, kernel: KernelModelName, pageSize: PageSizeValue) => Promise<unknown>;

interface Current {
  subject: ReplaySubject;
  kernel: KernelModelName;
  pageSize: PageSizeValue;
  /** The last message that describes the panel's content, re-sent when the webview is recreated. */
  lastMessage: HostToWebview | null;
  /** The request id of the trace shown, and whether its document changed since. */
  shownRequest: number | null;
  stale: boolean;
  /** Documentation links of the rules the trace names (from the server's `ruleWords`). */
  ruleLinks: Map<string, string>;
}

/** The documentation link of each rule the trace names, from the server's `ruleWords` (anything malformed or of another scheme is skipped). */
export function ruleLinks(trace: unknown): Map<string, string> {
  const links = new Map<string, string>();
  const words = typeof trace === "object" && trace !== null ? (trace as { ruleWords?: unknown }).ruleWords : undefined;
  if (typeof words !== "object" || words === null) return links;
  for (const [rule, entry] of Object.entries(words as Record<string, unknown>)) {
    const href = typeof entry === "object" && entry !== null ? (entry as { href?: unknown }).href : undefined;
    // The extension's own rule pages (rule-docs.ts), the bundled files, or a web page; no other scheme.
    if (typeof href === "string" && (/^(https?|file):/.test(href) || href.startsWith(`${RULE_DOCS_SCHEME}:`)))
      links.set(rule, href);
  }
  return links;
}

export class SimulatorPanel implements vscode.Disposable {
  static readonly viewType = "vmspliceLens.simulator";

  private panel: vscode.WebviewPanel | null = null;
  private current: Current | null = null;
  private generation = 0;
  private readonly renderedEmitter = new vscode.EventEmitter<RenderSummary>();
  private lastRendered: RenderSummary | null = null;
  private readonly focusedEmitter = new vscode.EventEmitter<void>();
  private readonly disposables: vscode.Disposable[] = [this.renderedEmitter, this.focusedEmitter];

  /** Fires every time the webview reports that it drew something. */
  readonly onDidRender = this.renderedEmitter.event;
  /** Fires when the panel becomes the focused one (the user clicked or typed into it). */
  readonly onDidFocus = this.focusedEmitter.event;

  constructor(
    private readonly extensionUri: vscode.Uri,
    private readonly replayer: Replayer,
    private readonly output: vscode.OutputChannel,
  ) {
    // A replay is a picture of the document as it was: an edit afterwards makes the panel say so.
    this.disposables.push(vscode.workspace.onDidChangeTextDocument((event) => this.onDocumentChanged(event)));
  }

  private onDocumentChanged(event: vscode.TextDocumentChangeEvent): void {
    const current = this.current;
    if (!current || event.contentChanges.length === 0) return;
    if (event.document.uri.toString() !== current.subject.uri) return;
    // The call replayed follows edits above it, so "Replay again" replays the same call.
    const subject = current.subject;
    if (subject.kind === "call-site") {
      const line = shiftLine(
        subject.line,
        event.contentChanges.map((change) => ({
          startLine: change.range.start.line,
          endLine: change.range.end.line,
          text: change.text,
        })),
      );
      if (line !== subject.line)
        current.subject = {
          ...subject,
          line,
          label: `${siteLabel(subject.uri, line)}${subject.observed ? " (observed run)" : ""}`,
        };
    }
    if (current.stale || current.shownRequest === null) return;
    current.stale = true;
    this.post({ type: "stale", requestId: current.shownRequest });
  }

  get lastRender(): RenderSummary | null {
    return this.lastRendered;
  }

  get isOpen(): boolean {
    return this.panel !== null;
  }

  /**
   * Shows the panel and replays the subject. Resolves once the trace was posted to the webview;
   * rejects when the replay failed, so the user-started command can show the failure.
   */
  async replay(subject: ReplaySubject, kernel: KernelModelName, pageSize: PageSizeValue): Promise<void> {
    this.current = {
      subject,
      kernel,
      pageSize,
      lastMessage: null,
      shownRequest: null,
      stale: false,
      ruleLinks: new Map(),
    };
    this.ensurePanel(subject.label);
    await this.fetchAndPost();
  }

  private ensurePanel(label: string): vscode.WebviewPanel {
    const title = `Replay: ${label}`;
    if (this.panel) {
      this.panel.title = title;
      this.panel.reveal(this.panel.viewColumn ?? vscode.ViewColumn.Beside, true);
      return this.panel;
    }
    const distUri = vscode.Uri.joinPath(this.extensionUri, "dist");
    const panel = vscode.window.createWebviewPanel(
      SimulatorPanel.viewType,
      title,
      { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
      {
        enableScripts: true,
        localResourceRoots: [distUri],
        enableCommandUris: false,
      },
    );
    panel.webview.html = buildWebviewHtml({
      cspSource: panel.webview.cspSource,
      nonce: createNonce(),
      scriptUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(distUri, "webview.js")).toString(),
      styleUri: panel.webview.asWebviewUri(vscode.Uri.joinPath(distUri, "webview.css")).toString(),
      title: "vmsplice page movement",
    });
    panel.webview.onDidReceiveMessage((message: unknown) => this.onMessage(message), undefined, this.disposables);
    panel.onDidChangeViewState(
      (event) => {
        if (event.webviewPanel.active) this.focusedEmitter.fire();
      },
      undefined,
      this.disposables,
    );
    panel.onDidDispose(
      () => {
        this.panel = null;
        this.current = null;
        this.lastRendered = null;
      },
      undefined,
      this.disposables,
    );
    this.panel = panel;
    return panel;
  }

  private async fetchAndPost(): Promise<void> {
    const current = this.current;
    if (!current) return;
    const generation = ++this.generation;
    const { subject, kernel, pageSize } = current;
    this.post({ type: "loading", subject, kernel, pageSize });
    let trace: unknown;
    try {
      trace = await this.replayer(subject, kernel, pageSize);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      if (generation === this.generation) this.post({ type: "error", subject, message }, true);
      this.output.appendLine(`[replay] ${subject.label} (${kernel}, ${pageSize}): ${message}`);
      throw error instanceof Error ? error : new Error(message);
    }
    if (generation !== this.generation) return;
    current.shownRequest = generation;
    current.stale = false;
    current.ruleLinks = ruleLinks(trace);
    this.post({ type: "trace", requestId: generation, subject, kernel, pageSize, trace }, true);
  }

  private post(message: HostToWebview, remember = false): void {
    if (remember && this.current) this.current.lastMessage = message;
    void this.panel?.webview.postMessage(message);
  }

  private onMessage(raw: unknown): void {
    const message = parseWebviewMessage(raw);
    if (!message) {
      this.output.appendLine(`[webview] ignored a malformed message`);
      return;
    }
    switch (message.type) {
      case "ready":
        // The webview (re)loaded, for example after being hidden: give it the content it had.
        if (this.current?.lastMessage) this.post(this.current.lastMessage);
        if (this.current?.stale && this.current.shownRequest !== null)
          this.post({ type: "stale", requestId: this.current.shownRequest });
        break;
      case "replayAgain":
        this.fetchAndPost().catch(() => undefined);
        break;
      case "openRule": {
        const href = this.current?.ruleLinks.get(message.rule);
        if (!href) return;
        const uri = vscode.Uri.parse(href);
        // Beside the code, not over the simulator panel the user clicked in.
        const opened =
          uri.scheme === "http" || uri.scheme === "https"
            ? vscode.env.openExternal(uri)
            : vscode.commands.executeCommand("vscode.open", uri, { viewColumn: vscode.ViewColumn.One, preview: true });
        Promise.resolve(opened).catch((error: unknown) =>
          this.output.appendLine(`[webview] could not open the documentation of ${message.rule}: ${String(error)}`),
        );
        break;
      }
      case "changeOptions":
        if (!this.current) return;
        this.current = { ...this.current, kernel: message.kernel, pageSize: message.pageSize };
        // A failure here is shown inside the panel, where the user made the change; no pop-up.
        this.fetchAndPost().catch(() => undefined);
        break;
      case "rendered":
        this.lastRendered = message.summary;
        this.renderedEmitter.fire(message.summary);
        break;
    }
  }

  dispose(): void {
    this.panel?.dispose();
    this.panel = null;
    for (const disposable of this.disposables) disposable.dispose();
  }
}
