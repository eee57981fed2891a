/**
 * The language server's projects: for each open C document, the project headers it includes, read through the open
 * documents first (unsaved text wins over the disk, as in clangd) and handed to the engine with the document.
 *
 * The project root of a file is the nearest ancestor with a root marker (compile_commands.json, compile_flags.txt,
 * .vmsplice-lens.json, .git), else the workspace folder holding it, else its directory.
 */
import path from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import type { LensSettings } from "../config";
import { newParser } from "../parsing/parser";
import {
  diskFs,
  findProjectRoot,
  Project,
  readUnitHeaders,
  type ProjectFs,
  type ProjectIndexStatus,
  type UnitHeaders,
} from "../project/project";
import type { DocumentStore } from "./documents";

/** One work-done progress of the editor (window/workDoneProgress), as the registry drives it. */
export interface IndexProgress {
  report(message: string, percentage?: number): void;
  end(message: string): void;
}

/** What the registry asks of the server while it builds a project's index. */
export interface IndexHooks {
  /** Starts a progress titled for the project (null: the client shows none). */
  begin(root: string, message: string): Promise<IndexProgress | null>;
  /** The project's index is built: the documents judged without it are analysed again. */
  indexed(project: Project): void;
}

/** How long one slice of an index build runs before the server answers other messages (milliseconds). */
const INDEX_SLICE_MS = 12;
/** How long a project's later index build runs before it shows a progress (milliseconds). */
const QUIET_REBUILD_MS = 300;
/** How often the progress is reported at most (milliseconds). */
const INDEX_REPORT_MS = 100;

const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

export class ProjectRegistry {
  private folders: string[] = [];
  private readonly projects = new Map<string, Project>();
  private readonly fs: ProjectFs;

  constructor(private readonly store: DocumentStore) {
    const open = (file: string) => store.get(pathToFileURL(file).href)?.document;
    this.fs = {
      ...diskFs,
      readText: (file) => open(file)?.getText() ?? diskFs.readText(file),
      readBytes: (file) => {
        const text = open(file)?.getText();
        if (text === undefined) return diskFs.readBytes(file);
        return text.includes("\0") ? null : Buffer.from(text);
      },
      contains: (file, word) => {
        const text = open(file)?.getText();
        return text === undefined ? diskFs.contains(file, word) : text.includes(word);
      },
      isFile: (file) => open(file) !== undefined || diskFs.isFile(file),
    };
  }

  setFolders(folders: readonly string[]): void {
    this.folders = [...folders];
  }

  private hooks: IndexHooks | null = null;
  /** Index builds under way, by project. */
  private readonly builds = new Map<Project, Promise<void>>();

  /**
   * Index builds run in slices, with progress, before a project's facts are used (without hooks, as in unit tests, the
   * index is built at once inside the first analysis).
   */
  setIndexHooks(hooks: IndexHooks): void {
    this.hooks = hooks;
  }

  /**
   * Reads the project headers of an open document into the engine (before its analysis); null for non-file URIs.
   * While the project's index is being built the document is read with its headers alone, every call marked as
   * waiting for the index (see readUnitHeaders), and the build is started if it is not under way.
   */
  prepare(uri: string, settings: LensSettings): UnitHeaders | null {
    const file = filePathOf(uri);
    if (file === null) return null;
    const text = this.store.get(uri)?.document.getText();
    if (text === undefined) return null;
    const project = this.projectOf(file, settings);
    if (this.hooks && !project.indexed) {
      void this.whenIndexed(project);
      // A small project's build may end in its first slice, before this returns (and its re-analysis of the open
      // documents is then already scheduled): read with the index, or this analysis would be kept as pending.
      if (!project.indexed) return readUnitHeaders(this.store.engine, uri, file, text, project, true);
    }
    return readUnitHeaders(this.store.engine, uri, file, text, project);
  }

  /** Resolves when the project's index is built (at once when it is; starts the build when none is under way). */
  whenIndexed(project: Project): Promise<void> {
    if (project.indexed || !this.hooks) return Promise.resolve();
    let build = this.builds.get(project);
    if (!build) {
      build = this.build(project, this.hooks).finally(() => this.builds.delete(project));
      this.builds.set(project, build);
    }
    return build;
  }

  /** Whether the project is still one of the registry's (a rebuild or a compile database change drops them all). */
  private current(project: Project): boolean {
    return [...this.projects.values()].includes(project);
  }

  /**
   * Builds a project's index in slices of INDEX_SLICE_MS between which other messages are answered, reporting
   * "indexing ROOT: 1,234 of 20,000 files"; again while a file changed during the build left it incomplete. A project's
   * first build always shows its progress; a later one (after a file changed) only once it takes longer than
   * QUIET_REBUILD_MS, so that editing a header does not flash a progress bar at each pause.
   */
  private async build(project: Project, hooks: IndexHooks): Promise<void> {
    const root = project.root;
    const started = performance.now();
    const shown: { progress: IndexProgress | null; asked: boolean } = { progress: null, asked: false };
    const show = async () => {
      if (shown.asked) return;
      shown.asked = true;
      shown.progress = await hooks.begin(root, `indexing ${root}`);
    };
    if (project.status().buildMs === null) await show();
    let lastReport = 0;
    try {
      while (!project.indexed && this.current(project)) {
        const steps = project.indexSteps();
        let sliceStart = performance.now();
        for (let step = steps.next(); !step.done; step = steps.next()) {
          const now = performance.now();
          if (shown.progress && now - lastReport >= INDEX_REPORT_MS) {
            lastReport = now;
            shown.progress.report(`indexing ${root}: ${step.value}`, project.buildPercentage);
          }
          if (now - sliceStart < INDEX_SLICE_MS) continue;
          if (now - started >= QUIET_REBUILD_MS) await show();
          await nextTurn();
          if (!this.current(project)) return;
          sliceStart = performance.now();
        }
      }
    } finally {
      this.endProgress(project, shown.progress);
    }
    if (this.current(project)) hooks.indexed(project);
  }

