/**
 * The language server's entry point: creates the stdio connection and binds every handler (nothing else does).
 *
 * Each handler goes through the wrappers of protocol/handler.ts, so a failure is logged through the connection and
 * answered with an empty result (or a ResponseError for user-invoked requests) instead of killing the server.
 * The server never writes to stdout itself: stdout carries the protocol.
 * Started as `node dist/server.js --stdio` (the package.json bin `vmsplice-lens-server`).
 */
import { ProjectRegistry } from "./protocol/projects";
import { existsSync } from "node:fs";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { Console } from "node:console";
import { getHeapSpaceStatistics } from "node:v8";
import {
  CodeLensRefreshRequest,
  createConnection,
  DidChangeConfigurationNotification,
  DidChangeWatchedFilesNotification,
  FileChangeType,
  ProposedFeatures,
  TextDocumentSyncKind,
  type Diagnostic,
  type InitializeParams,
  type InitializeResult,
  WorkDoneProgress,
  WorkDoneProgressCreateRequest,
  type WorkDoneProgressBegin,
  type WorkDoneProgressEnd,
  type WorkDoneProgressReport,
} from "vscode-languageserver/node";
import { Engine } from "./engine/engine";
import { loadLanguagesFor, newParser } from "./parsing/parser";
import {
  SETTINGS_SECTION,
  ObservedOutcomesRequest,
  ReplayRequest,
  ReplayScenarioRequest,
  RebuildIndexRequest,
  IndexStatusRequest,
  type IndexStatus,
  type ObservedOutcomesParams,
  type ReplayParams,
  type ReplayScenarioParams,
} from "./protocol/ext";
import { Logger } from "./protocol/logger";
import { guarded, guardedCommand, guardedNotification } from "./protocol/handler";
import { DocumentStore } from "./protocol/documents";
import { SettingsCache } from "./protocol/settings";
import { AnalysisService } from "./protocol/analysis-service";
import { BackgroundAnalyses } from "./protocol/background";
import { DiagnosticsScheduler } from "./protocol/diagnostics";
import type { LensSettings } from "./config";
import { provideHover } from "./protocol/hover";
import { provideCodeLenses } from "./protocol/code-lens";
import { provideCodeActions, CODE_ACTION_KINDS } from "./protocol/code-actions";
import { observedOutcomesAt, replayAtPosition, replayScenario } from "./protocol/replay";
import {
  analyseFileOffLoop,
  DiskPublishedFiles,
  republishFromDisk,
  scanWorkspace,
  workspaceFileOf,
  workspaceFolderPaths,
} from "./protocol/workspace-scan";
import { createStdioTransport } from "./protocol/transport";
import { ObservedRuns, TRACE_SUFFIX } from "./protocol/observed-runs";

// stdout carries the protocol: whatever a dependency prints goes to stderr (the client's output channel) instead.
Object.defineProperty(globalThis, "console", {
  value: new Console({ stdout: process.stderr, stderr: process.stderr }),
});
// Our own transport (protocol/transport.ts): requests after shutdown get InvalidRequest, broken framing exits with 1.
const transport = createStdioTransport(
  process.stdin,
  process.stdout,
  (text) => process.stderr.write(text + "\n"),
  (code) => process.exit(code),
);
const connection = createConnection(ProposedFeatures.all, transport.reader, transport.writer);
const logger = new Logger(connection.console, process.env.VMSPLICE_LENS_LOG === "debug" ? "debug" : "info");

process.on("unhandledRejection", (reason) => logger.error("unhandled promise rejection", reason));
process.on("uncaughtException", (error) => logger.error("uncaught exception", error));

/**
 * The rule pages written beside the bundle by the build (dist/docs/<RULE-ID>.md, shipped in the .vsix), as a file URL
 * ending in `/`; from the source tree (tests run the bundle, tsx runs main.ts) the built folder is found the same way.
 * A client that serves the pages itself names another base in `initializationOptions.ruleDocumentationBase`.
 */
