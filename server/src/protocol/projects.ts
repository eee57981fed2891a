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
  type UnitHeaders,
} from "../project/project";
import type { DocumentStore } from "./documents";

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

  /** Reads the project headers of an open document into the engine (before its analysis); null for non-file URIs. */
  prepare(uri: string, settings: LensSettings): UnitHeaders | null {
    const file = filePathOf(uri);
    if (file === null) return null;
    const text = this.store.get(uri)?.document.getText();
    if (text === undefined) return null;
    return readUnitHeaders(this.store.engine, uri, file, text, this.projectOf(file, settings));
  }

  /** The project of a file on disk (the workspace scan and closed files). */
  projectFor(file: string, settings: LensSettings): Project {
    return this.projectOf(file, settings);
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
