/**
 * Recorded runs in the workspace: the kept traces of `vmsplice-lens record --out NAME.vmsplice-trace.jsonl` found in
 * the open folders, summarised per source line for the code lens ("observed: 4 pages moved (run of 2026-12-04)").
 *
 * Traces are found by a bounded walk of the folders at first use and again when a watched trace file changes; each is
 * read and judged once per kernel model and page size (and again when it changes). The summaries come from
 * recorder/observed.ts, so the editor and `record` report the same verdicts.
 */
import { readdirSync, readFileSync, statSync, type Dirent } from "node:fs";
import path from "node:path";
import type { KernelModel, PageSize } from "../analysis/facts";
import { summariseTrace, type ObservedFiles, type ObservedSite } from "../recorder/observed";
import { parseTrace, type Trace } from "../recorder/trace";

export const TRACE_SUFFIX = ".vmsplice-trace.jsonl";
const MAX_DIRECTORIES = 5000;
/** A trace larger than this is not read by the editor (the CLI still reads it). */
const MAX_TRACE_BYTES = 64 * 1024 * 1024;
const SKIPPED = new Set(["node_modules", ".git", ".hg", ".svn", ".cache", ".vscode-test"]);

export class ObservedRuns {
  private folders: string[] = [];
  private traces: string[] | null = null;
  private readonly summaries = new Map<string, { mtimeMs: number; key: string; files: ObservedFiles }>();

  setFolders(folders: readonly string[]): void {
    this.folders = [...folders];
    this.traces = null;
  }

  /** A trace file was created, changed or deleted: found and read again on the next request. */
  changed(): void {
    this.traces = null;
  }

  /** The observed sites of a source file (absolute path) under a kernel model, from every trace in the workspace. */
  sitesFor(file: string, options: { kernel: KernelModel; pageSize: PageSize }): ObservedSite[] {
    const sites: ObservedSite[] = [];
    for (const trace of this.listTraces()) {
      const files = this.summary(trace, options);
      sites.push(...(files?.get(file) ?? []));
    }
    return sites;
  }

  /**
   * A trace of the workspace, parsed, for the replay of an observed call; null when the path is not one of the traces
   * found in the open folders (the server reads no other file for a client), is too large or cannot be read.
   */
  readTrace(trace: string): Trace | null {
    const wanted = path.resolve(trace);
    if (!this.listTraces().includes(wanted)) return null;
    try {
      if (statSync(wanted).size > MAX_TRACE_BYTES) return null;
      return parseTrace(readFileSync(wanted, "utf8"));
    } catch {
      return null;
    }
  }

  private summary(trace: string, options: { kernel: KernelModel; pageSize: PageSize }): ObservedFiles | null {
    let mtimeMs: number;
    let size: number;
    try {
      ({ mtimeMs, size } = statSync(trace));
    } catch {
      return null;
    }
    if (size > MAX_TRACE_BYTES) return null;
    const key = `${options.kernel}/${options.pageSize}`;
    const cached = this.summaries.get(trace);
    if (cached && cached.mtimeMs === mtimeMs && cached.key === key) return cached.files;
    let files: ObservedFiles;
    try {
      files = summariseTrace(readFileSync(trace, "utf8"), trace, options);
    } catch {
      return null;
    }
    this.summaries.set(trace, { mtimeMs, key, files });
    return files;
  }

  private listTraces(): string[] {
    if (this.traces) return this.traces;
    const found: string[] = [];
    const stack = [...this.folders];
    let visited = 0;
    while (stack.length > 0 && visited < MAX_DIRECTORIES) {
      const directory = stack.pop() as string;
      visited++;
      let entries: Dirent[];
      try {
        entries = readdirSync(directory, { withFileTypes: true });
      } catch {
        continue;
      }
      for (const entry of entries) {
        if (entry.isSymbolicLink()) continue;
        const full = path.join(directory, entry.name);
        if (entry.isDirectory()) {
          if (!SKIPPED.has(entry.name)) stack.push(full);
        } else if (entry.isFile() && entry.name.endsWith(TRACE_SUFFIX)) found.push(full);
      }
    }
    this.traces = found.sort();
    return this.traces;
  }
}