function rulesDocumentationBase(): string {
  const here = typeof __dirname === "string" ? __dirname : process.cwd();
  const candidates = [path.join(here, "docs"), path.join(here, "..", "..", "dist", "docs")];
  const found = candidates.find((candidate) => existsSync(path.join(candidate, "index.md"))) ?? candidates[0];
  return pathToFileURL(found + path.sep).href;
}
// One engine holds the open documents (by URI); the workspace scan and closed files use engines of their own.
const store = new DocumentStore(new Engine(newParser));
const settings = new SettingsCache(logger);
const projects = new ProjectRegistry(store);
// Large documents are analysed by a worker thread (protocol/background.ts), so the message loop stays free.
const workerScript = path.join(typeof __dirname === "string" ? __dirname : process.cwd(), "analysis-worker.js");
const background = existsSync(workerScript) ? new BackgroundAnalyses(workerScript) : null;
// The worker keeps its own copy of the documents it analyses, moved on by the same content changes.
if (background) store.onChange = (uri, version, changes) => background.changed(uri, version, changes);
const analyses = new AnalysisService(store, projects, background);
// Closed files published from the disk and the workspace scan hand large files to the same worker.
const diskWorker = background ? { background, projects } : null;
const observed = new ObservedRuns();
const context = {
  observed,
  store,
  settings,
  analyses,
  logger,
  docsBase: rulesDocumentationBase(),
  projects,
  hoverPlainText: false,
  ruleDocsCommand: null as string | null,
};
const diagnostics = new DiagnosticsScheduler(
  store,
  settings,
  analyses,
  (uri, items, version) => void connection.sendDiagnostics({ uri, diagnostics: items, version }),
  logger,
  () => context.docsBase,
);
/** Closed workspace files published from the disk, published again when the settings change. */
const diskPublished = new DiskPublishedFiles();
let republishGeneration = 0;

let initializeParams: InitializeParams | null = null;
let pullsConfiguration = false;
const scanCancel = { cancelled: false };
/** The engine for files analysed from disk when they are closed (created on first use). */
let closedFileEngine: Engine | null = null;

/** Re-analyses every open document (their projects' facts changed, or their index was built). */
function reanalyseOpenDocuments(): void {
  for (const uri of store.uris()) {
    analyses.forget(uri);
    diagnostics.schedule(uri);
  }
}

let progressTokens = 0;
// A project's index is built in slices with window/workDoneProgress; documents judged meanwhile are judged again.
projects.setIndexHooks({
  begin: async (root, message) => {
    if (!initializeParams?.capabilities.window?.workDoneProgress) return null;
    const token = `vmsplice-lens/index/${++progressTokens}`;
    try {
      await connection.sendRequest(WorkDoneProgressCreateRequest.type, { token });
    } catch (error) {
      logger.debug(`no work-done progress for ${root}: ${String(error)}`);
      return null;
    }
    const send = (value: WorkDoneProgressBegin | WorkDoneProgressReport | WorkDoneProgressEnd) =>
      void connection.sendProgress(WorkDoneProgress.type, token, value);
    send({ kind: "begin", title: "vmsplice Lens: indexing project", message, percentage: 0, cancellable: false });
    return {
      report: (text, percentage) => send({ kind: "report", message: text, percentage }),
      end: (text) => send({ kind: "end", message: text }),
    };
  },
  indexed: (project) => {
    logger.info(`project index of ${project.root} built in ${project.status().buildMs ?? "?"} ms`);
    reanalyseOpenDocuments();
  },
});

