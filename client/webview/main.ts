/**
 * The simulator webview's browser code, bundled to dist/webview.js as an iife.
 *
 * It owns the DOM of the panel: three rows of page tiles (writer, pipe ring, reader), the step controls, the kernel
 * model and page size switches, the assumptions and the simulator's step log. It holds no kernel logic; the trace comes
 * from the server through the host, and view-model.ts lays it out. It must not import `vscode` or anything of Node.
 *
 * Every piece of text that can come from source code or from the trace is set with `textContent`, never as HTML,
 * and colours are set through the CSSOM (`style.setProperty`), which the Content-Security-Policy allows without
 * 'unsafe-inline'.
 */
import "./styles.css";
import type { HostToWebview, RenderSummary, WebviewToHost } from "../src/webview/messages";
import { KERNEL_MODEL_NAMES, PAGE_SIZE_VALUES, isKernelModelName, isPageSizeValue } from "../src/webview/messages";
import {
  buildReplayView,
  byteRange,
  countOutcomes,
  hueOfPfn,
  nextProblemFrame,
  type ReplayView,
  type Tile,
} from "./view-model";

interface VsCodeApi {
  postMessage(message: WebviewToHost): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const PLAY_INTERVAL_MS = 700;

interface State {
  view: ReplayView | null;
  frame: number;
  playing: boolean;
  kernel: string;
  pageSize: number;
  error: string | null;
  subjectLabel: string;
  /** The replay shown, for restoring the step after the panel was hidden. */
  requestId: number | null;
  /** The replayed document changed since this replay. */
  stale: boolean;
}

const state: State = {
  view: null,
  frame: 0,
  playing: false,
  kernel: "rfc-v2",
  pageSize: 4096,
  error: null,
  subjectLabel: "",
  requestId: null,
  stale: false,
};
let playTimer: ReturnType<typeof setInterval> | null = null;

function element<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  className?: string,
  text?: string,
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function byId<T extends HTMLElement>(id: string): T {
  const node = document.getElementById(id);
  if (!node) throw new Error(`missing #${id}`);
  return node as T;
}

/** Builds the static skeleton once; render() only fills it. */
function buildSkeleton(root: HTMLElement): void {
  const header = element("header", "header");
  header.append(element("h1", "title", "vmsplice page movement"));
  const subject = element("p", "subject");
  subject.id = "subject";
  header.append(subject);

  const options = element("div", "options");
  const kernelLabel = element("label", undefined, "Kernel model ");
  const kernelSelect = element("select");
  kernelSelect.id = "kernel";
  for (const name of KERNEL_MODEL_NAMES) kernelSelect.append(new Option(name, name));
  kernelLabel.append(kernelSelect);
  const sizeLabel = element("label", undefined, "Page size ");
  const sizeSelect = element("select");
  sizeSelect.id = "page-size";
  for (const size of PAGE_SIZE_VALUES) sizeSelect.append(new Option(`${size / 1024} KiB`, String(size)));
  sizeLabel.append(sizeSelect);
  options.append(kernelLabel, sizeLabel);
  header.append(options);

  const controls = element("div", "controls");
  controls.setAttribute("role", "toolbar");
  controls.setAttribute("aria-label", "Step controls");
  const buttons: [string, string, string][] = [
    ["first", "« First", "Go to the first step (Home)"],
    ["back", "◀ Back", "Step back (Left arrow)"],
    ["play", "▶ Play", "Play or pause (Space)"],
    ["forward", "Forward ▶", "Step forward (Right arrow)"],
    ["last", "Last »", "Go to the last step (End)"],
    ["next-copy", "Next copy or unsafe", "Jump to the next step where a chunk is copied or moved unsafely (C)"],
  ];
  for (const [id, text, title] of buttons) {
    const button = element("button", "control", text);
    button.id = id;
    button.type = "button";
    button.title = title;
    controls.append(button);
  }
  const position = element("span", "position");
  position.id = "position";
  position.setAttribute("aria-live", "polite");
  controls.append(position);

  const stale = element("div", "stale");
  stale.id = "stale";
  stale.setAttribute("role", "status");
  stale.append(element("span", undefined, "Source changed since this replay; the picture may be out of date. "));
  const again = element("button", "control", "Replay again");
  again.id = "replay-again";
  again.type = "button";
  stale.append(again);
  stale.hidden = true;

  const caption = element("p", "caption");
  caption.id = "caption";
  caption.setAttribute("aria-live", "polite");
  const status = element("p", "status");
  status.id = "status";

  const rows = element("section", "rows");
  rows.id = "rows";
  for (const [id, title] of [
    ["writer", "Writer's address space"],
    ["ring", "Pipe ring"],
    ["reader", "Reader's address space"],
  ]) {
    const row = element("div", "row");
    row.append(element("h2", "row-title", title));
    const tiles = element("div", "tiles");
    tiles.id = `${id}-tiles`;
    // A group, not a list: some tiles are buttons (jump to the page's delivery) and must keep the button role.
    tiles.setAttribute("role", "group");
    tiles.setAttribute("aria-label", title);
    row.append(tiles);
    rows.append(row);
  }

  const legend = element(
    "p",
    "legend",
    "One tile per page; the bars inside show which bytes of the page each chunk covers. Tiles are coloured by PFN: a moved page keeps its writer's colour, a copy gets a new frame and colour; a red striped tile is an unsafe move (the page lands in the wrong place). Click a page to jump to its delivery.",
  );

  legend.id = "legend";
  const details = element("section", "details");
  details.id = "details";
  const results = element("div", "panel");
  results.append(element("h2", undefined, "Results"));
  const resultList = element("ul");
  resultList.id = "results";
  results.append(resultList);
  const assumptions = element("div", "panel");
  assumptions.append(element("h2", undefined, "Assumptions"));
  const assumptionList = element("ul");
  assumptionList.id = "assumptions";
  assumptions.append(assumptionList);
  const log = element("div", "panel");
  log.append(element("h2", undefined, "Simulator steps"));
  const logList = element("ol");
  logList.id = "step-log";
  log.append(logList);
  details.append(results, assumptions, log);

  root.replaceChildren(header, stale, controls, caption, status, rows, legend, details);
  again.addEventListener("click", () => vscode.postMessage({ type: "replayAgain" }));

  kernelSelect.addEventListener("change", requestOptions);
  sizeSelect.addEventListener("change", requestOptions);
  byId("first").addEventListener("click", () => goTo(0));
  byId("back").addEventListener("click", () => goTo(state.frame - 1));
  byId("forward").addEventListener("click", () => goTo(state.frame + 1));
  byId("last").addEventListener("click", () => goTo(Number.MAX_SAFE_INTEGER));
  byId("play").addEventListener("click", togglePlay);
  byId("next-copy").addEventListener("click", jumpToNextCopy);
  document.addEventListener("keydown", onKey);
}

function requestOptions(): void {
  const kernel = byId<HTMLSelectElement>("kernel").value;
  const pageSize = Number(byId<HTMLSelectElement>("page-size").value);
  if (isKernelModelName(kernel) && isPageSizeValue(pageSize)) {
    stopPlaying();
    vscode.postMessage({ type: "changeOptions", kernel, pageSize });
  }
}

function onKey(event: KeyboardEvent): void {
  // Keys typed into a select keep their own meaning (arrow keys change the option there).
  if (event.target instanceof HTMLSelectElement) return;
  switch (event.key) {
    case "ArrowRight":
      goTo(state.frame + 1);
      break;
    case "ArrowLeft":
      goTo(state.frame - 1);
      break;
    case "Home":
      goTo(0);
      break;
    case "End":
      goTo(Number.MAX_SAFE_INTEGER);
      break;
    case " ":
      // Space on a focused button already clicks it; handling it here too would toggle twice.
      if (event.target instanceof HTMLButtonElement) return;
      togglePlay();
      break;
    case "c":
    case "C":
      jumpToNextCopy();
      break;
    default:
      return;
  }
  event.preventDefault();
}

function goTo(frame: number): void {
  if (!state.view) return;
  const last = state.view.frames.length - 1;
  state.frame = Math.max(0, Math.min(last, frame));
  if (state.frame === last) stopPlaying();
  render();
}

function jumpToNextCopy(): void {
  if (!state.view) return;
  const target = nextProblemFrame(state.view, state.frame);
  if (target !== null) goTo(target);
}

function togglePlay(): void {
  if (state.playing) {
    stopPlaying();
  } else if (state.view) {
    if (state.frame >= state.view.frames.length - 1) state.frame = 0;
    state.playing = true;
    playTimer = setInterval(() => goTo(state.frame + 1), PLAY_INTERVAL_MS);
  }
  render();
}

function stopPlaying(): void {
  state.playing = false;
  if (playTimer !== null) clearInterval(playTimer);
  playTimer = null;
}

function tileElement(
  tile: Tile,
  focusPage: number | null,
  deliveryFrame: number | undefined,
  row: "writer" | "ring" | "reader",
  pageSize: number,
  slot?: number,
): HTMLElement {
  const node = element(tile.page !== null && deliveryFrame !== undefined ? "button" : "div", `tile tile-${tile.kind}`);
  const focused = row === "ring" ? tile.page === focusPage : tile.chunks.some((piece) => piece.chunk === focusPage);
  if (focusPage !== null && focused) node.classList.add("tile-focus");
  if (tile.pfn !== null && tile.kind !== "zapped" && tile.kind !== "pending" && tile.kind !== "not-delivered") {
    node.classList.add("tile-coloured");
    node.style.setProperty("--pfn-hue", String(hueOfPfn(tile.pfn)));
  }
  let top: string;
  if (row === "ring") top = tile.page === null ? `slot ${slot}` : `slot ${slot} · chunk ${tile.page}`;
  else top = `page ${tile.page}`;
  node.append(element("span", "tile-page", top));
  let pfn: string;
  if (tile.kind === "zapped") pfn = tile.pfn === null ? "zapped" : `zapped (was PFN ${tile.pfn})`;
  else if (tile.pfn !== null) pfn = `PFN ${tile.pfn}`;
  else pfn = tile.kind === "pending" ? "…" : tile.kind === "empty" ? "empty" : "—";
  node.append(element("span", "tile-pfn", pfn));
  if (tile.chunks.length > 0) {
    // The page as a bar: each chunk at its in-page offset, so a chunk 16 bytes into the page is visibly not at the start.
    const bar = element("span", "tile-bytes");
    bar.setAttribute("aria-hidden", "true");
    for (const piece of tile.chunks) {
      const part = element("span", `tile-chunk chunk-${piece.kind}`);
      part.style.setProperty("--from", `${Math.min(100, (piece.offset / pageSize) * 100)}%`);
      part.style.setProperty("--width", `${Math.max(1, Math.min(100, (piece.len / pageSize) * 100))}%`);
      bar.append(part);
    }
    node.append(bar);
    for (const piece of tile.chunks)
      node.append(element("span", "tile-chunk-text", `chunk ${piece.chunk}: ${byteRange(piece.offset, piece.len)}`));
  }
  if (tile.kind === "moved" || tile.kind === "copied" || tile.kind === "not-delivered" || tile.kind === "unsafe") {
    node.append(element("span", "tile-outcome", tile.kind === "unsafe" ? "UNSAFE move" : tile.kind));
  }
  if (tile.note) node.append(element("span", "tile-note", tile.note));
  if (tile.rule) node.append(element("span", "tile-rule", tile.rule));
  node.title = [
    top,
    pfn,
    tile.kind,
    ...tile.chunks.map((piece) => `chunk ${piece.chunk}: ${byteRange(piece.offset, piece.len)} (${piece.kind})`),
    tile.note ?? "",
    tile.rule ?? "",
  ]
    .filter(Boolean)
    .join(" · ");
  if (node instanceof HTMLButtonElement && deliveryFrame !== undefined) {
    node.type = "button";
    node.addEventListener("click", () => goTo(deliveryFrame));
  }
  return node;
}

/** The delivery step of a page tile: the step where its first chunk reaches the reader. */
function deliveryOf(view: ReplayView, tile: Tile): number | undefined {
  const frames = tile.chunks
    .map((piece) => view.deliveryFrameOfPage.get(piece.chunk))
    .filter((frame): frame is number => frame !== undefined);
  return frames.length > 0 ? Math.min(...frames) : undefined;
}

/** The caption as text with its rule id as a link that opens the rule's documentation. */
function renderCaption(view: ReplayView, caption: string, rule: string | null): string[] {
  const node = byId("caption");
  const marker = rule ? `(${rule})` : null;
  const at = marker ? caption.lastIndexOf(marker) : -1;
  if (!rule || at < 0) {
    node.textContent = caption;
    return [];
  }
  const link = element("button", "rule-link", rule);
  link.type = "button";
  link.title = `Open the documentation of ${rule}`;
  link.addEventListener("click", () => vscode.postMessage({ type: "openRule", rule }));
  const words = view.ruleWords.get(rule);
  if (words?.effect) link.title = `${rule}: ${words.effect} (open its documentation)`;
  // The parentheses stay on the line of the id: a line never ends in a lone "(".
  const group = element("span", "rule-ref");
  group.append("(", link, ")");
  node.replaceChildren(caption.slice(0, at), group, caption.slice(at + marker!.length));
  return [rule];
}

function fillList(id: string, items: string[], emptyText: string): void {
  const list = byId(id);
  const children = (items.length > 0 ? items : [emptyText]).map((item) =>
    element("li", items.length > 0 ? undefined : "muted", item),
  );
  list.replaceChildren(...children);
}

function render(): void {
  byId<HTMLSelectElement>("kernel").value = state.kernel;
  byId<HTMLSelectElement>("page-size").value = String(state.pageSize);
  byId("subject").textContent = state.subjectLabel;
  byId("play").textContent = state.playing ? "⏸ Pause" : "▶ Play";
  byId("status").textContent = state.error ?? "";
  byId("stale").hidden = !state.stale;
  byId("status").classList.toggle("error", state.error !== null);
  const view = state.view;
  const hasFrames = view !== null && view.frames.length > 0;
  for (const id of ["first", "back", "play", "forward", "last", "next-copy"])
    byId<HTMLButtonElement>(id).disabled = !hasFrames;
  if (view && view.copyFrames.length === 0 && view.unsafeFrames.length === 0)
    byId<HTMLButtonElement>("next-copy").disabled = true;
  // Without a trace (loading, or an error) the empty rows and lists would only suggest a replay that is not there.
  for (const id of ["rows", "legend", "details"]) byId(id).hidden = !hasFrames;
  if (!view || !hasFrames) {
    for (const id of ["writer-tiles", "ring-tiles", "reader-tiles"]) byId(id).replaceChildren();
    byId("position").textContent = "";
    byId("caption").textContent = state.error ? "" : "Waiting for the replay…";
    report(view, []);
    return;
  }
  const frame = view.frames[state.frame];
  byId("position").textContent = `Step ${state.frame + 1} of ${view.frames.length}`;
  const captionRules = renderCaption(view, frame.caption, frame.rule);
  byId("writer-tiles").replaceChildren(
    ...frame.writer.map((tile) => tileElement(tile, frame.focusPage, deliveryOf(view, tile), "writer", view.pageSize)),
  );
  byId("ring-tiles").replaceChildren(
    ...frame.ring.map((tile, slot) => tileElement(tile, frame.focusPage, undefined, "ring", view.pageSize, slot)),
  );
  byId("reader-tiles").replaceChildren(
    ...frame.reader.map((tile) => tileElement(tile, frame.focusPage, deliveryOf(view, tile), "reader", view.pageSize)),
  );
  fillList("results", [...summaryLines(view), ...view.results, ...view.problems], "No results.");
  fillList("assumptions", view.assumptions, "None: every fact came from the source.");
  fillList("step-log", view.stepLog, "The simulator reported no steps.");
  report(view, captionRules);
}

/** The summary: the call's pages as the code lens counts them, then what happened to the chunks. */
function summaryLines(view: ReplayView): string[] {
  const counts = countOutcomes(view);
  const parts = [
    counts.unsafe ? `${counts.unsafe} moved UNSAFELY` : "",
    `${counts.moved} moved`,
    `${counts.copied} copied`,
    counts.notDelivered ? `${counts.notDelivered} not delivered` : "",
  ].filter(Boolean);
  const lines: string[] = [];
  const focus = view.focus;
  if (focus) {
    const tiles = focus.role === "writer" ? view.writerPages : view.readerPages;
    const pages = focus.pages ?? tiles;
    lines.push(
      `The ${focus.role} call at line ${focus.line}: ${pages} page${pages === 1 ? "" : "s"} of its buffer${focus.lens ? ` (code lens: ${focus.lens})` : ""}.`,
    );
  }
  lines.push(
    `${view.writerPages} writer page(s), ${view.readerPages} reader page(s), ${view.pages.length} chunk(s): ${parts.join(", ")} · ${view.kernel} · ${view.pageSize / 1024} KiB pages`,
  );
  return lines;
}

interface SavedState {
  requestId: number;
  frame: number;
}

/** The step to show for a trace: the saved one when the same replay is shown again (the panel was hidden), else the first. */
function restoredFrame(requestId: number, frameCount: number): number {
  const saved = vscode.getState() as Partial<SavedState> | undefined;
  if (
    saved &&
    saved.requestId === requestId &&
    typeof saved.frame === "number" &&
    saved.frame >= 0 &&
    saved.frame < frameCount
  )
    return saved.frame;
  return 0;
}

/** Tells the host what was drawn, so the end-to-end tests can verify the webview really rendered. */
function report(view: ReplayView | null, captionRules: string[]): void {
  if (state.requestId !== null)
    vscode.setState({ requestId: state.requestId, frame: state.frame } satisfies SavedState);
  const frame = view && view.frames.length > 0 ? view.frames[state.frame] : null;
  const counts = view ? countOutcomes(view) : { moved: 0, copied: 0, unsafe: 0 };
  const focusTiles = view?.focus && frame ? (view.focus.role === "writer" ? frame.writer : frame.reader).length : 0;
  const summary: RenderSummary = {
    kernel: state.kernel,
    pageSize: state.pageSize,
    step: state.frame,
    stepCount: view ? view.frames.length : 0,
    writerTiles: frame ? frame.writer.length : 0,
    ringSlots: frame ? frame.ring.length : 0,
    readerTiles: frame ? frame.reader.length : 0,
    copiedPages: counts.copied,
    movedPages: counts.moved,
    unsafePages: counts.unsafe,
    caption: frame ? frame.caption : "",
    captionRules,
    unsafeTiles: frame ? frame.reader.filter((tile) => tile.kind === "unsafe").length : 0,
    lensPages: view?.focus?.pages ?? null,
    focusTiles,
    stale: state.stale,
    error: state.error,
  };
  vscode.postMessage({ type: "rendered", summary });
}

function onMessage(event: MessageEvent<HostToWebview>): void {
  const message = event.data;
  if (typeof message !== "object" || message === null) return;
  switch (message.type) {
    case "loading":
      stopPlaying();
      state.kernel = message.kernel;
      state.pageSize = message.pageSize;
      state.subjectLabel = message.subject.label;
      state.error = null;
      byId("caption").textContent = "Replaying…";
      break;
    case "trace":
      stopPlaying();
      state.stale = false;
      state.kernel = message.kernel;
      state.pageSize = message.pageSize;
      state.subjectLabel = message.subject.label;
      state.error = null;
      state.view = buildReplayView(message.trace, {
        kernel: message.kernel,
        pageSize: message.pageSize,
        stepLines: message.subject.kind === "scenario",
      });
      state.frame = restoredFrame(message.requestId, state.view.frames.length);
      state.requestId = message.requestId;
      render();
      break;
    case "stale":
      if (message.requestId === state.requestId || state.requestId === null) {
        state.stale = true;
        render();
      }
      break;
    case "error":
      stopPlaying();
      if (message.subject) state.subjectLabel = message.subject.label;
      state.error = message.message;
      state.view = null;
      render();
      break;
  }
}

buildSkeleton(byId("app"));
window.addEventListener("message", onMessage);
render();
vscode.postMessage({ type: "ready" });
