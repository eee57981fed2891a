/**
 * One engine, three front ends: the CLI (`check --format json`), the workspace scan (`analyseFileOnDisk`) and the
 * language server (DocumentStore + AnalysisService, the didOpen path) give the same findings for the same file, over
 * every C file of samples/ and test/fixtures/, and apply the same limits (size, then a NUL anywhere).
 */
import { describe, test } from "node:test";
import assert from "node:assert/strict";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import os from "node:os";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { Diagnostic } from "vscode-languageserver/node";
import { main, parseCheckArguments } from "../../server/src/cli/main";
import { DEFAULT_SETTINGS, type LensSettings } from "../../server/src/config";
import { DEFAULT_MAX_FILE_SIZE } from "../../server/src/engine/engine";
import { decodeSource } from "../../server/src/engine/source-text";
import { AnalysisService } from "../../server/src/protocol/analysis-service";
import { diagnosticsFor } from "../../server/src/protocol/diagnostics";
import { DocumentStore } from "../../server/src/protocol/documents";
import { analyseFileOnDisk } from "../../server/src/protocol/workspace-scan";
import { newEngine } from "./engine-support";
import { ProjectRegistry } from "../../server/src/protocol/projects";
import { findProjectRoot, Project } from "../../server/src/project/project";
import { newParser } from "../../server/src/parsing/parser";

const root = path.resolve(__dirname, "..", "..");
const settings: LensSettings = { ...DEFAULT_SETTINGS, severity: {} };
const docsBase = "file:///docs/rules.md";

function cFiles(directory: string): string[] {
  return readdirSync(directory, { withFileTypes: true })
    .flatMap((entry) => {
      const full = path.join(directory, entry.name);
      if (entry.isDirectory()) return cFiles(full);
      return entry.name.endsWith(".c") ? [full] : [];
    })
    .sort();
}

/** One finding as all three outputs can say it: rule, 1-based start and end, message, related files (other than its own), starts and messages. */
type Row = string;

async function cliRows(files: string[], extra: string[] = []): Promise<Map<string, Row[] | string>> {
  let output = "";
  await main(
    ["check", "--format", "json", ...extra, ...files],
    (text) => (output += text),
    () => undefined,
  );
  const report = JSON.parse(output) as {
    files: {
      path: string;
      skipped?: string;
      findings: {
        rule: string;
        line: number;
        column: number;
        endLine: number;
        endColumn: number;
        message: string;
        related: { file?: string; line: number; column: number; message: string }[];
      }[];
    }[];
  };
  const rows = new Map<string, Row[] | string>();
  for (const file of report.files) {
    rows.set(
      file.path,
      file.skipped
        ? "skipped"
        : file.findings.map((finding) =>
            JSON.stringify([
              finding.rule,
              finding.line,
              finding.column,
              finding.endLine,
              finding.endColumn,
              finding.message,
              finding.related.map((item) => [
                item.file === undefined ? null : pathToFileURL(path.resolve(item.file)).href,
                item.line,
                item.column,
                item.message,
              ]),
            ]),
          ),
    );
  }
  return rows;
}

function diagnosticRows(uri: string, diagnostics: Diagnostic[]): Row[] {
  return diagnostics.map((diagnostic) => {
    return JSON.stringify([
      diagnostic.code,
      diagnostic.range.start.line + 1,
      diagnostic.range.start.character + 1,
      diagnostic.range.end.line + 1,
      diagnostic.range.end.character + 1,
      diagnostic.message,
      // A related location in another file (a syscall table's row) names that file; the document's own do not.
      (diagnostic.relatedInformation ?? []).map((item) => [
        item.location.uri === uri ? null : item.location.uri,
        item.location.range.start.line + 1,
        item.location.range.start.character + 1,
        item.message,
      ]),
    ]);
  });
}