connection.onInitialize((params): InitializeResult => {
  initializeParams = params;
  projects.setFolders(workspaceFolderPaths(params));
  observed.setFolders(workspaceFolderPaths(params));
  pullsConfiguration = params.capabilities.workspace?.configuration === true;
  const hoverFormats = params.capabilities.textDocument?.hover?.contentFormat;
  context.hoverPlainText = Array.isArray(hoverFormats) && !hoverFormats.includes("markdown");
  const options = params.initializationOptions as
    { ruleDocumentationBase?: unknown; ruleDocumentationCommand?: unknown } | null | undefined;
  if (
    typeof options?.ruleDocumentationCommand === "string" &&
    /^[A-Za-z][\w.-]*$/.test(options.ruleDocumentationCommand)
  )
    context.ruleDocsCommand = options.ruleDocumentationCommand;
  if (typeof options?.ruleDocumentationBase === "string" && /^[a-z][a-z0-9+.-]*:/i.test(options.ruleDocumentationBase))
    context.docsBase = options.ruleDocumentationBase;
  return {
    capabilities: {
      textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Incremental },
      hoverProvider: true,
      codeLensProvider: { resolveProvider: false },
      codeActionProvider: { codeActionKinds: [...CODE_ACTION_KINDS], resolveProvider: false },
    },
    serverInfo: { name: "vmsplice-lens", version: "0.1.0" },
  };
});

connection.onInitialized(
  guardedNotification(logger, "initialized", async () => {
    if (pullsConfiguration) {
      settings.usePull((uri) =>
        connection.workspace.getConfiguration(
          uri ? { scopeUri: uri, section: SETTINGS_SECTION } : { section: SETTINGS_SECTION },
        ),
      );
      if (initializeParams?.capabilities.workspace?.didChangeConfiguration?.dynamicRegistration) {
        await connection.client.register(DidChangeConfigurationNotification.type, { section: SETTINGS_SECTION });
      }
    }
    // Headers, sources, syscall tables and compile databases changed on disk (an edit elsewhere, a git checkout) re-read the projects.
    if (initializeParams?.capabilities.workspace?.didChangeWatchedFiles?.dynamicRegistration) {
      await connection.client.register(DidChangeWatchedFilesNotification.type, {
        watchers: [
          { globPattern: "**/*.{c,h,cc,cpp,cxx,hh,hpp,hxx,inc}" },
          { globPattern: "**/compile_commands.json" },
          { globPattern: "**/compile_flags.txt" },
          { globPattern: "**/.vmsplice-lens.json" },
          // Syscall tables name vmsplice's entry points and number (project/syscall-table.ts).
          { globPattern: "**/*.tbl" },
          { globPattern: `**/*${TRACE_SUFFIX}` },
        ],
      });
    }
    const windowSettings = await settings.get(null);
    if (windowSettings.analyzeWorkspace && initializeParams) {
      const folders = workspaceFolderPaths(initializeParams);
      if (folders.length > 0) {
        await scanWorkspace(
          folders,
          {
            ...context,
            connection,
            isOpen: (uri) => store.get(uri) !== undefined,
            cancel: scanCancel,
            published: diskPublished,
            worker: diskWorker,
          },
          initializeParams.workDoneToken,
        );
      }
    }
  }),
);

connection.onDidChangeConfiguration(
  guardedNotification(logger, "didChangeConfiguration", (params) => {
    if (pullsConfiguration) settings.clear();
    else settings.setPushed(params.settings);
    for (const uri of store.uris()) diagnostics.schedule(uri, true);
    // The code lenses of open files say the verdict under the old model until the client asks again.
    if (initializeParams?.capabilities.workspace?.codeLens?.refreshSupport)
      connection
        .sendRequest(CodeLensRefreshRequest.type)
        .catch((error: unknown) => logger.debug(`code lens refresh: ${String(error)}`));
    // Closed files keep the diagnostics of the old settings until published again (kernel model, page size, severity).
    const generation = ++republishGeneration;
    if (diskPublished.size === 0) return;
    void republishFromDisk(diskPublished, {
      ...context,
      connection,
      isOpen: (uri) => store.get(uri) !== undefined,
      engine: () => (closedFileEngine ??= new Engine(newParser)),
      worker: diskWorker,
      superseded: () => generation !== republishGeneration || scanCancel.cancelled,
    }).then(
      (count) => logger.debug(`settings changed: ${count} closed files published again`),
      (error) => logger.error("re-publishing closed files", error),
    );
  }),
);

