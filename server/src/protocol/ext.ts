/**
 * The custom protocol shared by the language server and the VS Code client: custom request names and their
 * parameter and result types, command ids, and the settings prefix.
 *
 * This module is bundled into the server, the extension client and the webview, so it holds only string constants and
 * types: it imports only the leaf list of kernel models and page sizes (server/src/models.ts), never vscode,
 * vscode-languageserver or Node modules, which keeps it valid in all three.
 * Names follow STYLE.md section 3: commands are `vmsplice-lens.<verb>`, custom methods `vmsplice-lens/<verb>`, and
 * every setting lives under the one prefix `vmspliceLens`.
 * Changing a name or a field here is a protocol change: the client (H4) and the server must move together.
 */

import type { KernelModel, PageSize } from "../models";

/** The prefix of every setting (`vmspliceLens.kernel`, `vmspliceLens.pageSize`, ...). */
export const SETTINGS_SECTION = "vmspliceLens";

/** Kernel models the analyzer and the simulator know; the first one is the default. */
export type ReplayKernel = KernelModel;
/** Page sizes the analyzer and the simulator know; the first one is the default. */
export type ReplayPageSize = PageSize;

/** Command ids contributed by the client; the server refers to them in hover links and code lenses. */
export const Commands = {
  /**
   * Replay the vmsplice call at a position. Arguments: one `ReplayCommandArgs` object
   * (the code lens and the hover link pass it; from the command palette the client uses the cursor).
   */
  replay: "vmsplice-lens.replay",
  /** Replay a `.vmsim` scenario file. Arguments: `{ uri: string }`, or none for the active editor. */
  replayScenario: "vmsplice-lens.replayScenario",
  /** Open a rule's bundled page. Arguments: a rule id (`"VMS-ALIGN-SRC"`) or `"index"`. */
  showRuleDocs: "vmsplice-lens.showRuleDocs",
  /** Pick the kernel model and page size (the status-bar item runs it). No arguments. */
  selectKernel: "vmsplice-lens.selectKernel",
  /** Drop the projects' indexes and build them again, then re-analyse open documents. No arguments. */
  rebuildIndex: "vmsplice-lens.rebuildIndex",
  /** Show what each project's index holds. No arguments. */
  showIndexStatus: "vmsplice-lens.showIndexStatus",
} as const;

/**
 * Request `vmsplice-lens/rebuildIndex`, client to server, no parameters: drops every project's cached reads and index,
 * builds the index of the projects of the open documents again (with window/workDoneProgress), re-analyses the open
 * documents, and answers with the rebuilt projects' status once their indexes are built.
 */
export const RebuildIndexRequest = { method: "vmsplice-lens/rebuildIndex" } as const;

/** Request `vmsplice-lens/indexStatus`, client to server, no parameters: the status of every project the server holds. */
export const IndexStatusRequest = { method: "vmsplice-lens/indexStatus" } as const;

/** What one project's index holds (the answer of both index requests is a list of these). */
export interface IndexStatus {
  root: string;
  /** "ready" when the index is complete; "not built" before its first build or after a file changed. */
  state: "ready" | "not built";
  /** True while the server is building it. */
  building?: boolean;
  /** The compile database used (compile_commands.json or compile_flags.txt), or null. */
  compileDatabase: string | null;
  /** Source and header files found under the root (null: not listed yet). */
  sourceFiles: number | null;
  headerFiles: number | null;
  /** Files whose bytes were searched; sources and headers parsed. */
  filesSearched: number;
  sourcesParsed: number;
  headersParsed: number;
  /** "name (file:line)" of each wrapper; "name (parameter N, file:line)" of each pipe filler; "type.field (file:line)". */
  wrappers: string[];
  pipeFillers: string[];
  fieldFills: string[];
  /** "name (file:line)" of each vmsplice entry point of the syscall tables; "syscall N (file:line, …)" for its number. */
  syscallTables: string[];
  /** Limits hit while indexing, in words. */
  limits: string[];
  /** Milliseconds the last build took (null: not built by the server's stepped build). */
  buildMs: number | null;
}

