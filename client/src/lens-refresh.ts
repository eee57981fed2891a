/**
 * When the client asks VS Code to fetch the code lenses again (a client-side `workspace/codeLens/refresh`).
 *
 * VS Code (1.139) asks a file's code lenses a short debounce after its editor shows it, but cancels that pending request
 * when the editor loses focus, and asks again only when the editor regains focus, is edited, or the provider reports a
 * change. Focus moving into a webview beside the editor (the simulator: clicking it, stepping with the keys) before the
 * debounce ran therefore left a just-shown file with no lens at all when VS Code had none cached for it (its cache
 * is dropped when the line count changed since), and with the cached, possibly out-of-date lens otherwise, until the user
 * clicked into the editor. A refresh after the focus moved reaches the editor after the cancel, so it asks again.
 *
 * Pure (no `vscode` import): the events and the refresh are handed in, so the decision is unit-tested; extension.ts wires
 * it to VS Code's window events, the simulator panel and the language client.
 */

/** The languages whose documents the language server analyses (language-client.ts's document selector). */
export const LENS_LANGUAGES: ReadonlySet<string> = new Set(["c", "cpp"]);

/** What the window shows: the active text editor's language (undefined when none has focus) and the visible ones'. */
export interface EditorsShown {
  active: string | undefined;
  visible: readonly string[];
}

/**
 * Whether a change of the active text editor calls for a refresh: focus left the text editors (no text editor is
 * active: a webview, a preview or another non-text editor took it) while an editor of an analysed language is visible.
 * A change to another text editor needs none: VS Code asks the lenses of a newly shown file itself.
 */
export function refreshOnActiveEditorChange(
  shown: EditorsShown,
  languages: ReadonlySet<string> = LENS_LANGUAGES,
): boolean {
  return shown.active === undefined && showsAnalysedFile(shown, languages);
}

/** Whether a panel of this extension (the simulator) taking focus calls for a refresh: an analysed file is visible. */
export function refreshOnPanelFocus(shown: EditorsShown, languages: ReadonlySet<string> = LENS_LANGUAGES): boolean {
  return showsAnalysedFile(shown, languages);
}

function showsAnalysedFile(shown: EditorsShown, languages: ReadonlySet<string>): boolean {
  return shown.visible.some((language) => languages.has(language));
}

export interface Disposable {
  dispose(): unknown;
}
type Subscribe<T> = (listener: (value: T) => void) => Disposable;

export interface LensRefreshSources {
  /** Fires when the active text editor changes (VS Code's `window.onDidChangeActiveTextEditor`). */
  onDidChangeActiveTextEditor: Subscribe<unknown>;
  /** Fires when a panel of this extension becomes the focused one (the simulator's view state turned active). */
  onDidFocusPanel: Subscribe<void>;
  /** What the window shows now. */
  shown(): EditorsShown;
  /** Asks the editor to fetch the code lenses of every visible analysed file again. */
  refresh(): void;
}

/** Subscribes the refresh to its sources; dispose the result to stop. */
export function watchLensRefresh(sources: LensRefreshSources): Disposable {
  const subscriptions = [
    sources.onDidChangeActiveTextEditor(() => {
      if (refreshOnActiveEditorChange(sources.shown())) sources.refresh();
    }),
    sources.onDidFocusPanel(() => {
      if (refreshOnPanelFocus(sources.shown())) sources.refresh();
    }),
  ];
  return { dispose: () => subscriptions.forEach((subscription) => subscription.dispose()) };
}

/** The part of vscode-languageclient's code-lens feature a refresh uses: the provider (and its change emitter) of a document. */
export interface CodeLensProviders<D> {
  getProvider(document: D): { onDidChangeCodeLensEmitter: { fire(): void } } | undefined;
}

/**
 * Fires the change event of the code-lens provider of each document, once per provider, as the library does for a
 * server's `workspace/codeLens/refresh`; returns how many providers fired.
 */
export function fireCodeLensRefresh<D>(feature: CodeLensProviders<D> | undefined, documents: readonly D[]): number {
  const providers = new Set(documents.map((document) => feature?.getProvider(document)));
  providers.delete(undefined);
  for (const provider of providers) provider?.onDidChangeCodeLensEmitter.fire();
  return providers.size;
}
