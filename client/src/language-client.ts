/**
 * Starts and stops the vmsplice Lens language server: the bundled dist/server.js, run by VS Code's own Node through
 * vscode-languageclient over stdio.
 *
 * This module owns the client options only (documents, settings forwarding, output channel). Everything the server
 * decides stays in the server; no analysis happens here. The client id `vmspliceLens` makes the client read the
 * `vmspliceLens.trace.server` setting by itself.
 */
import * as vscode from "vscode";
import {
  LanguageClient,
  RevealOutputChannelOn,
  TransportKind,
  type LanguageClientOptions,
  type ServerOptions,
} from "vscode-languageclient/node";
import { Commands, RULE_DOCS_SCHEME, SETTINGS_SECTION } from "../../server/src/protocol/ext";
import { exitLogLevel } from "./server-exit";

export const CLIENT_ID = "vmspliceLens";

/** The documents the server analyses: C (and C++, where vmsplice calls look the same) files on disk and unsaved. */
export const DOCUMENT_SELECTOR = [
  { scheme: "file", language: "c" },
  { scheme: "untitled", language: "c" },
  { scheme: "file", language: "cpp" },
  { scheme: "untitled", language: "cpp" },
];

export function createLanguageClient(context: vscode.ExtensionContext, output: vscode.OutputChannel): LanguageClient {
  const serverModule = context.asAbsolutePath("dist/server.js");
  // TransportKind.stdio makes the client pass `--stdio`, the flag the server (and the package.json bin) expects.
  const serverOptions: ServerOptions = {
    run: { module: serverModule, transport: TransportKind.stdio },
    debug: {
      module: serverModule,
      transport: TransportKind.stdio,
      options: { execArgv: ["--nolazy", "--inspect=6009"] },
    },
  };
  const clientOptions: LanguageClientOptions = {
    documentSelector: DOCUMENT_SELECTOR,
    // The server pulls settings per resource with workspace/configuration; this notification tells it to drop its cache.
    synchronize: { configurationSection: SETTINGS_SECTION },
    outputChannel: output,
    // The hover's "Replay page movement" link is a command URI; VS Code runs command links only from trusted markdown.
    // Trust is limited to that one command, so no other command can be triggered from text the server derived from source.
    markdown: { isTrusted: { enabledCommands: [Commands.replay, Commands.showRuleDocs] }, supportHtml: false },
    // Rule links open the pages this extension ships, served by rule-docs.ts: a diagnostic's code link is a
    // vmsplice-lens-docs: URI (VS Code opens it in an editor, which rule-docs.ts swaps for the rendered page); hover
    // links are command links, because a hover renders no link of an extension's own scheme.
    initializationOptions: {
      ruleDocumentationBase: `${RULE_DOCS_SCHEME}:/`,
      ruleDocumentationCommand: Commands.showRuleDocs,
    },
    // Pop-ups only for failures of user-started actions (STYLE.md section 4); the server's own messages stay in the channel.
    revealOutputChannelOn: RevealOutputChannelOn.Never,
    initializationFailedHandler: (error) => {
      output.appendLine(
        `[client] the language server failed to initialise: ${error instanceof Error ? error.message : String(error)}`,
      );
      return false;
    },
  };
  return new LensLanguageClient(CLIENT_ID, "vmsplice Lens", serverOptions, clientOptions);
}

/**
 * The language client, except that a server process that exits with code 0 (a restart or a normal stop: the server
 * answered shutdown and exit) is logged as information, not as `[Error] Server process exited with code 0.`.
 */
export class LensLanguageClient extends LanguageClient {
  override error(message: string, data?: unknown, showNotification: boolean | "force" = true): void {
    if (exitLogLevel(message) === "info") {
      this.info(message, data, false);
      return;
    }
    super.error(message, data, showNotification);
  }
}
