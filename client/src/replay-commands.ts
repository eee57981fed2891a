/**
 * The two replay commands: `vmsplice-lens.replay` (a vmsplice call site in a C file) and `vmsplice-lens.replayScenario`
 * (a `.vmsim` file). Both ask the language server for a trace and show it in the simulator panel.
 *
 * This module owns turning a command invocation into a replay subject and a server request. A failure of these
 * user-started commands is shown as an error message (the one kind of pop-up the extension makes) and logged.
 */
import * as vscode from "vscode";
import type { LanguageClient } from "vscode-languageclient/node";
import {
  Commands,
  ObservedOutcomesRequest,
  ReplayRequest,
  ReplayScenarioRequest,
  type ObservedOutcomesParams,
  type ObservedOutcomesResult,
  type ReplayCommandArgs,
  type ReplayParams,
  type ReplayScenarioParams,
} from "../../server/src/protocol/ext";
import {
  callChoices,
  callOnLine,
  nearestChoice,
  outcomeChoices,
  parseReplayArgs,
  parseScenarioArgs,
  siteLabel,
  type CallChoice,
  type OutcomeChoice,
} from "./replay-args";
import { replayDefaults } from "./settings";
import type { ReplaySubject } from "./webview/messages";
import type { Replayer, SimulatorPanel } from "./webview/panel";

/** Sends the replay requests to the server; a ResponseError becomes an Error carrying the server's sentence. */
export function createServerReplayer(getClient: () => LanguageClient | null): Replayer {
  return async (subject, kernel, pageSize) => {
    const client = getClient();
    if (!client || !client.isRunning()) throw new Error("the vmsplice Lens language server is not running");
    try {
      if (subject.kind === "call-site") {
        const params: ReplayParams = {
          uri: subject.uri,
          line: subject.line,
          character: subject.character,
          kernel,
          pageSize,
          ...(subject.observed ? { observed: subject.observed } : {}),
        };
        return await client.sendRequest(ReplayRequest.method, params);
      }
      const document = await vscode.workspace.openTextDocument(vscode.Uri.parse(subject.uri));
      const params: ReplayScenarioParams = { uri: subject.uri, text: document.getText(), kernel, pageSize };
      return await client.sendRequest(ReplayScenarioRequest.method, params);
    } catch (error) {
      throw new Error(error instanceof Error ? error.message : String(error));
    }
  };
}

async function runUserAction(output: vscode.OutputChannel, what: string, action: () => Promise<void>): Promise<void> {
  try {
    await action();
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    output.appendLine(`[command] ${what} failed: ${message}`);
    void vscode.window.showErrorMessage(`vmsplice Lens: ${what} failed: ${message}`);
  }
}

/** The file's vmsplice calls, from the code lenses the server gives (empty when lenses are off or none is found). */
async function fileCalls(document: vscode.TextDocument): Promise<CallChoice[]> {
  const lenses =
    (await vscode.commands.executeCommand<vscode.CodeLens[] | undefined>(
      "vscode.executeCodeLensProvider",
      document.uri,
    )) ?? [];
  return callChoices(
    lenses.map((lens) => ({
      line: lens.range.start.line,
      command: lens.command?.command ?? "",
      title: lens.command?.title ?? "",
      args: lens.command?.arguments?.[0],
    })),
    (line) => (line < document.lineCount ? document.lineAt(line).text : ""),
  );
}

async function pickCall(choices: CallChoice[], cursorLine: number): Promise<CallChoice | undefined> {
  const quickPick = vscode.window.createQuickPick<CallChoice & vscode.QuickPickItem>();
  quickPick.title = "Replay page movement";
  quickPick.placeholder = "The cursor is not on a vmsplice call: choose the call to replay";
  quickPick.items = choices;
  const nearest = nearestChoice(choices, cursorLine);
  if (nearest) quickPick.activeItems = [nearest];
  return new Promise((resolve) => {
    let picked: CallChoice | undefined;
    quickPick.onDidAccept(() => {
      picked = quickPick.selectedItems[0] ?? quickPick.activeItems[0];
      quickPick.hide();
    });
    quickPick.onDidHide(() => {
      quickPick.dispose();
      resolve(picked);
    });
    quickPick.show();
  });
}