connection.onDidChangeWatchedFiles(
  guardedNotification(logger, "didChangeWatchedFiles", (params) => {
    for (const change of params.changes) {
      // A recorded run kept in the workspace: the observed code lenses read it again.
      if (change.uri.endsWith(TRACE_SUFFIX)) {
        observed.changed();
        if (initializeParams?.capabilities.workspace?.codeLens?.refreshSupport)
          void connection.sendRequest(CodeLensRefreshRequest.type);
        continue;
      }
      projects.changed(change.uri, change.type === FileChangeType.Created);
    }
    // Every open document may include what changed: each is analysed again (its unchanged facts are cheap to judge).
    reanalyseOpenDocuments();
  }),
);

/**
 * Document notifications take effect in the order they came: didOpen waits for the grammar the first time, and a
 * didChange or didClose that arrives meanwhile must not find the document missing (it would be lost).
 */
let documentEvents: Promise<void> = Promise.resolve();
function inOrder<P>(handler: (params: P) => Promise<void> | void): (params: P) => Promise<void> {
  return (params) => (documentEvents = documentEvents.then(() => handler(params)));
}

connection.onDidOpenTextDocument(
  inOrder(
    guardedNotification(logger, "didOpen", async (params) => {
      const { uri, languageId, version, text } = params.textDocument;
      await store.open(uri, languageId, version, text);
      analyses.forget(uri);
      headerChanged(uri);
      diagnostics.schedule(uri, true);
    }),
  ),
);

connection.onDidChangeTextDocument(
  inOrder(
    guardedNotification(logger, "didChange", (params) => {
      const entry = store.change(params.textDocument.uri, params.textDocument.version ?? 0, params.contentChanges);
      if (!entry) {
        logger.warn(`didChange for a document that is not open: ${params.textDocument.uri}`);
        return;
      }
      headerChanged(entry.uri);
      diagnostics.schedule(entry.uri);
    }),
  ),
);

/**
 * An edited header may change the facts of every open file that includes it: they are analysed again. An edited source
 * may be another open file's one caller elsewhere, read into its unit (project/caller-join.ts): the others are
 * analysed again too, and a unit whose joined text changed reads it again.
 */
function headerChanged(uri: string): void {
  const header = /\.(h|hh|hpp|hxx|inc)$/.test(uri);
  if (!header && !/\.(c|cc|cpp|cxx)$/.test(uri)) return;
  if (header) projects.changed(uri);
  else projects.sourceEdited(uri);
  for (const other of store.uris()) {
    if (other === uri) continue;
    analyses.forget(other);
    diagnostics.schedule(other);
  }
}

/** Per closed URI, the latest disk analysis started: an older one still running does not publish over it. */
const closedAnalyses = new Map<string, number>();
let closedAnalysisCount = 0;

connection.onDidCloseTextDocument(
  inOrder(
    guardedNotification(logger, "didClose", async (params) => {
      const uri = params.textDocument.uri;
      diagnostics.cancel(uri);
      store.close(uri);
      analyses.closed(uri);
      headerChanged(uri);
      // A file of the workspace keeps its diagnostics after closing, as the start-up scan gave them: from the disk.
      const inWorkspace = initializeParams ? workspaceFileOf(uri, workspaceFolderPaths(initializeParams)) : null;
      const folderSettings = inWorkspace ? await settings.get(pathToFileURL(inWorkspace.folder).href) : null;
      if (!inWorkspace || !folderSettings?.analyzeWorkspace) {
        if (!store.get(uri)) void connection.sendDiagnostics({ uri, diagnostics: [] });
        return;
      }
      diskPublished.add(uri, inWorkspace.file, inWorkspace.folder);
      // Not awaited: a large file is analysed by the worker, and the document events behind this one do not wait.
      const started = ++closedAnalysisCount;
      closedAnalyses.set(uri, started);
      void publishFromDisk(uri, inWorkspace.file, folderSettings).then(
        (items) => {
          if (closedAnalyses.get(uri) !== started) return;
          closedAnalyses.delete(uri);
          if (!store.get(uri)) void connection.sendDiagnostics({ uri, diagnostics: items });
        },
        (error) => logger.error(`analysing closed ${uri}`, error),
      );
    }),
  ),
);