  /** The last report ("N of N files") and the end of a build's progress, saying what the index holds. */
  private endProgress(project: Project, progress: IndexProgress | null): void {
    if (!progress) return;
    const root = project.root;
    if (!this.current(project)) {
      progress.end(`indexing ${root} stopped: the project was dropped (rebuilt or reconfigured)`);
      return;
    }
    const status = project.status();
    const files = ((status.sourceFiles ?? 0) + (status.headerFiles ?? 0)).toLocaleString("en-US");
    progress.report(`indexing ${root}: ${files} of ${files} files`, 100);
    progress.end(
      `indexed ${root}: ${status.sourceFiles ?? 0} sources, ${status.headerFiles ?? 0} headers, ${status.wrappers.length} wrappers, ${status.pipeFillers.length} pipe fillers, ${status.fieldFills.length} field fills`,
    );
  }

  /** Whether a project's index is being built. */
  building(project: Project): boolean {
    return this.builds.has(project);
  }

  /** What each project's index holds (the "Show project index status" command). */
  statuses(): (ProjectIndexStatus & { building: boolean })[] {
    return [...this.projects.values()].map((project) => ({ ...project.status(), building: this.building(project) }));
  }

  /**
   * Drops every project (their caches with them) and builds the index of each project of the given files afresh;
   * resolves with their status once built.
   */
  async rebuild(files: readonly { uri: string; settings: LensSettings }[]): Promise<ProjectIndexStatus[]> {
    this.generation++;
    this.dispose();
    const wanted = new Set<Project>();
    for (const { uri, settings } of files) {
      if (!uri.startsWith("file:")) continue;
      try {
        wanted.add(this.projectOf(fileURLToPath(uri), settings));
      } catch {
        // Not a local file.
      }
    }
    await Promise.all([...wanted].map((project) => this.whenIndexed(project)));
    return [...wanted].map((project) => project.status());
  }

  /** The project of a file on disk (the workspace scan and closed files). */
  projectFor(file: string, settings: LensSettings): Project {
    return this.projectOf(file, settings);
  }

  /**
   * The project of a file on disk once its index is built (the workspace scan and closed files wait for it rather
   * than build it inside an analysis); when the project is dropped meanwhile (a rebuild), its successor's.
   */
  async indexedProjectFor(file: string, settings: LensSettings): Promise<Project> {
    for (;;) {
      const project = this.projectOf(file, settings);
      if (!this.hooks) return project;
      await this.whenIndexed(project);
      if (project.indexed && this.current(project)) return project;
    }
  }

  /** Moves on whenever a file of a project changes (the analysis worker makes its projects afresh then). */
  generation = 0;

  /** Where the background worker finds a document's project: its file, root and include paths (null: not a file). */
  workerProject(
    uri: string,
    settings: LensSettings,
  ): { file: string; root: string; includePaths: string[]; generation: number } | null {
    const file = filePathOf(uri);
    if (file === null) return null;
    const project = this.projectOf(file, settings);
    return { file, root: project.root, includePaths: project.includePaths, generation: this.generation };
  }

  /** A file changed (edited while open, or on disk): what was read from it is read again. */
  changed(uri: string, created = false): void {
    if (!uri.startsWith("file:")) return;
    this.generation++;
    const file = fileURLToPath(uri);
    // A compile database or a root marker changes every project's shape: they are made afresh.
    if (/(compile_commands\.json|compile_flags\.txt|\.vmsplice-lens\.json)$/.test(file)) {
      this.dispose();
      return;
    }
    for (const project of this.projects.values()) project.invalidate(file, created);
  }

  /** An open source file's unsaved text changed: its projects find callers elsewhere again (Project.sourceEdited). */
  sourceEdited(uri: string): void {
    if (!uri.startsWith("file:")) return;
    const file = fileURLToPath(uri);
    for (const project of this.projects.values()) project.sourceEdited(file);
  }

  dispose(): void {
    for (const project of this.projects.values()) project.dispose();
    this.projects.clear();
  }

  private projectOf(file: string, settings: LensSettings): Project {
    const marked = findProjectRoot(file, this.fs);
    const folder = this.folders.find((candidate) => file.startsWith(candidate + path.sep));
    const root = marked === path.dirname(file) && folder ? folder : marked;
    const includePaths = settings.includePaths.map((dir) => path.resolve(root, dir));
    const key = `${root}\0${includePaths.join("\0")}`;
    let project = this.projects.get(key);
    if (!project) {
      project = new Project(root, newParser, { includePaths }, this.fs);
      this.projects.set(key, project);
    }
    return project;
  }
}

/** The path of a file: URI, or null for other schemes and malformed URIs. */
function filePathOf(uri: string): string | null {
  if (!uri.startsWith("file:")) return null;
  try {
    return fileURLToPath(uri);
  } catch {
    return null;
  }
}
