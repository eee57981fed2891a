/**
 * Every identifier-like run of a text (a maximal run of `[A-Za-z0-9_]`, in code, comments and strings alike), found in
 * one pass and bucketed by a hash of its length and a few of its characters, so that the occurrences of a name as a whole identifier are
 * answered from the occurrences of that name alone (issue 12: a large file used to be scanned once per name searched,
 * a few milliseconds per name on a sqlite3.c-sized text).
 *
 * An occurrence of a name made of identifier characters is "whole" (no identifier character touches it on either side,
 * syntax.ts `wordOccurrences`) exactly when it is a maximal run equal to the name, so the two answers are the same.
 *
 * Pure: no I/O.
 */

/** Identifier characters among ASCII (anything above U+007F separates runs, as in `wordOccurrences`). */
const IDENTIFIER = new Uint8Array(128);
for (let code = 0; code < 128; code++)
  IDENTIFIER[code] =
    (code >= 48 && code <= 57) || (code >= 65 && code <= 90) || (code >= 97 && code <= 122) || code === 95 ? 1 : 0;

const BUCKET_BITS = 16;
const BUCKET_MASK = (1 << BUCKET_BITS) - 1;

/**
 * The bucket of a run, from its length and five of its characters (first, second, middle, last but one, last): computed
 * once per run instead of per character, which keeps the pass over the text a plain scan.
 */
function bucketOf(text: string, start: number, length: number): number {
  const end = start + length - 1;
  let hash = Math.imul(length, 0x9e3779b1) ^ text.charCodeAt(start);
  hash = Math.imul(hash, 0x01000193) ^ text.charCodeAt(start + (length > 1 ? 1 : 0));
  hash = Math.imul(hash, 0x01000193) ^ text.charCodeAt(start + (length >> 1));
  hash = Math.imul(hash, 0x01000193) ^ text.charCodeAt(end - (length > 1 ? 1 : 0));
  hash = Math.imul(hash, 0x01000193) ^ text.charCodeAt(end);
  hash ^= hash >>> 15;
  return Math.imul(hash, 0x2c1b3c6d) >>> (32 - BUCKET_BITS);
}

/** Whether a name can be answered here: identifier characters, not starting with a digit (numbers are not indexed). */
export function indexable(name: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name);
}

export class IdentifierRuns {
  /** Per bucket, the last run in it (-1: none); each run links to the previous run of its bucket. */
  private readonly heads = new Int32Array(BUCKET_MASK + 1).fill(-1);
  private starts: Int32Array<ArrayBuffer>;
  private previous: Int32Array<ArrayBuffer>;

  constructor(private readonly text: string) {
    // About one run per six characters in C; the arrays grow when there are more.
    let capacity = Math.max(1024, text.length >> 2);
    this.starts = new Int32Array(capacity);
    this.previous = new Int32Array(capacity);
    let count = 0;
    const length = text.length;
    let index = 0;
    while (index < length) {
      const code = text.charCodeAt(index);
      if (code > 127 || IDENTIFIER[code] === 0) {
        index++;
        continue;
      }
      const start = index;
      for (index++; index < length; index++) {
        const next = text.charCodeAt(index);
        if (next > 127 || IDENTIFIER[next] === 0) break;
      }
      // Runs that begin with a digit are numbers (or parts of none): no name is looked up there.
      if (code <= 57) continue;
      if (count === capacity) {
        capacity *= 2;
        this.starts = grow(this.starts, capacity);
        this.previous = grow(this.previous, capacity);
      }
      const bucket = bucketOf(text, start, index - start);
      this.starts[count] = start;
      this.previous[count] = this.heads[bucket];
      this.heads[bucket] = count++;
    }
  }

  /** Offsets of the runs equal to `name` (an `indexable` name), in text order. */
  occurrences(name: string): number[] {
    const found: number[] = [];
    if (!indexable(name)) throw new Error(`not an indexable name: ${name}`);
    const text = this.text;
    for (let run = this.heads[bucketOf(name, 0, name.length)]; run >= 0; run = this.previous[run]) {
      const start = this.starts[run];
      const after = text.charCodeAt(start + name.length);
      if (text.startsWith(name, start) && !(after <= 127 && IDENTIFIER[after] === 1)) found.push(start);
    }
    return found.reverse();
  }
}

function grow(array: Int32Array<ArrayBuffer>, capacity: number): Int32Array<ArrayBuffer> {
  const larger = new Int32Array(capacity);
  larger.set(array);
  return larger;
}
