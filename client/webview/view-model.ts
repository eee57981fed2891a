/**
 * The simulator webview's view-model: turns the replay trace the server returns into a sequence of frames of page tiles.
 *
 * This module is pure: no DOM, no `vscode`, no I/O. It owns the validation of the trace (it crossed a process boundary,
 * so every field is checked and anything unusable becomes an explicit "unknown" rather than a guess) and the timeline
 * the user steps through. It does not decide anything about the kernel: moved, copied, zapped and the rule ids come
 * from the simulator's trace; this module only lays them out in time and space.
 *
 * The timeline: the writer's pages are queued into the pipe ring slot by slot, in batches of the ring's capacity,
 * and the reader drains each batch, receiving each page as moved (same PFN) or copied (new PFN, with the rule that caused it).
 * That matches how a blocking writer and a reader in another process interleave on a full ring.
 */

export type TileKind = "present" | "zapped" | "queued" | "empty" | "moved" | "copied" | "not-delivered" | "pending";

export interface Tile {
  /** Index of the page of data in the call site's transfer, or null for an empty ring slot. */
  page: number | null;
  /** PFN shown on the tile; equal PFNs share a colour, so a moved page keeps its writer's colour. */
  pfn: number | null;
  kind: TileKind;
  /** Rule id that turned this page into a copy (or hazard), when there is one. */
  rule: string | null;
}

export type PageOutcomeName = "moved" | "copied" | "not-delivered" | "unknown";

export interface PageRow {
  index: number;
  outcome: PageOutcomeName;
  writerPfn: number | null;
  readerPfn: number | null;
  rule: string | null;
  /** The writer's page after the call: "zapped" (unmapped by a gift) or "intact", when the trace says. */
  writerPage: "zapped" | "intact" | null;
}

export interface Frame {
  /** One sentence describing what happened in this step. */
  caption: string;
  writer: Tile[];
  ring: Tile[];
  reader: Tile[];
  /** The page this step is about, for highlighting. */
  focusPage: number | null;
  /** Rule id labelling this step (a copy or a hazard). */
  rule: string | null;
}

export interface ReplayView {
  kernel: string;
  pageSize: number;
  site: string | null;
  assumptions: string[];
  pages: PageRow[];
  frames: Frame[];
  /** Frame indices where a page arrives as a copy, in order, for "jump to the next copy". */
  copyFrames: number[];
  /** Frame index at which each page reaches the reader (by page index). */
  deliveryFrameOfPage: Map<number, number>;
  /** One line per simulated call result ("writer returned 16384"). */
  results: string[];
  /** The simulator's own step descriptions, as text (rendered with textContent). */
  stepLog: string[];
  ringCapacity: number;
  /** What was wrong with the trace, when parts of it were unusable. */
  problems: string[];
}

const DEFAULT_RING_SLOTS = 16;
/** Keeps the page grid usable: a 1 GiB replay has 262,144 pages; the view shows the first ones and says so. */
export const MAX_PAGES_SHOWN = 256;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function asNumberOrNull(value: unknown): number | null {
  return typeof value === "number" && Number.isFinite(value) ? value : null;
}

function asString(value: unknown): string | null {
  return typeof value === "string" ? value : null;
}

function outcomeOf(value: unknown): PageOutcomeName {
  return value === "moved" || value === "copied" || value === "not-delivered" ? value : "unknown";
}

function ruleOf(entry: Record<string, unknown>): string | null {
  const single = asString(entry.rule);
  if (single) return single;
  if (Array.isArray(entry.rules)) {
    const first = entry.rules.find((item): item is string => typeof item === "string");
    return first ?? null;
  }
  return null;
}

function parsePage(value: unknown, position: number): PageRow | null {
  if (!isRecord(value)) return null;
  const writerPage = value.writerPage === "zapped" || value.writerPage === "intact" ? value.writerPage : null;
  return {
    index: asNumberOrNull(value.index) ?? position,
    outcome: outcomeOf(value.outcome),
    writerPfn: asNumberOrNull(value.writerPfn),
    readerPfn: asNumberOrNull(value.readerPfn),
    rule: ruleOf(value),
    writerPage,
  };
}

