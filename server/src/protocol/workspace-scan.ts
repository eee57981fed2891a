/**
 * The start-up scan of the open folders: every .c and .h file is read and handed to the engine (the same one the
 * open documents and the CLI use: one set of limits, one text check, one suppression pass), and the diagnostics of
 * each file the engine analysed are published, with LSP work-done progress.
 *
 * The scan yields to the event loop between files so requests keep being answered, stops on shutdown or when the
 * user cancels the progress, skips folders that hold no sources of the project (node_modules, .git, dist, build
 * output), never follows symbolic links, and caps the number of files it visits. Documents open in the editor are
 * left to the open-document pipeline, which has the newer text. Files over the background threshold go to the analysis
 * worker (background.ts), as large open documents do, with the same time budget, so a big file on disk never blocks
 * the message loop; the scan awaits each one before the next.
 */
import { languageOf } from "../analysis/language";
import { readUnitHeaders, type Project } from "../project/project";
import type { ProjectRegistry } from "./projects";
import { lstatSync, readdirSync, readFileSync, type Dirent } from "node:fs";
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type {
  Connection,
  Diagnostic,
  InitializeParams,
  ProgressToken,
  WorkDoneProgressServerReporter,
} from "vscode-languageserver/node";
import type { LensSettings } from "../config";
import { Engine, skipReason } from "../engine/engine";
import { decodeSource } from "../engine/source-text";
import { isSourceName, loadLanguagesFor, newParser } from "../parsing/parser";
import { diagnosticsFor } from "./diagnostics";
import { BACKGROUND_CHARS, type BackgroundAnalyses } from "./background";
import { describeNoResult, workerFields } from "./analysis-service";
import type { ServerContext } from "./context";

export const MAX_SCANNED_FILES = 20000;
const SKIPPED_DIRECTORIES = new Set([
  "node_modules",
  ".git",
  ".hg",
  ".svn",
  "dist",
  "out",
  ".vscode-test",
  ".env",
  ".cache",
]);

/**
 * The closed files whose diagnostics came from the disk (the start-up scan, or a workspace file closed in the editor),
 * so a settings change can publish them again: Problems then never shows an old kernel model's findings next to the
 * new ones. Open files are left to the open-document pipeline.
 */
export class DiskPublishedFiles {
  private readonly files = new Map<string, { file: string; folder: string }>();

  add(uri: string, file: string, folder: string): void {
    this.files.set(uri, { file, folder });
  }

  get size(): number {
    return this.files.size;
  }

  entries(): [string, { file: string; folder: string }][] {
    return [...this.files.entries()];
  }
}

/** The analysis worker the disk paths hand large files to (the open documents' one: one threshold, one budget). */
export interface DiskWorker {
  background: BackgroundAnalyses;
  projects: ProjectRegistry | null;
}

export interface ScanContext extends ServerContext {
  connection: Connection;
  /** Where files over the background threshold are analysed (none: in the message loop, between yields). */
  worker?: DiskWorker | null;
  /** Where the scan records each file it published. */
  published?: DiskPublishedFiles;
  /** The projects whose headers files are read with (none: each file alone). */
  projects?: ProjectRegistry;
  isOpen(uri: string): boolean;
  cancel: { cancelled: boolean };
}

export interface ScanSummary {
  visited: number;
  analysed: number;
  withFindings: number;
}

/** Local paths of the workspace folders (or the root URI of older clients). */
export function workspaceFolderPaths(params: InitializeParams): string[] {
  const uris = params.workspaceFolders?.map((folder) => folder.uri) ?? (params.rootUri ? [params.rootUri] : []);
  return uris.filter((uri) => uri.startsWith("file:")).map((uri) => fileURLToPath(uri));
}

