/**
 * The rule reference inside the editor: the pages the build writes to dist/docs/ (one per rule, plus index.md) are
 * served under the `vmsplice-lens-docs:` scheme, so a diagnostic's code link, a rule link in the hover and the
 * "Show rule documentation" command all open the page of the installed version, rendered as a markdown preview.
 *
 * VS Code opens a diagnostic's code link with its opener service, which never runs `command:` links from there but
 * opens any URI a content provider serves in an editor; that editor is swapped for the rendered preview here.
 */
import * as vscode from "vscode";
import { Commands, RULE_DOCS_SCHEME } from "../../server/src/protocol/ext";

const PAGE_NAME = /^(?:VMS-[A-Z0-9-]+|index)\.md$/;

export class RuleDocsProvider implements vscode.TextDocumentContentProvider {
  constructor(private readonly extensionUri: vscode.Uri) {}

  /** The bundled file behind a `vmsplice-lens-docs:/VMS-X.md` URI, or null for anything else. */
  bundledPage(uri: vscode.Uri): vscode.Uri | null {
    const name = uri.path.replace(/^\/+/, "");
    return PAGE_NAME.test(name) ? vscode.Uri.joinPath(this.extensionUri, "dist", "docs", name) : null;
  }

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const page = this.bundledPage(uri);
    if (!page) return `# Not a vmsplice Lens page\n\n${uri.toString()} names no rule.\n`;
    try {
      return new TextDecoder().decode(await vscode.workspace.fs.readFile(page));
    } catch {
      return `# ${uri.path.replace(/^\/+/, "").replace(/\.md$/, "")}\n\nThis rule has no page in this version of vmsplice Lens.\n`;
    }
  }
}

export function ruleDocsUri(id: string): vscode.Uri {
  return vscode.Uri.parse(`${RULE_DOCS_SCHEME}:/${id}.md`);
}

/** Shows a page rendered; falls back to the markdown source when the built-in markdown preview is unavailable. */
async function showRendered(uri: vscode.Uri): Promise<void> {
  try {
    await vscode.commands.executeCommand("markdown.showPreview", uri);
  } catch {
    await vscode.window.showTextDocument(uri, { preview: true });
  }
}

export function registerRuleDocs(context: vscode.ExtensionContext, output: vscode.OutputChannel): vscode.Disposable[] {
  const provider = new RuleDocsProvider(context.extensionUri);
  const opening = new Set<string>();
  return [
    vscode.workspace.registerTextDocumentContentProvider(RULE_DOCS_SCHEME, provider),
    vscode.commands.registerCommand(Commands.showRuleDocs, async (id?: unknown) => {
      const name = typeof id === "string" && /^(?:VMS-[A-Z0-9-]+|index)$/.test(id) ? id : "index";
      await showRendered(ruleDocsUri(name));
    }),
    // A link followed from a diagnostic or the hover opens the page's source in a text editor: show it rendered instead.
    vscode.window.onDidChangeActiveTextEditor(async (editor) => {
      const uri = editor?.document.uri;
      if (!uri || uri.scheme !== RULE_DOCS_SCHEME || opening.has(uri.toString())) return;
      opening.add(uri.toString());
      try {
        const source = vscode.window.tabGroups.activeTabGroup.activeTab;
        await showRendered(uri);
        if (source?.input instanceof vscode.TabInputText && source.input.uri.toString() === uri.toString())
          await vscode.window.tabGroups.close(source);
      } catch (error) {
        output.appendLine(`[client] showing ${uri.toString()} rendered failed: ${String(error)}`);
      } finally {
        opening.delete(uri.toString());
      }
    }),
  ];
}
