/**
 * A step's chunk records kept as runs (issue 12): a 1 GiB replay hands over 262,144 pages, and keeping one record per
 * page and side held ~90 MB until the report was written. A step's records are folded into runs when the step ends
 * (same fate, the next frame at the next address, buffer id and slot one more, no rules); `step.chunks` stays the
 * per-page array every consumer reads, made from the runs when it is read, and the report walks the runs directly.
 *
 * A step's whole-page move events are kept the same way (`step.events`).
 *
 * This module owns the run predicates, the expansion of a run back into records and the attachment of runs to a step.
 * Pure: no I/O.
 */
import type { ChunkRecord, TraceEvent } from "./types";

/** `count` records starting with `first`, PFNs, buffer ids, slots and addresses each one (page) more than the last. */
export interface ChunkRun {
  first: ChunkRecord;
  count: number;
}

/** Whether `next` continues a chunk run that ends with `last`: the same fate, the next frame at the next address. */
export function continuesChunk(last: ChunkRecord, next: ChunkRecord, pageSize: number): boolean {
  const step = (left: number | null, right: number | null, by: number) =>
    left === null ? right === null : right === left + by;
  return (
    next.side === last.side &&
    next.offset === last.offset &&
    next.len === last.len &&
    next.writerPage === last.writerPage &&
    next.readerPage === last.readerPage &&
    next.rules.length === 0 &&
    last.rules.length === 0 &&
    next.pfn === last.pfn + 1 &&
    step(last.slot, next.slot, 1) &&
    step(last.bufferId, next.bufferId, 1) &&
    step(last.destinationPfn, next.destinationPfn, 1) &&
    step(last.sourceAddress, next.sourceAddress, pageSize) &&
    step(last.destinationAddress, next.destinationAddress, pageSize) &&
    (last.origin === null
      ? next.origin === null
      : next.origin !== null &&
        next.origin.process === last.origin.process &&
        next.origin.vaddr === last.origin.vaddr + pageSize)
  );
}

/**
 * A step's records folded into runs as they are made (the machine's `chunks` while a step runs): a record that
 * continues the last one only counts, so a 1 GiB replay's records die as soon as they are made.
 */
export class ChunkRuns {
  readonly runs: ChunkRun[] = [];
  private last: ChunkRecord | null = null;

  constructor(private readonly pageSize: number) {}

  push(record: ChunkRecord): void {
    if (this.last !== null && continuesChunk(this.last, record, this.pageSize)) this.runs[this.runs.length - 1].count++;
    else this.runs.push({ first: record, count: 1 });
    this.last = record;
  }
}

/** The records as runs, greedily in order (the same runs the summary JSON lists). */
export function foldChunks(records: readonly ChunkRecord[], pageSize: number): ChunkRun[] {
  const runs = new ChunkRuns(pageSize);
  for (const record of records) runs.push(record);
  return runs.runs;
}

/** Record `index` of a run: the run's first record itself, or a copy with every growing field moved on (same key order). */
export function chunkAt(run: ChunkRun, index: number, pageSize: number): ChunkRecord {
  const first = run.first;
  if (index === 0) return first;
  const plus = (value: number | null, by: number) => (value === null ? null : value + by);
  return {
    ...first,
    pfn: first.pfn + index,
    slot: plus(first.slot, index),
    sourceAddress: plus(first.sourceAddress, index * pageSize),
    destinationAddress: plus(first.destinationAddress, index * pageSize),
    origin: first.origin && { ...first.origin, vaddr: first.origin.vaddr + index * pageSize },
    bufferId: plus(first.bufferId, index),
    destinationPfn: plus(first.destinationPfn, index),
  };
}

function expand(runs: readonly ChunkRun[], pageSize: number): ChunkRecord[] {
  const records: ChunkRecord[] = [];
  for (const run of runs) for (let index = 0; index < run.count; index++) records.push(chunkAt(run, index, pageSize));
  return records;
}

const stored = new WeakMap<object, readonly ChunkRun[]>();

/**
 * Gives `holder.chunks` the records of `runs`: a plain array when no run has more than one record, else an enumerable
 * property that makes the array each time it is read (so JSON, deep equality and every reader see the same records)
 * while only the runs are kept. Assigning `holder.chunks` replaces it with a plain array again.
 */
