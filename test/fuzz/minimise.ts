/**
 * Delta debugging (ddmin) over lines: the smallest set of lines of a failing input that still fails the same way.
 * For a neutral rewrite the original and the rewritten text are cut together: lines before and after the part the
 * rewrite changed are paired one to one, and the changed middle of each is one unit that is always kept or dropped whole.
 */

export interface Pair {
  original: string;
  /** The rewritten text, when minimising a neutral-rewrite failure. */
  rewritten?: string;
}

interface Units {
  /** Line units: [original text, rewritten text] (the rewritten part is empty for plain inputs). */
  units: [string, string][];
}

function split(pair: Pair): Units {
  const left = pair.original.split(/(?<=\n)/);
  if (pair.rewritten === undefined) return { units: left.map((line) => [line, ""]) };
  const right = pair.rewritten.split(/(?<=\n)/);
  let prefix = 0;
  while (prefix < left.length && prefix < right.length && left[prefix] === right[prefix]) prefix++;
  let suffix = 0;
  while (
    suffix < left.length - prefix &&
    suffix < right.length - prefix &&
    left[left.length - 1 - suffix] === right[right.length - 1 - suffix]
  )
    suffix++;
  const units: [string, string][] = [];
  for (let index = 0; index < prefix; index++) units.push([left[index], right[index]]);
  units.push([left.slice(prefix, left.length - suffix).join(""), right.slice(prefix, right.length - suffix).join("")]);
  for (let index = left.length - suffix; index < left.length; index++)
    units.push([left[index], right[index - left.length + right.length]]);
  return { units };
}

function join(units: [string, string][], rewritten: boolean): Pair {
  const original = units.map(([line]) => line).join("");
  return rewritten ? { original, rewritten: units.map(([, line]) => line).join("") } : { original };
}

/**
 * Classic ddmin: tries removing chunks of decreasing size while `stillFails` holds, until no single line can go.
 * `budget` bounds the number of `stillFails` calls (each is one analysis in a worker).
 */
export async function minimise(
  pair: Pair,
  stillFails: (candidate: Pair) => Promise<boolean>,
  budget = 400,
): Promise<Pair> {
  const rewritten = pair.rewritten !== undefined;
  let units = split(pair).units;
  let granularity = 2;
  let calls = 0;
  while (units.length >= 2 && calls < budget) {
    const chunk = Math.ceil(units.length / granularity);
    let reduced = false;
    for (let start = 0; start < units.length && calls < budget; start += chunk) {
      const candidate = [...units.slice(0, start), ...units.slice(start + chunk)];
      if (candidate.length === 0) continue;
      calls++;
      if (await stillFails(join(candidate, rewritten))) {
        units = candidate;
        granularity = Math.max(granularity - 1, 2);
        reduced = true;
        break;
      }
    }
    if (!reduced) {
      if (chunk <= 1) break;
      granularity = Math.min(units.length, granularity * 2);
    }
  }
  return join(units, rewritten);
}
