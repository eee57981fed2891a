// A real LSP client for protocol tests: spawns the bundled `node dist/server.js --stdio` and speaks JSON-RPC with
// Content-Length framing through vscode-jsonrpc. Notifications are awaited with timeouts; nothing sleeps.
import { spawn, type ChildProcessWithoutNullStreams } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import {
  createMessageConnection,
  StreamMessageReader,
  StreamMessageWriter,
  type MessageConnection,
} from "vscode-jsonrpc/node";
import type { Diagnostic, InitializeResult, PublishDiagnosticsParams } from "vscode-languageserver-protocol";

export const root = path.resolve(__dirname, "..", "..");
export const serverPath = path.join(root, "dist", "server.js");

export interface StartOptions {
  /** The `vmspliceLens` section answered to workspace/configuration (default: {}). */
  settings?: Record<string, unknown>;
  workspaceFolders?: string[];
  /** Whether the client advertises workspace/configuration (default true). */
  configuration?: boolean;
  env?: NodeJS.ProcessEnv;
  /** Sent as the initialize request's initializationOptions. */
  initializationOptions?: unknown;
  /** The hover content formats the client advertises (default markdown, then plain text). */
  hoverContentFormat?: string[];
  /** Options for the server's node process, before the script (e.g. `--cpu-prof`). */
  nodeArgs?: string[];
  /** Whether the client advertises workspace/codeLens/refresh (default false); requests are counted in `lensRefreshes`. */
  codeLensRefresh?: boolean;
  /** Whether the client advertises dynamic registration of workspace/didChangeWatchedFiles (default false). */
  watchedFiles?: boolean;
}

export interface Waiter<T> {
  predicate: (value: T) => boolean;
  resolve: (value: T) => void;
}

export class LspTestClient {
  readonly diagnostics = new Map<string, PublishDiagnosticsParams>();
  /** Every publishDiagnostics received, in order. */
  readonly published: PublishDiagnosticsParams[] = [];
  readonly logs: { type: number; message: string }[] = [];
  readonly progress: unknown[] = [];
  /** The params of every client/registerCapability request the server sent. */
  readonly registrations: unknown[] = [];
  stderr = "";
  private readonly diagnosticWaiters: Waiter<PublishDiagnosticsParams>[] = [];
  private readonly logWaiters: Waiter<{ type: number; message: string }>[] = [];
  private exited: Promise<number | null>;
  settings: Record<string, unknown>;
  /** How many workspace/codeLens/refresh requests the server sent. */
  lensRefreshes = 0;
  /** Called on each workspace/codeLens/refresh before it is answered, as an editor re-requests its visible lenses. */
  onLensRefresh: (() => Promise<void> | void) | null = null;

  private constructor(
    readonly child: ChildProcessWithoutNullStreams,
    readonly connection: MessageConnection,
    options: StartOptions,
  ) {
    this.settings = options.settings ?? {};
    this.exited = new Promise((resolve) => child.on("exit", (code) => resolve(code)));
    child.stderr.on("data", (chunk: Buffer) => (this.stderr += chunk.toString()));
    connection.onNotification("textDocument/publishDiagnostics", (params: PublishDiagnosticsParams) => {
      this.diagnostics.set(params.uri, params);
      this.published.push(params);
      for (const waiter of [...this.diagnosticWaiters]) {
        if (waiter.predicate(params)) {
          this.diagnosticWaiters.splice(this.diagnosticWaiters.indexOf(waiter), 1);
          waiter.resolve(params);
        }
      }
    });
    connection.onNotification("window/logMessage", (params: { type: number; message: string }) => {
      this.logs.push(params);
      for (const waiter of [...this.logWaiters]) {
        if (waiter.predicate(params)) {
          this.logWaiters.splice(this.logWaiters.indexOf(waiter), 1);
          waiter.resolve(params);
        }
      }
    });
    connection.onNotification("$/progress", (params: unknown) => this.progress.push(params));
    connection.onRequest("workspace/configuration", (params: { items: { scopeUri?: string; section?: string }[] }) =>
      params.items.map(() => this.settings),
    );
    connection.onRequest("workspace/codeLens/refresh", async () => {
      this.lensRefreshes += 1;
      await this.onLensRefresh?.();
      return null;
    });
    connection.onRequest("client/registerCapability", (params: unknown) => {
      this.registrations.push(params);
      return null;
    });
    connection.onRequest("window/workDoneProgress/create", () => null);
  }

