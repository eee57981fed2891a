/**
 * A vmsplice line's iovecs kept as runs (issue 12): `iov1(p,256)` on the 1,024 lines of a 1 GiB scenario is 262,144
 * iovecs, and three objects for each (iovec, address, offset) lived through the whole run (most of the parse and a
 * large part of the garbage-collection time). A run is one iovec and a count: iovec `k` of an `iov1` run is the first
 * one's base moved on by `k` pages with the same one-page length. `command.iovecs` stays the array every consumer reads,
 * made from the runs when it is read (as `step.chunks` is, chunk-runs.ts); the runner reads the runs directly.
 *
 * Pure: no I/O.
 */
import type { Iovec } from "./types";

/** `count` iovecs from `first`, each based one page after the one before (count 1: the iovec itself). */
export interface IovecRun {
  first: Iovec;
  count: number;
}

/** Iovec `index` of a run: the first itself, or a new iovec whose base is `index` pages further (same key order). */
export function iovecAt(run: IovecRun, index: number): Iovec {
  const first = run.first;
  if (index === 0 || first.base === null) return first;
  const { mapping, negative } = first.base;
  const { bytes, pages } = first.base.offset;
  return { base: { mapping, offset: { bytes, pages: pages + index }, negative }, length: first.length };
}

function expand(runs: readonly IovecRun[]): Iovec[] {
  const list: Iovec[] = [];
  for (const run of runs) for (let index = 0; index < run.count; index++) list.push(iovecAt(run, index));
  return list;
}

const stored = new WeakMap<object, readonly IovecRun[]>();

/**
 * Gives `holder.iovecs` the iovecs of `runs`: a plain array when no run has more than one iovec, else an enumerable
 * property that makes the array each time it is read (JSON, deep equality and every reader see the same iovecs) while
 * only the runs are kept. Assigning `holder.iovecs` replaces it with a plain value again.
 */
export function attachIovecs(holder: { iovecs: Iovec[] | null }, runs: readonly IovecRun[]): void {
  stored.delete(holder);
  if (runs.every((run) => run.count === 1)) {
    holder.iovecs = runs.map((run) => run.first);
    return;
  }
  stored.set(holder, runs);
  Object.defineProperty(holder, "iovecs", {
    enumerable: true,
    configurable: true,
    get: () => expand(runs),
    set: (value: Iovec[] | null) => {
      stored.delete(holder);
      Object.defineProperty(holder, "iovecs", { value, writable: true, enumerable: true, configurable: true });
    },
  });
}

/** The iovec runs of a command: the stored runs, else one run per iovec (null for a NULL iovec pointer). */
export function iovecRunsOf(holder: { iovecs: Iovec[] | null }): readonly IovecRun[] | null {
  const runs = stored.get(holder);
  if (runs) return runs;
  return holder.iovecs === null ? null : holder.iovecs.map((first) => ({ first, count: 1 }));
}
