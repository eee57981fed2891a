/**
 * The VS Code extension's entry point: activate starts the language server and registers the features; deactivate
 * stops the server.
 *
 * This module only wires the features together (one file per feature beside it): the language client, the replay
 * commands, the simulator panel and the `.vmsim` code lens. It decides nothing about vmsplice; that is the server's job.
 * Output goes to the "vmsplice Lens" output channel; pop-ups are left to user-started commands that fail.
 *
 * The returned `ExtensionApi` exists for the end-to-end tests, which run inside the same extension host and need to know
 * when the server is ready and what the webview drew; it exposes no way to change the extension's behaviour.
 */
import * as vscode from "vscode";
import type { LanguageClient } from "vscode-languageclient/node";
import { createLanguageClient } from "./language-client";
import { createOutcomeLister, createServerReplayer, registerReplayCommands } from "./replay-commands";
import { registerRuleDocs } from "./rule-docs";
import { registerIndexCommands } from "./index-commands";
import { registerScenarioCodeLens } from "./scenario-code-lens";
import { registerLensRefresh } from "./lens-refresh-wiring";
import { StatusBar } from "./status-bar";
import { recordShellLine, traceFileName } from "./record-args";
import type { RenderSummary } from "./webview/messages";
import { SimulatorPanel } from "./webview/panel";

export interface ExtensionApi {
  /** Resolves when the language server has answered initialize (rejects if it could not start). */
  serverReady: Promise<void>;
  simulator: {
    readonly isOpen: boolean;
    readonly lastRender: RenderSummary | null;
    onDidRender: vscode.Event<RenderSummary>;
  };
  /** What the status-bar item shows. */
  statusBar: { readonly text: string; readonly tooltip: string };
}

let client: LanguageClient | null = null;

export function activate(context: vscode.ExtensionContext): ExtensionApi {
  const output = vscode.window.createOutputChannel("vmsplice Lens");
  context.subscriptions.push(output);
  output.appendLine(
    `[client] vmsplice Lens ${String(context.extension.packageJSON.version)} activating from ${context.extensionUri.fsPath}`,
  );

  const panel = new SimulatorPanel(
    context.extensionUri,
    createServerReplayer(() => client),
    output,
  );
  context.subscriptions.push(
    panel,
    ...registerReplayCommands(
      panel,
      output,
      createOutcomeLister(() => client),
    ),
    registerScenarioCodeLens(),
  );

  context.subscriptions.push(...registerRuleDocs(context, output));
  context.subscriptions.push(...registerIndexCommands(() => client, output));
  const statusBar = new StatusBar();
  context.subscriptions.push(statusBar);

  client = createLanguageClient(context, output);
  statusBar.watch(client);
  context.subscriptions.push(registerLensRefresh(() => client, panel.onDidFocus));
  const serverReady = client.start().then(
    () => output.appendLine("[client] language server started"),
    (error: unknown) => {
      output.appendLine(
        `[client] the language server did not start: ${error instanceof Error ? error.message : String(error)}`,
      );
      throw error;
    },
  );
  // Keep the rejection observed here; callers that care (the tests) still see it through serverReady.
  serverReady.catch(() => undefined);

  context.subscriptions.push(
    vscode.commands.registerCommand("vmsplice-lens.showOutput", () => output.show(true)),
    vscode.commands.registerCommand("vmsplice-lens.record", () => recordRun(context, output)),
    vscode.commands.registerCommand("vmsplice-lens.restartServer", async () => {
      try {
        await client?.restart();
        output.appendLine("[client] language server restarted");
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        output.appendLine(`[client] restart failed: ${message}`);
        void vscode.window.showErrorMessage(`vmsplice Lens: restarting the language server failed: ${message}`);
      }
    }),
  );

  return {
    serverReady,
    simulator: {
      get isOpen() {
        return panel.isOpen;
      },
      get lastRender() {
        return panel.lastRender;
      },
      onDidRender: panel.onDidRender,
    },
    statusBar: {
      get text() {
        return statusBar.text;
      },
      get tooltip() {
        return statusBar.tooltip;
      },
    },
  };
}

/**
 * "Record a run…": asks for a command line and runs it under `vmsplice-lens record` in a terminal of the first
 * workspace folder, keeping the trace there; the server sees the new trace and adds the observed code lenses.
 */
async function recordRun(context: vscode.ExtensionContext, output: vscode.OutputChannel): Promise<void> {
  const folder = vscode.workspace.workspaceFolders?.[0];
  if (process.platform !== "linux" || !folder) {
    void vscode.window.showErrorMessage(
      "vmsplice Lens: recording a run needs Linux and an open folder (the trace is kept in it).",
    );
    return;
  }
  const command = await vscode.window.showInputBox({
    title: "Record a run",
    prompt: "Command line to run under the recorder (a dynamically linked program built with -g)",
    placeHolder: "./build/program --option value",
  });
  if (!command || command.trim() === "") return;
  const kernel = vscode.workspace.getConfiguration("vmspliceLens", folder.uri).get<string>("kernel", "rfc-v2");
  const cli = vscode.Uri.joinPath(context.extensionUri, "dist", "cli.js").fsPath;
  const trace = vscode.Uri.joinPath(folder.uri, traceFileName(new Date())).fsPath;
  const line = recordShellLine(cli, trace, command, kernel);
  output.appendLine(`[client] recording: ${line}`);
  const terminal = vscode.window.createTerminal({ name: "vmsplice Lens: record", cwd: folder.uri.fsPath });
  terminal.show();
  terminal.sendText(line);
}

export async function deactivate(): Promise<void> {
  const running = client;
  client = null;
  if (running) await running.stop();
}