  static async start(options: StartOptions = {}): Promise<LspTestClient> {
    if (!existsSync(serverPath)) throw new Error(`${serverPath} is missing: run \`node scripts/build.mjs\` first`);
    const child = spawn(process.execPath, [...(options.nodeArgs ?? []), serverPath, "--stdio"], {
      cwd: root,
      env: { ...process.env, ...options.env },
      stdio: "pipe",
    });
    const connection = createMessageConnection(
      new StreamMessageReader(child.stdout),
      new StreamMessageWriter(child.stdin),
    );
    const client = new LspTestClient(child, connection, options);
    connection.listen();
    const folders = options.workspaceFolders ?? [];
    client.initializeResult = await withTimeout(
      connection.sendRequest<InitializeResult>("initialize", {
        processId: process.pid,
        rootUri: folders.length ? pathToFileURL(folders[0]).href : null,
        workspaceFolders: folders.length
          ? folders.map((folder) => ({ uri: pathToFileURL(folder).href, name: path.basename(folder) }))
          : null,
        capabilities: {
          workspace: {
            configuration: options.configuration ?? true,
            didChangeConfiguration: { dynamicRegistration: true },
            ...(options.codeLensRefresh ? { codeLens: { refreshSupport: true } } : {}),
            ...(options.watchedFiles ? { didChangeWatchedFiles: { dynamicRegistration: true } } : {}),
          },
          window: { workDoneProgress: true },
          textDocument: {
            publishDiagnostics: { relatedInformation: true, versionSupport: true, codeDescriptionSupport: true },
            hover: { contentFormat: options.hoverContentFormat ?? ["markdown", "plaintext"] },
          },
        },
        initializationOptions: options.initializationOptions,
      }),
      10000,
      "initialize",
    );
    await connection.sendNotification("initialized", {});
    return client;
  }

  initializeResult: InitializeResult | null = null;

  /** Resolves with the next publishDiagnostics for the URI that satisfies the predicate (already received ones count when `includeCurrent`). */
  waitForDiagnostics(
    uri: string,
    predicate: (params: PublishDiagnosticsParams) => boolean = () => true,
    timeoutMs = 10000,
    includeCurrent = false,
  ): Promise<PublishDiagnosticsParams> {
    const current = this.diagnostics.get(uri);
    if (includeCurrent && current && predicate(current)) return Promise.resolve(current);
    return withTimeout(
      new Promise<PublishDiagnosticsParams>((resolve) =>
        this.diagnosticWaiters.push({ predicate: (params) => params.uri === uri && predicate(params), resolve }),
      ),
      timeoutMs,
      `diagnostics for ${uri}`,
    );
  }

  waitForLog(
    predicate: (entry: { type: number; message: string }) => boolean,
    timeoutMs = 10000,
  ): Promise<{ type: number; message: string }> {
    const found = this.logs.find(predicate);
    if (found) return Promise.resolve(found);
    return withTimeout(
      new Promise((resolve) => this.logWaiters.push({ predicate, resolve })),
      timeoutMs,
      "log message",
    );
  }

  open(uri: string, text: string, version = 1, languageId = "c"): Promise<void> {
    return this.connection.sendNotification("textDocument/didOpen", {
      textDocument: { uri, languageId, version, text },
    });
  }

  change(uri: string, version: number, contentChanges: unknown[]): Promise<void> {
    return this.connection.sendNotification("textDocument/didChange", {
      textDocument: { uri, version },
      contentChanges,
    });
  }

  request<R>(method: string, params: unknown, timeoutMs = 10000): Promise<R> {
    return withTimeout(this.connection.sendRequest<R>(method, params), timeoutMs, method);
  }

  /** shutdown + exit, then waits for the process to end (killing it if it does not within the timeout). */
  async stop(): Promise<number | null> {
    try {
      await this.request("shutdown", null, 5000);
      await this.connection.sendNotification("exit");
    } catch {
      // The server may already be gone; the kill below makes sure.
    }
    const code = await Promise.race([
      this.exited,
      new Promise<"timeout">((resolve) => setTimeout(() => resolve("timeout"), 5000).unref()),
    ]);
    if (code === "timeout") {
      this.child.kill("SIGKILL");
      this.connection.dispose();
      throw new Error("server did not exit within 5 s after shutdown/exit");
    }
    this.connection.dispose();
    return code;
  }

  get exitPromise(): Promise<number | null> {
    return this.exited;
  }
}

export function withTimeout<T>(promise: Promise<T>, timeoutMs: number, what: string): Promise<T> {
  let timer: ReturnType<typeof setTimeout>;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${timeoutMs} ms waiting for ${what}`)), timeoutMs);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export function codes(diagnostics: readonly Diagnostic[]): string[] {
  return diagnostics.map((diagnostic) => String(diagnostic.code)).sort();
}