/**
 * The URI scheme under which the VS Code client serves the rule pages it ships (dist/docs/<RULE-ID>.md): the client
 * passes `RULE_DOCS_SCHEME:/` as `initializationOptions.ruleDocumentationBase`, so diagnostic code links and hover links
 * open the installed version's page inside the editor, in the desktop and in the browser alike.
 */
export const RULE_DOCS_SCHEME = "vmsplice-lens-docs";

/** The argument object of the `vmsplice-lens.replay` command, as the server puts it into code lenses and hover links. */
export interface ReplayCommandArgs {
  uri: string;
  /** Zero-based line of the vmsplice call (its callee name). */
  line: number;
  /** Zero-based UTF-16 column of the callee name. */
  character: number;
  /** Replay the call a recorded run observed there instead of the static facts (the "Replay observed" code lens). */
  observed?: ObservedReplaySelector;
}

/** A recorded call: a kept trace of the workspace (its path, as the observed code lens gives it) and which observation. */
export interface ObservedReplaySelector {
  trace: string;
  /** One-based, in time order among the calls the trace observed on the call's lines; default 1. */
  observation?: number;
}

/**
 * Request `vmsplice-lens/replay`, client to server: replay the vmsplice call site at a position through the simulator's
 * call-site replay (server/src/simulator/replay.ts) and answer its trace.
 * Errors (ResponseError): no vmsplice call at the position, the document is not open or not analysed,
 * or replay is unavailable (the simulator's call-site replay is not built into this server).
 */
export const ReplayRequest = { method: "vmsplice-lens/replay" } as const;

export interface ReplayParams {
  uri: string;
  /** Zero-based line; any position inside the call (or on the line of its callee) selects it. */
  line: number;
  /** Zero-based UTF-16 column. */
  character: number;
  /** Overrides the configured kernel model for this replay (the webview's model switch). */
  kernel?: ReplayKernel;
  /** Overrides the configured page size for this replay (the webview's page-size switch). */
  pageSize?: ReplayPageSize;
  /**
   * Replay the call a recorded run observed on the call's lines, with its real in-page offsets, lengths, page counts,
   * mapping kinds and flags (server/src/recorder/replay-observed.ts), instead of the static facts.
   */
  observed?: ObservedReplaySelector;
}

/**
 * Request `vmsplice-lens/observedOutcomes`, client to server: the distinct outcomes of the calls a kept trace observed
 * on the lines of the call at the position (the grouping of `record`'s report), each with its count and the first
 * observation that has it, so the client can offer a choice before "Replay observed" (which replays one observation).
 * Errors (ResponseError): the trace is not one of the workspace's, or it observed nothing there.
 */
export const ObservedOutcomesRequest = { method: "vmsplice-lens/observedOutcomes" } as const;

export interface ObservedOutcomesParams {
  uri: string;
  line: number;
  character: number;
  /** The kept trace (as the "Replay observed" lens names it). */
  trace: string;
  /** The kernel model and page size the outcomes are judged under (the replay's); default the document's settings. */
  kernel?: ReplayKernel;
  pageSize?: ReplayPageSize;
}

export interface ObservedOutcomesResult {
  trace: string;
  /** How many calls the trace observed on the call's lines. */
  observations: number;
  /** In order of first appearance. */
  outcomes: {
    /** One-based: the `observation` of ObservedReplaySelector that replays this outcome. */
    observation: number;
    count: number;
    verdict: string;
    /** "copy: 2 pages (2 copied), VMS-ALIGN-SRC, VMS-LEN-PAGE". */
    label: string;
    /** When its first call was observed (ISO). */
    first: string;
    pids: number[];
    returned: number[];
  }[];
}

/**
 * Request `vmsplice-lens/replayScenario`, client to server: parse and run a `.vmsim` scenario.
 * The text is sent by the client (the editor buffer may be unsaved); the result has the same shape as a call-site replay,
 * with `site` pointing at the scenario file.
 * Errors (ResponseError): the scenario does not parse (the message lists line, column and what was expected),
 * or the simulator is not built into this server.
 */