function describeOutcome(value: unknown): string | null {
  if (!isRecord(value)) return null;
  if (typeof value.returned === "number") return `returned ${value.returned}`;
  if (typeof value.errno === "string") return `failed with ${value.errno}`;
  if (value.blocked === true)
    return typeof value.progressBytes === "number" ? `blocked after ${value.progressBytes} bytes` : "blocked";
  if (typeof value.kernelBug === "string") return `kernel BUG: ${value.kernelBug}`;
  return null;
}

/**
 * A step of the simulator's own trace as one line of text, whatever its exact shape: its text, result and rule ids.
 * `withLine` prefixes the step's line: right for a `.vmsim` file the user wrote, misleading for a call-site replay,
 * whose scenario the server generated (its lines are not the C file's).
 */
export function describeStep(step: unknown, position: number, withLine = true): string {
  if (typeof step === "string") return step;
  if (!isRecord(step)) return `step ${position + 1}`;
  for (const key of ["description", "text", "label", "summary", "caption"]) {
    const text = asString(step[key]);
    if (text) {
      const outcome = describeOutcome(step.outcome);
      const rules = Array.isArray(step.rules)
        ? step.rules.filter((rule): rule is string => typeof rule === "string")
        : [];
      const prefix = withLine && typeof step.line === "number" ? `line ${step.line}: ` : "";
      return `${prefix}${text}${outcome ? ` → ${outcome}` : ""}${rules.length > 0 ? ` [${rules.join(", ")}]` : ""}${step.skipped === true ? " (not run)" : ""}`;
    }
  }
  const kind =
    asString(step.kind) ?? asString(step.type) ?? asString(step.event) ?? asString(step.op) ?? `step ${position + 1}`;
  const details = Object.entries(step)
    .filter(
      ([key, value]) =>
        !["kind", "type", "event", "op"].includes(key) &&
        (typeof value === "number" || typeof value === "string" || typeof value === "boolean"),
    )
    .map(([key, value]) => `${key}=${String(value)}`);
  return details.length > 0 ? `${kind} ${details.join(" ")}` : kind;
}

function describeResult(role: string, value: unknown): string | null {
  const outcome = describeOutcome(value);
  return outcome ? `${role} ${outcome}` : null;
}

/**
 * What the simulator's writer-side chunk records say about each frame it queued: whether the writer's page was zapped
 * and which pipe slot it went into. Pages are matched to chunks by the writer's PFN, the identity the trace gives both.
 */
function writerChunksByPfn(
  steps: unknown,
): Map<number, { writerPage: "zapped" | "intact" | null; slot: number | null }> {
  const byPfn = new Map<number, { writerPage: "zapped" | "intact" | null; slot: number | null }>();
  if (!Array.isArray(steps)) return byPfn;
  for (const step of steps) {
    if (!isRecord(step) || !Array.isArray(step.chunks)) continue;
    for (const chunk of step.chunks) {
      if (!isRecord(chunk) || chunk.side !== "writer") continue;
      const pfn = asNumberOrNull(chunk.pfn);
      if (pfn === null || byPfn.has(pfn)) continue;
      const writerPage = chunk.writerPage === "zapped" || chunk.writerPage === "intact" ? chunk.writerPage : null;
      byPfn.set(pfn, { writerPage, slot: asNumberOrNull(chunk.slot) });
    }
  }
  return byPfn;
}

function ringCapacityOf(trace: Record<string, unknown>): number {
  const candidates = [
    trace.ringSlots,
    trace.pipeSlots,
    isRecord(trace.pipe) ? trace.pipe.slots : undefined,
    isRecord(trace.pipe) ? trace.pipe.capacity : undefined,
  ];
  for (const candidate of candidates) {
    const value = asNumberOrNull(candidate);
    if (value !== null && Number.isInteger(value) && value >= 1 && value <= 4096) return value;
  }
  return DEFAULT_RING_SLOTS;
}