export function attachChunks(holder: { chunks: ChunkRecord[] }, runs: readonly ChunkRun[], pageSize: number): void {
  stored.delete(holder);
  if (runs.every((run) => run.count === 1)) {
    holder.chunks = runs.map((run) => run.first);
    return;
  }
  stored.set(holder, runs);
  Object.defineProperty(holder, "chunks", {
    enumerable: true,
    configurable: true,
    get: () => expand(runs, pageSize),
    set: (value: ChunkRecord[]) => {
      stored.delete(holder);
      Object.defineProperty(holder, "chunks", { value, writable: true, enumerable: true, configurable: true });
    },
  });
}

/** The chunk runs of a step (or of a replay step made from it): the stored runs, else one run per record. */
export function chunkRunsOf(holder: { chunks: ChunkRecord[] }): readonly ChunkRun[] {
  return stored.get(holder) ?? holder.chunks.map((first) => ({ first, count: 1 }));
}

// ---------------------------------------------------------------------------------------------------------------
// Move events as runs: a 1 GiB replay's reader steps move 256 consecutive frames to consecutive pages each.
// ---------------------------------------------------------------------------------------------------------------

type MoveEvent = Extract<TraceEvent, { kind: "move" }>;

/** `count` events starting with `first`; a run of more than one is whole-page moves of consecutive frames, no rules. */
export interface EventRun {
  first: TraceEvent;
  count: number;
}

function foldsMove(event: TraceEvent, pageSize: number): event is MoveEvent {
  return event.kind === "move" && event.len >= pageSize && event.rules.length === 0;
}

/** A step's events folded into runs as they are emitted (the machine's `events` while a step runs); `length` counts events. */
export class EventRuns {
  readonly runs: EventRun[] = [];
  length = 0;
  private last: MoveEvent | null = null;

  constructor(private readonly pageSize: number) {}

  push(event: TraceEvent): void {
    const last = this.last;
    const folds = foldsMove(event, this.pageSize);
    if (
      last !== null &&
      folds &&
      event.pid === last.pid &&
      event.pfn === last.pfn + 1 &&
      event.dstVaddr === last.dstVaddr + this.pageSize &&
      event.len === last.len
    )
      this.runs[this.runs.length - 1].count++;
    else this.runs.push({ first: event, count: 1 });
    this.last = folds ? event : null;
    this.length++;
  }
}

/** The events with each run of whole-page moves (next frame to the next page, same process, no rules) as one entry. */
export function foldEvents(events: readonly TraceEvent[], pageSize: number): EventRun[] {
  const runs = new EventRuns(pageSize);
  for (const event of events) runs.push(event);
  return runs.runs;
}

/** Event `index` of a run: the first event itself, or a copy with the frame and the page moved on (same key order). */
export function eventAt(run: EventRun, index: number, pageSize: number): TraceEvent {
  const first = run.first;
  if (index === 0 || first.kind !== "move") return first;
  return { ...first, pfn: first.pfn + index, dstVaddr: first.dstVaddr + index * pageSize };
}

const storedEvents = new WeakMap<object, readonly EventRun[]>();

/** As `attachChunks`, for `holder.events`. */
export function attachEvents(holder: { events: TraceEvent[] }, runs: readonly EventRun[], pageSize: number): void {
  storedEvents.delete(holder);
  if (runs.every((run) => run.count === 1)) {
    holder.events = runs.map((run) => run.first);
    return;
  }
  storedEvents.set(holder, runs);
  Object.defineProperty(holder, "events", {
    enumerable: true,
    configurable: true,
    get: () => {
      const events: TraceEvent[] = [];
      for (const run of runs)
        for (let index = 0; index < run.count; index++) events.push(eventAt(run, index, pageSize));
      return events;
    },
    set: (value: TraceEvent[]) => {
      storedEvents.delete(holder);
      Object.defineProperty(holder, "events", { value, writable: true, enumerable: true, configurable: true });
    },
  });
}

/** The event runs of a step (or of a replay step made from it): the stored runs, else one run per event. */
export function eventRunsOf(holder: { events: TraceEvent[] }): readonly EventRun[] {
  return storedEvents.get(holder) ?? holder.events.map((first) => ({ first, count: 1 }));
}