/** Asks the server for the distinct outcomes a trace observed at a call (ObservedOutcomesRequest). */
export type OutcomeLister = (params: ObservedOutcomesParams) => Promise<ObservedOutcomesResult>;

export function createOutcomeLister(getClient: () => LanguageClient | null): OutcomeLister {
  return async (params) => {
    const client = getClient();
    if (!client || !client.isRunning()) throw new Error("the vmsplice Lens language server is not running");
    try {
      return await client.sendRequest(ObservedOutcomesRequest.method, params);
    } catch (error) {
      throw new Error(error instanceof Error ? error.message : String(error));
    }
  };
}

/**
 * "Replay observed" on a site whose recorded calls had several distinct outcomes: a quick pick lists each outcome
 * with its count, and the first observation of the chosen one is replayed. The observation the lens names stays when
 * the site had one outcome. Undefined when the user dismisses the pick.
 */
async function chooseObservation(
  target: ReplayCommandArgs & { observed: NonNullable<ReplayCommandArgs["observed"]> },
  listOutcomes: OutcomeLister,
  model: { kernel: ObservedOutcomesParams["kernel"]; pageSize: ObservedOutcomesParams["pageSize"] },
): Promise<number | undefined> {
  const result = await listOutcomes({
    uri: target.uri,
    line: target.line,
    character: target.character,
    trace: target.observed.trace,
    kernel: model.kernel,
    pageSize: model.pageSize,
  });
  const choices = outcomeChoices(result);
  if (!choices) return target.observed.observation ?? 1;
  const picked = await vscode.window.showQuickPick<OutcomeChoice & vscode.QuickPickItem>(choices, {
    title: `Replay observed: ${result.observations} calls, ${choices.length} distinct outcomes`,
    placeHolder: "Choose the outcome to replay (its first observed call is replayed)",
    matchOnDescription: true,
    matchOnDetail: true,
  });
  return picked?.observation;
}

export function registerReplayCommands(
  panel: SimulatorPanel,
  output: vscode.OutputChannel,
  listOutcomes: OutcomeLister | null = null,
): vscode.Disposable[] {
  const replay = vscode.commands.registerCommand(Commands.replay, (...args: unknown[]) =>
    runUserAction(output, "Replay", async () => {
      let target = parseReplayArgs(args);
      if (!target) {
        const editor = vscode.window.activeTextEditor;
        if (!editor) throw new Error("open a C file and put the cursor on a vmsplice call");
        const position = editor.selection.active;
        target = { uri: editor.document.uri.toString(), line: position.line, character: position.character };
        const choices = await fileCalls(editor.document);
        // Off a call (and the lenses know the file's calls): let the user choose one rather than fail.
        if (choices.length > 0 && !callOnLine(choices, position.line)) {
          const picked = await pickCall(choices, position.line);
          if (!picked) return;
          target = picked.args;
        }
      }
      const defaults = replayDefaults(vscode.Uri.parse(target.uri));
      if (target.observed && listOutcomes) {
        const observation = await chooseObservation({ ...target, observed: target.observed }, listOutcomes, defaults);
        if (observation === undefined) return;
        target = { ...target, observed: { ...target.observed, observation } };
      }
      const subject: ReplaySubject = {
        kind: "call-site",
        uri: target.uri,
        line: target.line,
        character: target.character,
        label: `${siteLabel(target.uri, target.line)}${target.observed ? " (observed run)" : ""}`,
        ...(target.observed ? { observed: target.observed } : {}),
      };
      await panel.replay(subject, defaults.kernel, defaults.pageSize);
    }),
  );
  const replayScenario = vscode.commands.registerCommand(Commands.replayScenario, (...args: unknown[]) =>
    runUserAction(output, "Replay scenario", async () => {
      let uri = parseScenarioArgs(args);
      if (!uri) {
        const editor = vscode.window.activeTextEditor;
        if (!editor || editor.document.languageId !== "vmsim") throw new Error("open a .vmsim scenario file first");
        uri = editor.document.uri.toString();
      }
      const subject: ReplaySubject = { kind: "scenario", uri, label: siteLabel(uri, null) };
      const defaults = replayDefaults(vscode.Uri.parse(uri));
      await panel.replay(subject, defaults.kernel, defaults.pageSize);
    }),
  );
  return [replay, replayScenario];
}
