/**
 * Wires lens-refresh.ts to VS Code: the active-editor event, the simulator panel's focus, the visible editors, and the
 * language client's code-lens providers. Everything it decides is decided in lens-refresh.ts.
 */
import * as vscode from "vscode";
import { CodeLensRequest, type LanguageClient } from "vscode-languageclient/node";
import { fireCodeLensRefresh, LENS_LANGUAGES, watchLensRefresh } from "./lens-refresh";

export function registerLensRefresh(
  client: () => LanguageClient | null,
  onDidFocusPanel: vscode.Event<void>,
): vscode.Disposable {
  const visible = () => vscode.window.visibleTextEditors.map((editor) => editor.document);
  return watchLensRefresh({
    onDidChangeActiveTextEditor: (listener) => vscode.window.onDidChangeActiveTextEditor(listener),
    onDidFocusPanel: (listener) => onDidFocusPanel(listener),
    shown: () => ({
      active: vscode.window.activeTextEditor?.document.languageId,
      visible: visible().map((document) => document.languageId),
    }),
    refresh: () => {
      const running = client();
      if (!running?.isRunning()) return;
      const documents = visible().filter((document) => LENS_LANGUAGES.has(document.languageId));
      fireCodeLensRefresh(running.getFeature(CodeLensRequest.method), documents);
    },
  });
}
