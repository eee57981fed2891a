/**
 * The status-bar item: the kernel model and page size the verdicts assume, and the language server's state
 * ("vmsplice: rfc-v2 · 4 KiB"; a spinner while the server starts, a warning when it is stopped). Clicking it opens a
 * quick pick that switches the model or the page size (`vmsplice-lens.selectKernel`), written to the workspace
 * settings when a folder is open, else to the user settings; the server then publishes every file again.
 */
import * as vscode from "vscode";
import { State, type LanguageClient } from "vscode-languageclient/node";
import { Commands, SETTINGS_SECTION } from "../../server/src/protocol/ext";
import { replayDefaults } from "./settings";

export type ServerState = "starting" | "running" | "stopped";

const KERNELS: { id: string; detail: string }[] = [
  { id: "rfc-v2", detail: "The 2013 RFC zero-copy patch as written: gifted, aligned, whole pages can move" },
  { id: "mainline-6.x", detail: "Mainline Linux 6.x: vmsplice always copies" },
  { id: "mainline-3.12", detail: "Mainline Linux 3.12: vmsplice always copies" },
];
const PAGE_SIZES: { size: number; detail: string }[] = [
  { size: 4096, detail: "x86-64 and most arm64 distributions" },
  { size: 16384, detail: "some arm64 kernels" },
  { size: 65536, detail: "some arm64 server and ppc64 kernels" },
];

export function pageSizeLabel(size: number): string {
  return size % 1024 === 0 ? `${size / 1024} KiB` : `${size} B`;
}

/** The item's text and tooltip for a model, a page size and a server state (pure, for the tests). */
export function statusText(kernel: string, pageSize: number, state: ServerState): { text: string; tooltip: string } {
  const icon = state === "starting" ? "$(sync~spin)" : state === "stopped" ? "$(warning)" : "$(zap)";
  const server =
    state === "running"
      ? "language server running"
      : state === "starting"
        ? "language server starting"
        : "language server stopped (run “vmsplice Lens: Restart language server”)";
  return {
    text: `${icon} vmsplice: ${kernel} · ${pageSizeLabel(pageSize)}`,
    tooltip: `vmsplice Lens: verdicts for kernel model ${kernel} with ${pageSizeLabel(pageSize)} pages; ${server}. Click to switch.`,
  };
}

export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem(
    "vmsplice-lens.status",
    vscode.StatusBarAlignment.Right,
    100,
  );
  private readonly disposables: vscode.Disposable[] = [];
  private state: ServerState = "starting";

  constructor() {
    this.item.name = "vmsplice Lens";
    this.item.command = Commands.selectKernel;
    this.disposables.push(
      this.item,
      vscode.workspace.onDidChangeConfiguration((event) => {
        if (event.affectsConfiguration(SETTINGS_SECTION)) this.update();
      }),
      vscode.window.onDidChangeActiveTextEditor(() => this.update()),
      vscode.commands.registerCommand(Commands.selectKernel, () => this.pick()),
    );
    this.update();
    this.item.show();
  }

  /** Follows the language client's state. */
  watch(client: LanguageClient): void {
    this.disposables.push(
      client.onDidChangeState((event) => {
        this.state =
          event.newState === State.Running ? "running" : event.newState === State.Starting ? "starting" : "stopped";
        this.update();
      }),
    );
  }

  get text(): string {
    return this.item.text;
  }

  get tooltip(): string {
    return typeof this.item.tooltip === "string" ? this.item.tooltip : "";
  }

  private update(): void {
    const { kernel, pageSize } = replayDefaults(vscode.window.activeTextEditor?.document.uri);
    const { text, tooltip } = statusText(kernel, pageSize, this.state);
    this.item.text = text;
    this.item.tooltip = tooltip;
  }

  private async pick(): Promise<void> {
    const resource = vscode.window.activeTextEditor?.document.uri;
    const current = replayDefaults(resource);
    type Item = vscode.QuickPickItem & { setting?: "kernel" | "pageSize"; value?: string | number };
    const items: Item[] = [
      { label: "Kernel model", kind: vscode.QuickPickItemKind.Separator },
      ...KERNELS.map((kernel) => ({
        label: `${kernel.id === current.kernel ? "$(check) " : ""}${kernel.id}`,
        detail: kernel.detail,
        setting: "kernel" as const,
        value: kernel.id,
      })),
      { label: "Page size", kind: vscode.QuickPickItemKind.Separator },
      ...PAGE_SIZES.map((entry) => ({
        label: `${entry.size === current.pageSize ? "$(check) " : ""}${pageSizeLabel(entry.size)}`,
        description: `${entry.size} bytes`,
        detail: entry.detail,
        setting: "pageSize" as const,
        value: entry.size,
      })),
    ];
    const chosen = await vscode.window.showQuickPick(items, {
      title: "vmsplice Lens: kernel model and page size",
      placeHolder: `Now ${current.kernel} with ${pageSizeLabel(current.pageSize)} pages`,
    });
    if (!chosen?.setting) return;
    const target = vscode.workspace.workspaceFolders?.length
      ? vscode.ConfigurationTarget.Workspace
      : vscode.ConfigurationTarget.Global;
    await vscode.workspace.getConfiguration(SETTINGS_SECTION, resource).update(chosen.setting, chosen.value, target);
  }

  dispose(): void {
    for (const disposable of this.disposables) disposable.dispose();
  }
}
