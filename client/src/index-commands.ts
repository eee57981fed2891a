/**
 * The project index commands: "Rebuild project index" asks the server to drop its projects' caches and build their
 * indexes again (the server re-analyses the open documents and shows the build's progress itself); "Show project index
 * status" asks what each project's index holds and writes it to the output channel.
 */
import * as vscode from "vscode";
import type { LanguageClient } from "vscode-languageclient/node";
import { Commands, IndexStatusRequest, RebuildIndexRequest, type IndexStatus } from "../../server/src/protocol/ext";
import { describeIndexStatus } from "./index-status";

export function registerIndexCommands(
  client: () => LanguageClient | null,
  output: vscode.OutputChannel,
): vscode.Disposable[] {
  const failed = (what: string, error: unknown) => {
    const message = error instanceof Error ? error.message : String(error);
    output.appendLine(`[client] ${what} failed: ${message}`);
    void vscode.window.showErrorMessage(`vmsplice Lens: ${what} failed: ${message}`);
  };
  return [
    vscode.commands.registerCommand(Commands.rebuildIndex, async () => {
      const running = client();
      if (!running) return;
      try {
        const statuses = await running.sendRequest<IndexStatus[]>(RebuildIndexRequest.method);
        output.appendLine(`[client] project index rebuilt:\n${describeIndexStatus(statuses)}`);
        void vscode.window.showInformationMessage(
          `vmsplice Lens: rebuilt the index of ${statuses.length} project${statuses.length === 1 ? "" : "s"}.`,
        );
      } catch (error) {
        failed("rebuilding the project index", error);
      }
    }),
    vscode.commands.registerCommand(Commands.showIndexStatus, async () => {
      const running = client();
      if (!running) return;
      try {
        const statuses = await running.sendRequest<IndexStatus[]>(IndexStatusRequest.method);
        output.appendLine(`[client] project index status:\n${describeIndexStatus(statuses)}`);
        output.show(true);
      } catch (error) {
        failed("reading the project index status", error);
      }
    }),
  ];
}
