/**
 * The "Replay scenario" code lens at the top of every `.vmsim` file (the editor title button offers the same command).
 *
 * This module owns only the lens; the command lives in replay-commands.ts. It never parses the scenario: the server
 * does, when the command runs, and reports any syntax error then.
 */
import * as vscode from "vscode";
import { Commands } from "../../server/src/protocol/ext";

export class ScenarioCodeLensProvider implements vscode.CodeLensProvider {
  provideCodeLenses(document: vscode.TextDocument): vscode.CodeLens[] {
    const top = new vscode.Range(0, 0, 0, 0);
    return [
      new vscode.CodeLens(top, {
        title: "▶ Replay scenario",
        tooltip: "Replay this scenario in the vmsplice page-movement simulator",
        command: Commands.replayScenario,
        arguments: [{ uri: document.uri.toString() }],
      }),
    ];
  }
}

export function registerScenarioCodeLens(): vscode.Disposable {
  return vscode.languages.registerCodeLensProvider({ language: "vmsim" }, new ScenarioCodeLensProvider());
}