/** What the server publishes for a file opened with its contents (a skipped file gets one information line). */
async function serverRows(files: string[], limit = settings): Promise<Map<string, Row[] | string>> {
  const store = new DocumentStore(await newEngine());
  // The server reads each document with its project, as the CLI does (protocol/projects.ts).
  const projects = new ProjectRegistry(store);
  const analyses = new AnalysisService(store, projects);
  const rows = new Map<string, Row[] | string>();
  for (const file of files) {
    const uri = pathToFileURL(file).href;
    const entry = await store.open(uri, "c", 1, decodeSource(readFileSync(file)));
    const result = analyses.analyze(entry, limit);
    rows.set(file, result.skipped ? "skipped" : diagnosticRows(uri, diagnosticsFor(result, docsBase)));
    store.close(uri);
  }
  projects.dispose();
  return rows;
}

async function scanRows(files: string[], limit = settings): Promise<Map<string, Row[] | string>> {
  const engine = await newEngine();
  const rows = new Map<string, Row[] | string>();
  const projects = new Map<string, Project>();
  for (const file of files) {
    const uri = pathToFileURL(file).href;
    const root = findProjectRoot(file);
    let project = projects.get(root);
    if (!project) {
      project = new Project(root, newParser);
      projects.set(root, project);
    }
    const diagnostics = analyseFileOnDisk(file, uri, limit, engine, docsBase, project);
    // The scan publishes nothing for files it does not analyse; the text check and the limits decide that.
    rows.set(file, diagnostics === null ? "not analysed" : diagnosticRows(uri, diagnostics));
  }
  engine.dispose();
  for (const project of projects.values()) project.dispose();
  return rows;
}

describe("the CLI, the workspace scan and the server agree", () => {
  test("on every sample and fixture", async () => {
    const files = [
      ...cFiles(path.join(root, "samples")),
      ...cFiles(path.join(root, "test", "fixtures")),
      ...cFiles(path.join(root, "test", "projects")),
    ];
    assert.ok(files.length > 100);
    const [cli, scan, server] = [await cliRows(files), await scanRows(files), await serverRows(files)];
    let findings = 0;
    for (const file of files) {
      const fromScan = scan.get(file);
      const fromCli = cli.get(file);
      // A file without "splice" in it is not analysed by the scan; the others report it with no findings.
      const expected = fromScan === "not analysed" ? [] : fromScan;
      assert.deepEqual(fromCli, expected, `CLI and workspace scan differ on ${path.relative(root, file)}`);
      assert.deepEqual(server.get(file), expected, `server and workspace scan differ on ${path.relative(root, file)}`);
      findings += Array.isArray(expected) ? expected.length : 0;
    }
    assert.ok(findings > 150, `only ${findings} findings compared`);
  });

  test("on the limits: a NUL anywhere is binary, and one size limit (default 10 MiB) for all", async () => {
    const directory = mkdtempSync(path.join(os.tmpdir(), "vmsplice-lens-limits-"));
    const program = readFileSync(path.join(root, "samples", "rfc-iov-base.c"), "utf8");
    // Past the first 8 KiB, where the CLI used to stop looking for NUL bytes.
    const binary = path.join(directory, "late-nul.c");
    writeFileSync(binary, `${program}${"/* padding */\n".repeat(1000)}\u0000\n`);
    const large = path.join(directory, "large.c");
    writeFileSync(large, `${program}${"/* padding padding padding padding padding */\n".repeat(2000)}`);
    const files = [binary, large];
    const small: LensSettings = { ...settings, maxFileSize: 50_000 };
    const cli = await cliRows(files, ["--max-file-size", "50000"]);
    const scan = await scanRows(files, small);
    const server = await serverRows(files, small);
    assert.equal(cli.get(binary), "skipped");
    assert.equal(server.get(binary), "skipped");
    assert.equal(scan.get(binary), "not analysed");
    assert.equal(cli.get(large), "skipped");
    assert.equal(server.get(large), "skipped");
    assert.equal(scan.get(large), "not analysed");
    assert.equal(DEFAULT_SETTINGS.maxFileSize, DEFAULT_MAX_FILE_SIZE);
    assert.equal(parseCheckArguments([large]).maxFileSize, DEFAULT_MAX_FILE_SIZE);
  });
});
