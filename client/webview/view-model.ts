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

export type TileKind =
  "present" | "zapped" | "queued" | "empty" | "moved" | "copied" | "unsafe" | "not-delivered" | "pending" | "missed";

/** One chunk of data inside a page tile: which chunk of the transfer, where in the page (bytes), and its fate. */
export interface ChunkPiece {
  chunk: number;
  /** First byte inside the page and length in bytes. */
  offset: number;
  len: number;
  kind: TileKind;
  rule: string | null;
}

export interface Tile {
  /**
   * Writer and reader rows: the index of the real page in its row; one tile per page, with the chunks inside it.
   * Pipe ring: the index of the chunk the slot holds (a pipe buffer is one chunk), or null for an empty slot.
   */
  page: number | null;
  /** PFN shown on the tile; equal PFNs share a colour, so a moved page keeps its writer's colour. */
  pfn: number | null;
  kind: TileKind;
  /** Rule id that turned this page into a copy (or hazard), when there is one. */
  rule: string | null;
  /** The chunks inside the page, with their in-page offsets. */
  chunks: ChunkPiece[];
  /** What went wrong on this page in words ("clobbers bytes 0–15 before the buffer"), for unsafe moves. */
  note: string | null;
  /** Reader pages: the page's user address, when the trace gives it. */
  address?: number | null;
}

export type PageOutcomeName = "moved" | "copied" | "unsafe" | "not-delivered" | "unknown";

/** One chunk the writer hands over (one pipe buffer): at most a page, from one writer frame. */
export interface PageRow {
  index: number;
  outcome: PageOutcomeName;
  writerPfn: number | null;
  readerPfn: number | null;
  rule: string | null;
  /** Every rule that decided the chunk's fate. */
  rules: string[];
  /** The writer's page after the call: "zapped" (unmapped by a gift) or "intact", when the trace says. */
  writerPage: "zapped" | "intact" | null;
  /** Bytes of the chunk, and where it starts inside the writer's frame; null when the trace does not say. */
  len: number | null;
  offset: number | null;
  writerAddress: number | null;
  /** The reader's user address the chunk was meant for. */
  readerAddress: number | null;
}

/** A rule as the panel shows it: the kernel's reason in words and the link to its documentation. */
export interface RuleWords {
  title: string;
  effect: string;
  unsafe: boolean;
  href: string | null;
}

export interface Frame {
  /** One sentence describing what happened in this step. */
  caption: string;
  writer: Tile[];
  ring: Tile[];
  reader: Tile[];
  /** The chunk this step is about, for highlighting. */
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
  /** Frame indices where a chunk arrives as a copy, in order, for "jump to the next copy". */
  copyFrames: number[];
  /** Frame indices where a chunk is moved unsafely. */
  unsafeFrames: number[];
  /** Frame index at which each chunk reaches the reader (by chunk index). */
  deliveryFrameOfPage: Map<number, number>;
  /** One line per simulated call result ("writer returned 16384"). */
  results: string[];
  /** The simulator's own step descriptions, as text (rendered with textContent). */
  stepLog: string[];
  ringCapacity: number;
  /** What was wrong with the trace, when parts of it were unusable. */
  problems: string[];
  /** Every rule id the trace carries, in words (empty when the server sent none). */
  ruleWords: Map<string, RuleWords>;
  /**
   * The call replayed from C: its side, line, and the code lens's page count and words; null for a `.vmsim` scenario.
   * The row of its side has one tile per page the lens counts.
   */
  focus: { role: "writer" | "reader"; line: number; pages: number | null; lens: string | null } | null;
  /** Real pages of each row (the final frame's tiles), for the summary. */
  writerPages: number;
  readerPages: number;
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
  return value === "moved" || value === "copied" || value === "unsafe" || value === "not-delivered" ? value : "unknown";
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

function rulesOf(entry: Record<string, unknown>): string[] {
  const rules = Array.isArray(entry.rules)
    ? entry.rules.filter((item): item is string => typeof item === "string")
    : [];
  const single = asString(entry.rule);
  return single && !rules.includes(single) ? [single, ...rules] : rules;
}

function asCount(value: unknown): number | null {
  const number = asNumberOrNull(value);
  return number !== null && Number.isInteger(number) && number >= 0 ? number : null;
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
    rules: rulesOf(value),
    writerPage,
    len: asCount(value.len),
    offset: asCount(value.offset),
    writerAddress: asCount(value.writerAddress),
    readerAddress: asCount(value.readerAddress),
  };
}

