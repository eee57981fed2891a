/**
 * `check --shard I/N`: a run's share of the files, so that N CI jobs split one project between them.
 *
 * The files that may call vmsplice (those the byte pre-filter lets through: they name `splice` or a wrapper the
 * project index found) are dealt round-robin, in the run's sorted file order, to shards 1..N; every other file (and
 * every file skipped for its size) belongs to shard 1, so that the reports of all shards together are exactly those
 * of the unsharded run. Dealing the candidates rather than hashing names keeps the shards even when few files call.
 */
export interface Shard {
  /** 1-based. */
  index: number;
  count: number;
}

export function parseShard(text: string, usage: (message: string) => Error): Shard {
  const match = /^(\d+)\/(\d+)$/.exec(text);
  const index = match ? Number(match[1]) : NaN;
  const count = match ? Number(match[2]) : NaN;
  if (!Number.isSafeInteger(index) || !Number.isSafeInteger(count) || count < 1 || index < 1 || index > count)
    throw usage(`--shard needs I/N with 1 <= I <= N (got '${text}')`);
  return { index, count };
}

/** Deals files to shards: `candidate` for each file that may call vmsplice, `other` for the rest. */
export class ShardDealer {
  private dealt = 0;
  constructor(private readonly shard: Shard | null) {}

  /** Whether this run reports the next candidate file. */
  candidate(): boolean {
    const mine = this.shard === null || this.dealt % this.shard.count === this.shard.index - 1;
    this.dealt++;
    return mine;
  }

  /** Whether this run reports a file that cannot call vmsplice (or was skipped): shard 1 does. */
  other(): boolean {
    return this.shard === null || this.shard.index === 1;
  }
}