export const ReplayScenarioRequest = { method: "vmsplice-lens/replayScenario" } as const;

export interface ReplayScenarioParams {
  uri: string;
  /** Full text of the scenario; when absent, the server uses its copy of the open document. */
  text?: string;
  kernel?: ReplayKernel;
  pageSize?: ReplayPageSize;
}

/** What happened to one page of data the call site hands over. */
export type ReplayPageOutcome = "moved" | "copied" | "not-delivered";

export interface ReplayPage {
  /** Index of the page in the order the call site hands pages over. */
  index: number;
  outcome: ReplayPageOutcome;
  /** Frame number the writer's page had, or null when the writer never had one (unknown or not delivered). */
  writerPfn: number | null;
  /** Frame number the reader's destination page ends up with, or null when nothing was delivered. */
  readerPfn: number | null;
  /** The rule id (spec section 8) that turned a move into a copy or caused a hazard; null for a clean move. */
  rule: string | null;
}

/** The outcome of one simulated call: bytes returned, an errno, a block, or a kernel BUG. */
export interface ReplayCallResult {
  returned?: number;
  errno?: string;
  blocked?: boolean;
  kernelBug?: string;
}

/**
 * One event of a step. `kind` names it (pin, queue, zap, move, copy, fault, cow-break, free, hazard, return, ...);
 * the other fields are the simulator's and are passed through unchanged. Copies and hazards carry `rule`.
 */
export interface ReplayEvent {
  kind: string;
  rule?: string | null;
  [field: string]: unknown;
}

/** One step of the trace: usually one system call or fault, with the events it caused. */
export interface ReplayStep {
  [field: string]: unknown;
  events?: ReplayEvent[];
}

/**
 * The replay JSON (issue 3 item 6), identical to `vmsplice-lens simulate --format json`.
 * Fields beyond these are the simulator's and pass through unchanged.
 */
export interface ReplayResult {
  kernel: ReplayKernel;
  pageSize: ReplayPageSize;
  /** The call site (or scenario file) replayed; `file` is a path or URI, `line` is one-based as in the CLI. */
  site: { file: string; line: number };
  /** Every fact the replay had to assume, in words (unknown facts, the ideal counterpart it added). */
  assumptions: string[];
  steps: ReplayStep[];
  pages: ReplayPage[];
  results: { writer?: ReplayCallResult; reader?: ReplayCallResult; [call: string]: ReplayCallResult | undefined };
  /** Every rule id the trace carries, in words, with its documentation link. */
  ruleWords?: Record<string, ReplayRuleWords>;
  /** Call-site replays: each step's label in the C program's words, by the generated scenario's (one-based) line. */
  stepLabels?: Record<number, string>;
  /**
   * Call-site replays: the call replayed (writer or reader side, its one-based C line) and the code lens's page count
   * and words for it under the replay's kernel model and page size.
   */
  focus?: { role: "writer" | "reader"; line: number; pages: number | null; lens: string | null };
  /** Replays of a recorded call: the trace, the observation replayed (one-based) and how many the call's lines have. */
  observed?: { trace: string; observation: number; observations: number };
  [field: string]: unknown;
}

/** A rule as the simulator panel shows it: the kernel's reason in words and the link to its documentation. */
export interface ReplayRuleWords {
  title: string;
  effect: string;
  /** Set when a page this rule fires on is unsafe rather than moved. */
  unsafe: "moves-into-wrong-place" | "crashes-kernel" | null;
  href: string;
}

/** Error codes of the ResponseErrors the custom requests answer with (in the JSON-RPC server-defined range). */
export const ReplayErrorCodes = {
  /** The simulator's replay is not available in this server build. */
  unavailable: -32001,
  /** No vmsplice call at the given position. */
  noCallAtPosition: -32002,
  /** The document is not open in the server. */
  unknownDocument: -32003,
  /** A `.vmsim` scenario failed to parse. */
  scenarioInvalid: -32004,
} as const;