function parseRuleWords(value: unknown): Map<string, RuleWords> {
  const words = new Map<string, RuleWords>();
  if (!isRecord(value)) return words;
  for (const [id, entry] of Object.entries(value)) {
    if (!isRecord(entry)) continue;
    const title = asString(entry.title);
    if (!title) continue;
    const href = asString(entry.href);
    words.set(id, {
      title,
      effect: asString(entry.effect) ?? "",
      unsafe: entry.unsafe === "moves-into-wrong-place" || entry.unsafe === "crashes-kernel",
      // Only links the host can open as documentation; anything else is dropped rather than trusted.
      href: href && /^(https?|file|vscode):/.test(href) ? href : null,
    });
  }
  return words;
}

function parseFocus(value: unknown): ReplayView["focus"] {
  if (!isRecord(value)) return null;
  const line = asCount(value.line);
  if (line === null) return null;
  return {
    role: value.role === "reader" ? "reader" : "writer",
    line,
    pages: asCount(value.pages),
    lens: asString(value.lens),
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
export function describeStep(
  step: unknown,
  position: number,
  withLine = true,
  labels: Record<string, unknown> | null = null,
): string {
  if (typeof step === "string") return step;
  if (!isRecord(step)) return `step ${position + 1}`;
  // A call-site replay labels its steps in the C program's words; the generated scenario's text stays out of sight.
  const label = labels && typeof step.line === "number" ? asString(labels[String(step.line)]) : null;
  for (const key of ["description", "text", "label", "summary", "caption"]) {
    const text = label ?? asString(step[key]);
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

function emptySlot(): Tile {
  return { page: null, pfn: null, kind: "empty", rule: null, chunks: [], note: null };
}

function copyTile(tile: Tile): Tile {
  return { ...tile, chunks: tile.chunks.map((piece) => ({ ...piece })) };
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
    writer: writer.map(copyTile),
    ring: ring.map(copyTile),
    reader: reader.map(copyTile),
    focusPage,
    rule,
  };
}

function pfnText(pfn: number | null): string {
  return pfn === null ? "an unknown frame" : `PFN ${pfn}`;
}

/** "bytes 16–4095" of a piece of a page. */
export function byteRange(offset: number, len: number): string {
  return len <= 1 ? `byte ${offset}` : `bytes ${offset}–${offset + len - 1}`;
}

function plural(count: number, word: string): string {
  return `${count} ${word}${count === 1 ? "" : "s"}`;
}

/** The kernel's reason for a rule in words, with its id: "Source address is not page-aligned (VMS-ALIGN-SRC)". */
export function ruleReason(rule: string | null, words: Map<string, RuleWords>): string {
  if (!rule) return "";
  const entry = words.get(rule);
  return entry ? `${entry.title} (${rule})` : rule;
}

/** A chunk whose move lands in the wrong place: the trace says moved, but one of its rules makes the page unsafe. */
function isUnsafe(page: PageRow, words: Map<string, RuleWords>): boolean {
  if (page.outcome === "unsafe") return true;
  return page.outcome === "moved" && page.rules.some((rule) => words.get(rule)?.unsafe === true);
}

function unsafeRule(page: PageRow, words: Map<string, RuleWords>): string | null {
  return page.rules.find((rule) => words.get(rule)?.unsafe === true) ?? page.rule;
}

interface Layout {
  /** Writer pages: one per frame the chunks come from. */
  writer: Tile[];
  writerOf: number[];
  /** Reader pages: one per destination page the chunks were meant for (or land on). */
  reader: Tile[];
  /** Per chunk: the reader pages and pieces it fills, and the landing page of an unsafe move. */
  readerPieces: { tile: number; piece: number }[][];
}

/**
 * One tile per real page on each side, with the chunks inside it at their in-page offsets. Writer pages are the frames
 * the chunks come from (by PFN); reader pages are the pages of the reader's buffer the chunks were meant for, by
 * address, so a reader page that two chunks fill is one tile. Without addresses (a trace of an older shape), a chunk is
 * its own page.
 */
function layOut(pages: PageRow[], pageSize: number, words: Map<string, RuleWords>): Layout {
  const writer: Tile[] = [];
  const writerOf: number[] = [];
  const writerByPfn = new Map<number, number>();
  for (const page of pages) {
    let tile = page.writerPfn === null ? undefined : writerByPfn.get(page.writerPfn);
    if (tile === undefined) {
      tile = writer.length;
      writer.push({ page: tile, pfn: page.writerPfn, kind: "present", rule: null, chunks: [], note: null });
      if (page.writerPfn !== null) writerByPfn.set(page.writerPfn, tile);
    }
    const offset = page.offset ?? (page.writerAddress !== null ? page.writerAddress % pageSize : 0);
    writer[tile].chunks.push({ chunk: page.index, offset, len: page.len ?? pageSize, kind: "present", rule: null });
    writerOf.push(tile);
  }

  const reader: Tile[] = [];
  const readerByKey = new Map<string, number>();
  const readerPieces: { tile: number; piece: number }[][] = [];
  const tileFor = (key: string, address: number | null): number => {
    let tile = readerByKey.get(key);
    if (tile === undefined) {
      tile = reader.length;
      reader.push({ page: tile, pfn: null, kind: "pending", rule: null, chunks: [], note: null, address });
      readerByKey.set(key, tile);
    }
    return tile;
  };
  pages.forEach((page, position) => {
    const pieces: { tile: number; piece: number }[] = [];
    const len = page.len ?? pageSize;
    if (page.readerAddress === null) {
      const tile = tileFor(`chunk:${position}`, null);
      reader[tile].chunks.push({ chunk: page.index, offset: 0, len, kind: "pending", rule: null });
      pieces.push({ tile, piece: reader[tile].chunks.length - 1 });
    } else {
      // The bytes the reader's iovec asked for, split at page boundaries.
      let address = page.readerAddress;
      const end = page.readerAddress + len;
      while (address < end) {
        const base = address - (address % pageSize);
        const pieceEnd = Math.min(end, base + pageSize);
        const tile = tileFor(`page:${base}`, base);
        reader[tile].chunks.push({
          chunk: page.index,
          offset: address - base,
          len: pieceEnd - address,
          kind: "pending",
          rule: null,
        });
        pieces.push({ tile, piece: reader[tile].chunks.length - 1 });
        address = pieceEnd;
      }
      if (isUnsafe(page, words)) {
        // The RFC maps the whole frame at the page boundary below the destination: that page is where it lands.
        const base = page.readerAddress - (page.readerAddress % pageSize);
        tileFor(`page:${base}`, base);
      }
    }
    readerPieces.push(pieces);
  });
  // Reader pages in address order, as the reader's buffer lies in memory.
  const order = reader
    .map((_, tile) => tile)
    .sort((a, b) => (reader[a].address ?? Infinity) - (reader[b].address ?? Infinity) || a - b);
  const renumber = new Map(order.map((tile, position) => [tile, position]));
  const sorted = order.map((tile, position) => ({ ...reader[tile], page: position }));
  for (const pieces of readerPieces) for (const piece of pieces) piece.tile = renumber.get(piece.tile)!;
  return { writer, writerOf, reader: sorted, readerPieces };
}

/** The aggregate state of a page from its chunks: an unsafe chunk marks the page, then copies, then moves. */
function pageKind(tile: Tile): TileKind {
  const kinds = new Set(tile.chunks.map((piece) => piece.kind));
  for (const kind of ["unsafe", "copied", "moved", "not-delivered", "missed"] as const)
    if (kinds.has(kind)) return kind === "missed" && kinds.size > 1 ? "pending" : kind;
  return "pending";
}

/** What an unsafe move does to the reader's page, in words: where the frame lands and which bytes it clobbers. */
function unsafeNote(page: PageRow, pageSize: number): string {
  if (page.readerAddress === null) return "the frame is moved into the wrong place";
  const shift = page.readerAddress % pageSize;
  const len = page.len ?? pageSize;
  const parts: string[] = [];
  if (shift > 0) parts.push(`clobbers ${byteRange(0, shift)} before the buffer`);
  if (shift + len < pageSize) parts.push(`clobbers ${byteRange(shift + len, pageSize - shift - len)} after it`);
  if (shift > 0) parts.push(`the data lands ${plural(shift, "byte")} early`);
  return parts.length > 0 ? parts.join("; ") : "the frame is moved into a mapping it must not be in";
}

/** Builds the frames: start, then per batch of ring slots every queue step followed by every delivery step. */
function buildFrames(
  pages: PageRow[],
  ringCapacity: number,
  kernel: string,
  pageSize: number,
  words: Map<string, RuleWords>,
): {
  frames: Frame[];
  copyFrames: number[];
  unsafeFrames: number[];
  deliveryFrameOfPage: Map<number, number>;
  writerPages: number;
  readerPages: number;
} {
  const layout = layOut(pages, pageSize, words);
  const writer = layout.writer;
  const reader = layout.reader;
  const ring: Tile[] = Array.from({ length: ringCapacity }, emptySlot);
  const frames: Frame[] = [
    snapshot(
      writer,
      ring,
      reader,
      `Before the call: the writer's ${plural(writer.length, "page")} (${plural(pages.length, "chunk")}), an empty pipe of ${ringCapacity} slots, the reader's ${plural(reader.length, "page")} (${kernel}).`,
      null,
      null,
    ),
  ];
  const copyFrames: number[] = [];
  const unsafeFrames: number[] = [];
  const deliveryFrameOfPage = new Map<number, number>();

  for (let batchStart = 0; batchStart < pages.length; batchStart += ringCapacity) {
    const batch = pages.slice(batchStart, batchStart + ringCapacity);
    batch.forEach((page, offset) => {
      const position = batchStart + offset;
      const writerTile = writer[layout.writerOf[position]];
      const piece = writerTile.chunks.find((item) => item.chunk === page.index)!;
      ring[offset] = {
        page: page.index,
        pfn: page.writerPfn,
        kind: "queued",
        rule: null,
        chunks: [{ ...piece, kind: "queued" }],
        note: null,
      };
      const zapped = page.writerPage === "zapped";
      piece.kind = zapped ? "zapped" : "queued";
      if (zapped) writerTile.kind = "zapped";
      const caption = `Chunk ${page.index}, ${byteRange(piece.offset, piece.len)} of writer page ${writerTile.page} (${pfnText(page.writerPfn)}), queued by reference into pipe slot ${offset}${zapped ? "; the writer's mapping is zapped" : ""}.`;
      frames.push(snapshot(writer, ring, reader, caption, page.index, null));
    });
    batch.forEach((page, offset) => {
      const position = batchStart + offset;
      ring[offset] = emptySlot();
      const pieces = layout.readerPieces[position];
      const unsafe = isUnsafe(page, words);
      const rule = unsafe ? unsafeRule(page, words) : page.rule;
      const why = rule ? ` Why: ${ruleReason(rule, words)}.` : "";
      const first = pieces[0] ? reader[pieces[0].tile] : null;
      const where = first
        ? pieces.length > 1
          ? `reader pages ${first.page}–${reader[pieces[pieces.length - 1].tile].page}`
          : `reader page ${first.page}`
        : "the reader";
      let caption: string;
      const setPieces = (kind: TileKind, pfn: number | null) => {
        pieces.forEach(({ tile, piece }, index) => {
          reader[tile].chunks[piece] = { ...reader[tile].chunks[piece], kind, rule };
          if (index === 0 && pfn !== null) reader[tile].pfn = pfn;
          reader[tile].kind = pageKind(reader[tile]);
          reader[tile].rule = reader[tile].rule ?? rule;
        });
      };
      if (unsafe) {
        // The frame replaces the page at the boundary below the destination; the bytes the iovec asked for beyond that
        // page are never written.
        const base = page.readerAddress === null ? null : page.readerAddress - (page.readerAddress % pageSize);
        const landing = base === null ? first : (reader.find((tile) => tile.address === base) ?? first);
        const landingIndex = landing ? reader.indexOf(landing) : -1;
        pieces.forEach(({ tile, piece }) => {
          const missed = tile !== landingIndex;
          const entry = {
            ...reader[tile].chunks[piece],
            kind: missed ? ("missed" as const) : ("unsafe" as const),
            rule,
          };
          reader[tile].chunks[piece] = entry;
          if (missed)
            reader[tile].note ??= `${byteRange(entry.offset, entry.len)} were meant for this page and never arrive`;
        });
        if (landing) {
          if (!landing.chunks.some((item) => item.chunk === page.index))
            landing.chunks.push({ chunk: page.index, offset: 0, len: pageSize, kind: "unsafe", rule });
          landing.pfn = page.readerPfn ?? page.writerPfn;
          landing.note = unsafeNote(page, pageSize);
          landing.rule = rule;
        }
        for (const { tile } of pieces) reader[tile].kind = pageKind(reader[tile]);
        if (landing) landing.kind = "unsafe";
        const words_ = landing?.note ? `; it ${landing.note}` : "";
        caption = `Chunk ${page.index} is moved UNSAFELY: ${pfnText(page.readerPfn ?? page.writerPfn)} replaces reader page ${landing?.page ?? "?"} at the page boundary below the destination${words_}. The call still reports success.${why}`;
      } else {
        switch (page.outcome) {
          case "moved":
            setPieces("moved", page.readerPfn ?? page.writerPfn);
            caption = `Chunk ${page.index} moved: ${where} now maps ${pfnText(page.readerPfn ?? page.writerPfn)}, the writer's own frame.`;
            break;
          case "copied": {
            setPieces("copied", page.readerPfn);
            const into = first
              ? ` into ${where} (${pfnText(page.readerPfn)}), starting at byte ${first.chunks[pieces[0].piece].offset}`
              : "";
            caption = `Chunk ${page.index} copied${into}.${why}`;
            break;
          }
          case "not-delivered":
            setPieces("not-delivered", null);
            caption = `Chunk ${page.index} is not delivered.${why}`;
            break;
          default:
            setPieces("pending", page.readerPfn);
            caption = `Chunk ${page.index}: the trace does not say what the reader received.`;
        }
      }
      frames.push(snapshot(writer, ring, reader, caption, page.index, rule));
      deliveryFrameOfPage.set(page.index, frames.length - 1);
      if (page.outcome === "copied") copyFrames.push(frames.length - 1);
      if (unsafe) unsafeFrames.push(frames.length - 1);
    });
  }
  return {
    frames,
    copyFrames,
    unsafeFrames,
    deliveryFrameOfPage,
    writerPages: writer.length,
    readerPages: reader.length,
  };
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
  const traced = asNumberOrNull(record.pageSize);
  const pageSize = traced !== null && Number.isInteger(traced) && traced >= 512 ? traced : fallback.pageSize;
  const assumptions = Array.isArray(record.assumptions)
    ? record.assumptions.filter((item): item is string => typeof item === "string")
    : [];
  const ruleWords = parseRuleWords(record.ruleWords);

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
    const withZap = page.writerPage === null && chunk ? { ...page, writerPage: chunk.writerPage } : page;
    return isUnsafe(withZap, ruleWords) ? { ...withZap, outcome: "unsafe" as const } : withZap;
  });
  if (pages.length > MAX_PAGES_SHOWN) {
    problems.push(`Showing the first ${MAX_PAGES_SHOWN} of ${pages.length} chunks.`);
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
  const labels = isRecord(record.stepLabels) ? record.stepLabels : null;
  const stepLog = Array.isArray(record.steps)
    ? record.steps.map((step, position) => describeStep(step, position, fallback.stepLines ?? true, labels))
    : [];
  const ringCapacity = ringCapacityOf(record);
  const built = buildFrames(pages, ringCapacity, kernel, pageSize, ruleWords);
  return {
    kernel,
    pageSize,
    site: siteOf(record),
    assumptions,
    pages,
    frames: built.frames,
    copyFrames: built.copyFrames,
    unsafeFrames: built.unsafeFrames,
    deliveryFrameOfPage: built.deliveryFrameOfPage,
    results,
    stepLog,
    ringCapacity,
    problems,
    ruleWords,
    focus: parseFocus(record.focus),
    writerPages: built.writerPages,
    readerPages: built.readerPages,
  };
}

/** The first frame after `current` where a page arrives as a copy, wrapping to the first one; null when nothing is copied. */
export function nextCopyFrame(view: ReplayView, current: number): number | null {
  if (view.copyFrames.length === 0) return null;
  return view.copyFrames.find((frame) => frame > current) ?? view.copyFrames[0];
}

/** The next step where a chunk is copied or moved unsafely (the steps worth a look), wrapping; null when there is none. */
export function nextProblemFrame(view: ReplayView, current: number): number | null {
  const frames = [...new Set([...view.copyFrames, ...view.unsafeFrames])].sort((a, b) => a - b);
  if (frames.length === 0) return null;
  return frames.find((frame) => frame > current) ?? frames[0];
}

/** A hue in degrees for a PFN: equal PFNs get equal colours, neighbouring PFNs clearly different ones (golden-angle spacing). */
export function hueOfPfn(pfn: number): number {
  const hue = (Math.abs(Math.trunc(pfn)) * 137.508) % 360;
  return Math.round(hue * 10) / 10;
}

export function countOutcomes(view: ReplayView): {
  moved: number;
  copied: number;
  unsafe: number;
  notDelivered: number;
  unknown: number;
} {
  const counts = { moved: 0, copied: 0, unsafe: 0, notDelivered: 0, unknown: 0 };
  for (const page of view.pages) {
    if (page.outcome === "moved") counts.moved += 1;
    else if (page.outcome === "unsafe") counts.unsafe += 1;
    else if (page.outcome === "copied") counts.copied += 1;
    else if (page.outcome === "not-delivered") counts.notDelivered += 1;
    else counts.unknown += 1;
  }
  return counts;
}
