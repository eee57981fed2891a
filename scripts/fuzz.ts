/**
 * `npm run fuzz`: the fuzzer of the analyzer (engine issue, point 11). Mutated inputs must not crash or hang the
 * analyzer nor give a move with a missing fact; verdict-neutral rewrites must not change any verdict or rule id.
 * Exit code 1 when any input fails; the failing inputs are saved under .cache/fuzz/ (minimised where possible).
 *
 *   npm run fuzz -- --count 100000 --seed 7      arguments after `--` reach the script as they are
 *   npm run fuzz --count=100000 --seed=7         npm turns these into npm_config_count / npm_config_seed
 *   npm run fuzz --count 100000                  npm sets npm_config_count=true and passes 100000 alone: taken as the value
 *                                                (one option only: npm does not keep the order of several)
 *
 * Options: --count N (1000) --seed S (1) --jobs J worker threads (1) --timeout MS per analysis step (5000)
 *          --rewrites F share of neutral rewrites (0.4) --only I[,I...] replay iterations --minimise K classes (20)
 *          --out DIR (.cache/fuzz) --no-out --quiet (npm keeps --quiet for itself: put it after --)
 *          --findings: replay the reproducers of the known failure classes (test/fuzz/known-failures.ts) instead
 * The library is test/fuzz/ (campaign.ts); the seeded smoke run of `npm test` is test/unit/fuzz-smoke.test.ts.
 */
import path from "node:path";
import { describeClass, replayFindings, ROOT, runCampaign, type CampaignOptions } from "../test/fuzz/campaign";
import { knownClassOf } from "../test/fuzz/known-failures";

const VALUED = ["count", "seed", "jobs", "timeout", "rewrites", "only", "minimise", "out"] as const;
type Valued = (typeof VALUED)[number];
const FLAGS = ["no-out", "quiet", "findings"] as const;

function usage(message: string): never {
  process.stderr.write(
    `fuzz: ${message}\nusage: npm run fuzz -- [--count N] [--seed S] [--jobs J] [--timeout MS] [--rewrites F] [--only I,J] [--minimise K] [--out DIR | --no-out] [--quiet] [--findings]\n`,
  );
  process.exit(2);
}

/**
 * Options from the arguments, then from npm_config_* for the ones npm took for its own configuration:
 * `npm run fuzz --count=5` sets npm_config_count=5; `npm run fuzz --count 5` sets npm_config_count=true and passes 5 as a
 * bare argument, which is taken as the value when only one option was passed that way (npm does not keep the order).
 */
export function parseOptions(argv: string[], env: NodeJS.ProcessEnv): Map<string, string> {
  const values = new Map<string, string>();
  const bare: string[] = [];
  for (let index = 0; index < argv.length; index++) {
    const word = argv[index];
    if (!word.startsWith("--")) {
      bare.push(word);
      continue;
    }
    const [name, inline] = word.slice(2).split(/=(.*)/s, 2);
    if ((FLAGS as readonly string[]).includes(name)) values.set(name, "true");
    else if ((VALUED as readonly string[]).includes(name)) {
      const value = inline ?? argv[++index];
      if (value === undefined) usage(`--${name} needs a value`);
      values.set(name, value);
    } else usage(`unknown option --${name}`);
  }
  // npm writes `--name` as "true" and `--no-name` as "" or "false"; `--no-out` is the only negation that means something.
  const swallowed: Valued[] = [];
  for (const name of VALUED) {
    const value = env[`npm_config_${name}`];
    if (value === undefined || values.has(name)) continue;
    if (value === "true") swallowed.push(name);
    else if (value === "" || value === "false") {
      if (name === "out") values.set("no-out", "true");
    } else values.set(name, value);
  }
  for (const name of FLAGS) if (env[`npm_config_${name.replace("-", "_")}`] === "true") values.set(name, "true");
  if (swallowed.length > 0) {
    if (swallowed.length > 1 || bare.length !== 1)
      usage(
        `npm does not say which value belongs to ${swallowed.map((name) => `--${name}`).join(", ")}: write --name=value, or put the options after --`,
      );
    values.set(swallowed[0], bare.pop()!);
  }
  if (bare.length > 0) usage(`unexpected argument ${bare[0]}`);
  return values;
}

function integer(values: Map<string, string>, name: string, fallback: number, minimum = 0): number {
  const text = values.get(name);
  if (text === undefined) return fallback;
  const value = Number(text);
  if (!Number.isInteger(value) || value < minimum) usage(`--${name} must be an integer ≥ ${minimum}, not ${text}`);
  return value;
}

/** `--findings`: each known class's reproducers, and whether they still fail (exit 1 when one no longer does). */
async function findings(timeoutMs: number): Promise<void> {
  let fixed = 0;
  for (const result of await replayFindings(timeoutMs)) {
    const state = result.stillFails
      ? "still fails"
      : "NO LONGER FAILS: remove the class from test/fuzz/known-failures.ts";
    if (!result.stillFails) fixed++;
    process.stdout.write(`${result.known.id}: ${result.reproducer.file}: ${state}\n`);
    for (const failure of result.failures) process.stdout.write(`  ${failure.key}\n`);
  }
  process.exitCode = fixed > 0 ? 1 : 0;
}

async function main(): Promise<void> {
  const values = parseOptions(process.argv.slice(2), process.env);
  if (values.has("findings")) return findings(integer(values, "timeout", 5_000, 1));
  const rewriteShare = Number(values.get("rewrites") ?? 0.4);
  if (!(rewriteShare >= 0 && rewriteShare <= 1)) usage("--rewrites must be between 0 and 1");
  const quiet = values.has("quiet");
  const only = values
    .get("only")
    ?.split(",")
    .map((item) => {
      const value = Number(item);
      if (!Number.isInteger(value) || value < 0) usage(`--only takes iteration numbers, not ${item}`);
      return value;
    });
  const options: Partial<CampaignOptions> = {
    count: integer(values, "count", 1000, 1),
    seed: integer(values, "seed", 1),
    jobs: integer(values, "jobs", 1, 1),
    timeoutMs: integer(values, "timeout", 5_000, 1),
    rewriteShare,
    only,
    minimiseClasses: integer(values, "minimise", 20),
    saveDir: values.has("no-out") ? null : path.resolve(ROOT, values.get("out") ?? ".cache/fuzz"),
    log: quiet ? null : (line) => process.stderr.write(`${line}\n`),
  };
  const report = await runCampaign(options);
  if (report.classes.length > 0) {
    process.stdout.write(`${report.classes.length} distinct failure classes:\n`);
    for (const failureClass of report.classes) {
      const known = knownClassOf(failureClass.first);
      process.stdout.write(`${describeClass(failureClass, options.seed!)}\n`);
      process.stdout.write(
        `  ${known ? `known class ${known.id} (test/fuzz/known-failures.ts)` : "NEW: not a known class"}\n`,
      );
    }
  }
  process.stdout.write(`${report.summary}\n`);
  const inputsPerSecond = report.inputs / Math.max(report.seconds, 0.001);
  if (!quiet) {
    const made = Object.entries(report.made)
      .sort(([left], [right]) => left.localeCompare(right))
      .map(([tag, count]) => `${tag} ${count}`)
      .join(", ");
    process.stderr.write(
      `inputs made by: ${made}\n${inputsPerSecond.toFixed(1)} inputs/s with ${options.jobs} worker(s)\n`,
    );
  }
  process.exitCode = report.classes.length > 0 ? 1 : 0;
}

if (require.main === module) void main();