/** The diagnostics of a closed workspace file from the disk (none when it is not analysed). */
async function publishFromDisk(uri: string, file: string, folderSettings: LensSettings): Promise<Diagnostic[]> {
  await loadLanguagesFor([file]);
  closedFileEngine ??= new Engine(newParser);
  const project = await projects.indexedProjectFor(file, folderSettings);
  const engine = closedFileEngine;
  const worker = diskWorker;
  const items = await analyseFileOffLoop(file, uri, folderSettings, engine, context.docsBase, project, worker);
  return items ?? [];
}

connection.onHover(guarded(logger, "hover", null, (params, token) => provideHover(context, params, token)));
connection.onCodeLens(guarded(logger, "codeLens", [], (params, token) => provideCodeLenses(context, params, token)));
connection.onCodeAction(
  guarded(logger, "codeAction", [], (params, token) => provideCodeActions(context, params, token)),
);
connection.onRequest(
  ReplayRequest.method,
  guardedCommand(logger, ReplayRequest.method, (params: ReplayParams, token) =>
    replayAtPosition(context, params, token),
  ),
);
connection.onRequest(
  ObservedOutcomesRequest.method,
  guardedCommand(logger, ObservedOutcomesRequest.method, (params: ObservedOutcomesParams, token) =>
    observedOutcomesAt(context, params, token),
  ),
);
connection.onRequest(
  ReplayScenarioRequest.method,
  guardedCommand(logger, ReplayScenarioRequest.method, (params: ReplayScenarioParams, token) =>
    replayScenario(context, params, token),
  ),
);

// The soak (scripts/soak.ts) asks for the memory after a full collection; only when it started the server for that.
if (process.env.VMSPLICE_LENS_MEMORY_PROBE === "1") {
  connection.onRequest("vmsplice-lens/memory", () => {
    (globalThis as { gc?: () => void }).gc?.();
    const { heapUsed, external, rss } = process.memoryUsage();
    // The heap's spaces: V8's compiled code (code_space, code_large_object_space) is the JIT's output, bounded by the
    // program; the others hold the data.
    let codeUsed = 0;
    let dataUsed = 0;
    for (const space of getHeapSpaceStatistics()) {
      if (space.space_name.includes("code")) codeUsed += space.space_used_size;
      else dataUsed += space.space_used_size;
    }
    return { heapUsed, codeUsed, dataUsed, external, rss };
  });
}
connection.onRequest(
  RebuildIndexRequest.method,
  guardedCommand(logger, RebuildIndexRequest.method, async (): Promise<IndexStatus[]> => {
    const open = await Promise.all(store.uris().map(async (uri) => ({ uri, settings: await settings.get(uri) })));
    const rebuilt = projects.rebuild(open);
    // Judged at once (their calls wait for the index), and again when each index is built.
    reanalyseOpenDocuments();
    return rebuilt;
  }),
);
connection.onRequest(
  IndexStatusRequest.method,
  guardedCommand(logger, IndexStatusRequest.method, (): IndexStatus[] => projects.statuses()),
);

connection.onShutdown(() => {
  scanCancel.cancelled = true;
  for (const uri of store.uris()) diagnostics.cancel(uri);
  background?.dispose();
});

connection.listen();