function siteOf(trace: Record<string, unknown>): string | null {
  const site = trace.site;
  if (typeof site === "string") return site;
  if (!isRecord(site)) return null;
  const file = asString(site.file);
  const line = asNumberOrNull(site.line);
  if (file && line !== null) return `${file}:${line}`;
  return file;
}

function pendingTile(page: number): Tile {
  return { page, pfn: null, kind: "pending", rule: null };
}

function emptySlot(): Tile {
  return { page: null, pfn: null, kind: "empty", rule: null };
}

function snapshot(
  writer: Tile[],
  ring: Tile[],
  reader: Tile[],
  caption: string,
  focusPage: number | null,
  rule: string | null,
): Frame {
  return {
    caption,
    writer: writer.map((tile) => ({ ...tile })),
    ring: ring.map((tile) => ({ ...tile })),
    reader: reader.map((tile) => ({ ...tile })),
    focusPage,
    rule,
  };
}

function pfnText(pfn: number | null): string {
  return pfn === null ? "an unknown frame" : `PFN ${pfn}`;
}

/** Builds the frames: start, then per batch of ring slots every queue step followed by every delivery step. */
function buildFrames(
  pages: PageRow[],
  ringCapacity: number,
  kernel: string,
): { frames: Frame[]; copyFrames: number[]; deliveryFrameOfPage: Map<number, number> } {
  const writer: Tile[] = pages.map((page) => ({ page: page.index, pfn: page.writerPfn, kind: "present", rule: null }));
  const reader: Tile[] = pages.map((page) => pendingTile(page.index));
  const ring: Tile[] = Array.from({ length: ringCapacity }, emptySlot);
  const frames: Frame[] = [
    snapshot(
      writer,
      ring,
      reader,
      `Before the call: the writer's ${pages.length} page(s), an empty pipe of ${ringCapacity} slots, the reader's destination (${kernel}).`,
      null,
      null,
    ),
  ];
  const copyFrames: number[] = [];
  const deliveryFrameOfPage = new Map<number, number>();

  for (let batchStart = 0; batchStart < pages.length; batchStart += ringCapacity) {
    const batch = pages.slice(batchStart, batchStart + ringCapacity);
    batch.forEach((page, offset) => {
      const position = batchStart + offset;
      ring[offset] = { page: page.index, pfn: page.writerPfn, kind: "queued", rule: null };
      const zapped = page.writerPage === "zapped";
      if (zapped) writer[position] = { ...writer[position], kind: "zapped" };
      const caption = `Page ${page.index} (${pfnText(page.writerPfn)}) queued by reference into pipe slot ${offset}${zapped ? "; the writer's mapping is zapped" : ""}.`;
      frames.push(snapshot(writer, ring, reader, caption, page.index, null));
    });
    batch.forEach((page, offset) => {
      const position = batchStart + offset;
      ring[offset] = emptySlot();
      let caption: string;
      switch (page.outcome) {
        case "moved":
          reader[position] = {
            page: page.index,
            pfn: page.readerPfn ?? page.writerPfn,
            kind: "moved",
            rule: page.rule,
          };
          caption = `Page ${page.index} moved: the reader now maps ${pfnText(page.readerPfn ?? page.writerPfn)}, the writer's own frame.`;
          break;
        case "copied":
          reader[position] = { page: page.index, pfn: page.readerPfn, kind: "copied", rule: page.rule };
          caption = `Page ${page.index} copied into ${pfnText(page.readerPfn)}${page.rule ? ` because of ${page.rule}` : ""}.`;
          break;
        case "not-delivered":
          reader[position] = { page: page.index, pfn: null, kind: "not-delivered", rule: page.rule };
          caption = `Page ${page.index} is not delivered${page.rule ? ` (${page.rule})` : ""}.`;
          break;
        default:
          reader[position] = { page: page.index, pfn: page.readerPfn, kind: "pending", rule: page.rule };
          caption = `Page ${page.index}: the trace does not say what the reader received.`;
      }
      frames.push(snapshot(writer, ring, reader, caption, page.index, page.rule));
      deliveryFrameOfPage.set(page.index, frames.length - 1);
      if (page.outcome === "copied") copyFrames.push(frames.length - 1);
    });
  }
  return { frames, copyFrames, deliveryFrameOfPage };
}