/** Lists .c and .h files under the folders, depth first, in a stable order. */
export function listCFiles(folders: readonly string[], limit = MAX_SCANNED_FILES): string[] {
  const files: string[] = [];
  const stack = [...folders].reverse();
  while (stack.length > 0 && files.length < limit) {
    const directory = stack.pop() as string;
    let entries: Dirent[];
    try {
      entries = readdirSync(directory, { withFileTypes: true });
    } catch {
      continue;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const subdirectories: string[] = [];
    for (const entry of entries) {
      const full = path.join(directory, entry.name);
      if (entry.isSymbolicLink()) continue;
      if (entry.isDirectory()) {
        if (!SKIPPED_DIRECTORIES.has(entry.name) && !entry.name.startsWith(".")) subdirectories.push(full);
      } else if (entry.isFile() && isSourceName(entry.name)) {
        files.push(full);
        if (files.length >= limit) break;
      }
    }
    stack.push(...subdirectories.reverse());
  }
  return files;
}

/** The text of a C file on disk, or null when it is not analysed (disabled, or over the engine's size limit). */
function readDiskText(file: string, settings: LensSettings): string | null {
  if (!settings.enable) return null;
  // The engine's size limit, applied to the size on disk before reading (see decodeSource).
  if (skipReason(lstatSync(file).size, 0, settings.maxFileSize)) return null;
  return decodeSource(readFileSync(file));
}

function engineOptions(settings: LensSettings) {
  return { kernel: settings.kernel, pageSize: settings.pageSize, maxFileSize: settings.maxFileSize };
}

/**
 * Diagnostics for a C file as it is on disk, or null when it is not analysed (disabled, over the size limit, binary,
 * or never mentioning vmsplice), analysed here. Used by the start-up scan and when an open file is closed (its
 * diagnostics then come from the disk again), through `analyseFileOffLoop` for large files. The engine forgets the file
 * afterwards.
 */
export function analyseFileOnDisk(
  file: string,
  uri: string,
  settings: LensSettings,
  engine: Engine,
  docsBase: string,
  project: Project | null = null,
): Diagnostic[] | null {
  const text = readDiskText(file, settings);
  return text === null ? null : analyseTextHere(file, uri, text, settings, engine, docsBase, project);
}

function analyseTextHere(
  file: string,
  uri: string,
  text: string,
  settings: LensSettings,
  engine: Engine,
  docsBase: string,
  project: Project | null,
): Diagnostic[] | null {
  engine.setText(uri, text);
  if (project) readUnitHeaders(engine, uri, file, text, project);
  try {
    const result = engine.analysis(uri, engineOptions(settings));
    if (result.skipped || !result.analysed) return null;
    const analysis = { calls: result.calls, findings: result.findings, notes: result.notes };
    return diagnosticsFor(
      { uri, version: 0, text: "", settings, skipped: null, tree: null, facts: null, analysis, suppressions: [] },
      docsBase,
    );
  } finally {
    engine.close(uri);
  }
}

/**
 * `analyseFileOnDisk`, except that a file over the background threshold is analysed by the worker within the time
 * budget (partial findings plus one Information line when it runs out, as for an open document) while the message
 * loop goes on. Null also when a newer job for the same URI (the file was opened) replaced this one.
 */
export async function analyseFileOffLoop(
  file: string,
  uri: string,
  settings: LensSettings,
  engine: Engine,
  docsBase: string,
  project: Project | null,
  worker: DiskWorker | null | undefined,
): Promise<Diagnostic[] | null> {
  const text = readDiskText(file, settings);
  if (text === null) return null;
  if (!worker || text.length <= BACKGROUND_CHARS)
    return analyseTextHere(file, uri, text, settings, engine, docsBase, project);
  const budgetMs = settings.analysisTimeBudgetMs;
  const projectOfWorker = project ? (worker.projects?.workerProject(uri, settings) ?? null) : null;
  const document = { version: 0, languageId: languageOf(file), getText: () => text };
  const outcome = await worker.background.analyse(
    uri,
    document,
    engineOptions(settings),
    projectOfWorker,
    budgetMs,
    true,
  );
  if (outcome.kind === "superseded") return null;
  if (outcome.kind === "done" && (outcome.result.skipped || !outcome.result.analysed)) return null;
  const fields =
    outcome.kind === "done"
      ? workerFields(outcome.result, budgetMs)
      : {
          skipped: describeNoResult(outcome),
          tree: null,
          facts: null,
          analysis: { calls: [], findings: [], notes: [] },
          suppressions: [],
        };
  return diagnosticsFor({ uri, version: 0, text: "", settings, ...fields }, docsBase);
}

/** The workspace folder holding a file URI, when it is a .c or .h file inside one of the folders. */
export function workspaceFileOf(uri: string, folders: readonly string[]): { file: string; folder: string } | null {
  if (!uri.startsWith("file:") || !isSourceName(uri)) return null;
  let file: string;
  try {
    file = fileURLToPath(uri);
  } catch {
    return null;
  }
  const folder = folders.find((candidate) =>
    file.startsWith(candidate.endsWith(path.sep) ? candidate : candidate + path.sep),
  );
  return folder ? { file, folder } : null;
}

const yieldToEventLoop = () => new Promise<void>((resolve) => setImmediate(resolve));

export async function scanWorkspace(
  folders: readonly string[],
  context: ScanContext,
  workDoneToken: ProgressToken | undefined,
): Promise<ScanSummary> {
  const summary: ScanSummary = { visited: 0, analysed: 0, withFindings: 0 };
  let progress: WorkDoneProgressServerReporter | null = null;
  try {
    progress = await context.connection.window.createWorkDoneProgress();
  } catch (error) {
    // Clients without window.workDoneProgress refuse; the scan still runs, just without a progress bar.
    context.logger.debug(`no work-done progress: ${String(error)}`);
    void workDoneToken;
  }
  // Settings are read once per folder (one workspace/configuration round trip each), not once per file.
  const files = folders.flatMap((folder) => listCFiles([folder]).map((file) => ({ file, folder })));
  progress?.begin("vmsplice Lens: analysing workspace", 0, `${files.length} C files`, true);
  await loadLanguagesFor(files.map((item) => item.file));
  const engine = new Engine(newParser);
  try {
    const folderSettings = new Map<string, Awaited<ReturnType<typeof context.settings.get>>>();
    for (const { file, folder } of files.slice(0, MAX_SCANNED_FILES)) {
      if (context.cancel.cancelled || progress?.token.isCancellationRequested) break;
      summary.visited++;
      if (summary.visited % 25 === 0) {
        progress?.report(
          Math.floor((summary.visited / files.length) * 100),
          `${summary.visited}/${files.length} ${path.basename(file)}`,
        );
        await yieldToEventLoop();
      }
      const uri = pathToFileURL(file).href;
      if (context.isOpen(uri)) continue;
      try {
        const settings = await folderSettingsOf(folderSettings, folder, context);
        // The project's index is built in slices first (with its own progress), not inside this file's analysis.
        const project = (await context.projects?.indexedProjectFor(file, settings)) ?? null;
        if (context.isOpen(uri)) continue;
        const diagnostics = await analyseFileOffLoop(
          file,
          uri,
          settings,
          engine,
          context.docsBase,
          project,
          context.worker,
        );
        if (diagnostics === null) continue;
        summary.analysed++;
        if (diagnostics.length > 0) summary.withFindings++;
        context.published?.add(uri, file, folder);
        if (!context.isOpen(uri)) void context.connection.sendDiagnostics({ uri, diagnostics });
      } catch (error) {
        context.logger.error(`workspace scan: ${file}`, error);
      }
      await yieldToEventLoop();
    }
  } finally {
    engine.dispose();
    progress?.done();
  }
  context.logger.info(
    `workspace scan: ${summary.visited} C files visited, ${summary.analysed} analysed, ${summary.withFindings} with findings`,
  );
  return summary;
}

export interface RepublishContext extends ServerContext {
  connection: Connection;
  projects?: ProjectRegistry;
  isOpen(uri: string): boolean;
  /** The engine for files analysed from disk (shared with the closed-file path). */
  engine: () => Engine;
  /** Where files over the background threshold are analysed (none: here). */
  worker?: DiskWorker | null;
  /** True once a newer settings change started another pass, or on shutdown: this pass stops. */
  superseded(): boolean;
}

/**
 * Publishes again, from the disk, every closed file in `published` under the current settings (after a change of the
 * kernel model, page size, severities or `enable`): a file no longer analysed gets an empty list. Settings are read
 * once per folder; the loop yields between files so requests keep being answered. Returns how many were published.
 */
export async function republishFromDisk(published: DiskPublishedFiles, context: RepublishContext): Promise<number> {
  const folderSettings = new Map<string, LensSettings>();
  const entries = published.entries();
  await loadLanguagesFor(entries.map(([, item]) => item.file));
  let count = 0;
  for (const [uri, { file, folder }] of entries) {
    if (context.superseded()) break;
    if (context.isOpen(uri)) continue;
    try {
      const settings = await folderSettingsOf(folderSettings, folder, context);
      if (context.superseded()) break;
      const project = (await context.projects?.indexedProjectFor(file, settings)) ?? null;
      if (context.superseded()) break;
      const diagnostics = settings.analyzeWorkspace
        ? ((await analyseFileOffLoop(
            file,
            uri,
            settings,
            context.engine(),
            context.docsBase,
            project,
            context.worker,
          )) ?? [])
        : [];
      if (context.superseded()) break;
      if (!context.isOpen(uri)) {
        void context.connection.sendDiagnostics({ uri, diagnostics });
        count++;
      }
    } catch (error) {
      // A file deleted since the scan: its diagnostics are cleared.
      if ((error as NodeJS.ErrnoException)?.code === "ENOENT")
        void context.connection.sendDiagnostics({ uri, diagnostics: [] });
      else context.logger.error(`re-publishing ${file}`, error);
    }
    await yieldToEventLoop();
  }
  return count;
}

/** The settings of a workspace folder, read once per pass. */
async function folderSettingsOf(
  cache: Map<string, LensSettings>,
  folder: string,
  context: Pick<ServerContext, "settings">,
): Promise<LensSettings> {
  let settings = cache.get(folder);
  if (!settings) {
    settings = await context.settings.get(pathToFileURL(folder).href);
    cache.set(folder, settings);
  }
  return settings;
}