/** Validates a replay trace and lays it out as frames. Never throws: unusable parts are listed in `problems`. */
export function buildReplayView(
  trace: unknown,
  fallback: { kernel: string; pageSize: number; stepLines?: boolean },
): ReplayView {
  const problems: string[] = [];
  const record = isRecord(trace) ? trace : {};
  if (!isRecord(trace)) problems.push("The server returned no replay trace.");
  const kernel = asString(record.kernel) ?? fallback.kernel;
  const pageSize = asNumberOrNull(record.pageSize) ?? fallback.pageSize;
  const assumptions = Array.isArray(record.assumptions)
    ? record.assumptions.filter((item): item is string => typeof item === "string")
    : [];

  let pages: PageRow[] = [];
  if (Array.isArray(record.pages)) {
    pages = record.pages.map(parsePage).filter((page): page is PageRow => page !== null);
    if (pages.length < record.pages.length)
      problems.push(`${record.pages.length - pages.length} page entries were malformed and are not shown.`);
  } else if (isRecord(trace)) {
    problems.push("The trace lists no pages.");
  }
  const chunks = writerChunksByPfn(record.steps);
  pages = pages.map((page) => {
    const chunk = page.writerPfn === null ? undefined : chunks.get(page.writerPfn);
    return page.writerPage === null && chunk ? { ...page, writerPage: chunk.writerPage } : page;
  });
  if (pages.length > MAX_PAGES_SHOWN) {
    problems.push(`Showing the first ${MAX_PAGES_SHOWN} of ${pages.length} pages.`);
    pages = pages.slice(0, MAX_PAGES_SHOWN);
  }

  const results: string[] = [];
  if (isRecord(record.results)) {
    // The writer and reader results are the call site's; the per-line entries beside them belong to the replay's own
    // scenario (lines the user never wrote), so they are shown only when the trace names no writer or reader.
    const entries = Object.entries(record.results);
    const named = entries.filter(([role]) => role === "writer" || role === "reader");
    for (const [role, value] of named.length > 0 ? named : entries) {
      const line = describeResult(role, value);
      if (line) results.push(line);
    }
  }
  const stepLog = Array.isArray(record.steps)
    ? record.steps.map((step, position) => describeStep(step, position, fallback.stepLines ?? true))
    : [];
  const ringCapacity = ringCapacityOf(record);
  const { frames, copyFrames, deliveryFrameOfPage } = buildFrames(pages, ringCapacity, kernel);
  return {
    kernel,
    pageSize,
    site: siteOf(record),
    assumptions,
    pages,
    frames,
    copyFrames,
    deliveryFrameOfPage,
    results,
    stepLog,
    ringCapacity,
    problems,
  };
}

/** The first frame after `current` where a page arrives as a copy, wrapping to the first one; null when nothing is copied. */
export function nextCopyFrame(view: ReplayView, current: number): number | null {
  if (view.copyFrames.length === 0) return null;
  return view.copyFrames.find((frame) => frame > current) ?? view.copyFrames[0];
}

/** A hue in degrees for a PFN: equal PFNs get equal colours, neighbouring PFNs clearly different ones (golden-angle spacing). */
export function hueOfPfn(pfn: number): number {
  const hue = (Math.abs(Math.trunc(pfn)) * 137.508) % 360;
  return Math.round(hue * 10) / 10;
}

export function countOutcomes(view: ReplayView): {
  moved: number;
  copied: number;
  notDelivered: number;
  unknown: number;
} {
  const counts = { moved: 0, copied: 0, notDelivered: 0, unknown: 0 };
  for (const page of view.pages) {
    if (page.outcome === "moved") counts.moved += 1;
    else if (page.outcome === "copied") counts.copied += 1;
    else if (page.outcome === "not-delivered") counts.notDelivered += 1;
    else counts.unknown += 1;
  }
  return counts;
}
