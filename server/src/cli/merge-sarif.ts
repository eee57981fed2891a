/**
 * `vmsplice-lens merge-sarif A.sarif B.sarif… -o OUT.sarif`: the SARIF logs of several runs (the shards of a CI
 * matrix) as one log with one run per tool and category, as GitHub code scanning requires of an upload (it rejects
 * a file with several runs of the same tool and category).
 *
 * Runs are grouped by tool driver name and `automationDetails.id` (the category); within a group the artifacts are
 * united by URI, results and tool notifications are concatenated in input order with their artifact indexes
 * rewritten, and the run's other members come from its first log. Runs that differ in their properties (another
 * kernel model or page size) are not the same analysis, and merging them is refused.
 *
 * Pure: parsed logs in, one log out.
 */

type Json = Record<string, unknown>;

export class MergeError extends Error {}

const asArray = (value: unknown): Json[] => (Array.isArray(value) ? (value as Json[]) : []);
const asObject = (value: unknown): Json => (typeof value === "object" && value !== null ? (value as Json) : {});

/** Rewrites `artifactLocation.index` (anywhere inside `value`) through `remap`. */
function reindex(value: unknown, remap: (index: number) => number): unknown {
  if (Array.isArray(value)) return value.map((item) => reindex(item, remap));
  if (typeof value !== "object" || value === null) return value;
  const copy: Json = {};
  for (const [key, item] of Object.entries(value as Json)) {
    if (key === "artifactLocation" && typeof asObject(item).index === "number") {
      copy[key] = { ...asObject(item), index: remap(asObject(item).index as number) };
    } else copy[key] = reindex(item, remap);
  }
  return copy;
}

function groupKey(run: Json): string {
  const driver = asObject(asObject(run.tool).driver);
  const category = asObject(run.automationDetails).id;
  return JSON.stringify([driver.name ?? null, typeof category === "string" ? category : null]);
}

interface Group {
  run: Json;
  artifacts: Json[];
  byUri: Map<string, number>;
  results: unknown[];
  notifications: unknown[];
  successful: boolean;
}

function addRun(group: Group, run: Json): void {
  const remap = new Map<number, number>();
  asArray(run.artifacts).forEach((artifact, index) => {
    const uri = JSON.stringify(artifact.location ?? null);
    let merged = group.byUri.get(uri);
    if (merged === undefined) {
      merged = group.artifacts.length;
      group.artifacts.push(artifact);
      group.byUri.set(uri, merged);
    }
    remap.set(index, merged);
  });
  const through = (index: number) => remap.get(index) ?? index;
  group.results.push(...asArray(run.results).map((result) => reindex(result, through)));
  for (const invocation of asArray(run.invocations)) {
    if (invocation.executionSuccessful === false) group.successful = false;
    group.notifications.push(
      ...asArray(invocation.toolExecutionNotifications).map((notification) => reindex(notification, through)),
    );
  }
}

/** One log whose runs are the input runs merged per tool and category (in order of first appearance). */
export function mergeSarif(logs: readonly unknown[]): Json {
  const groups = new Map<string, Group>();
  for (const [position, log] of logs.entries()) {
    const object = asObject(log);
    if (object.version !== "2.1.0" || !Array.isArray(object.runs))
      throw new MergeError(`input ${position + 1} is not a SARIF 2.1.0 log`);
    for (const run of asArray(object.runs)) {
      const key = groupKey(run);
      let group = groups.get(key);
      if (!group) {
        group = { run, artifacts: [], byUri: new Map(), results: [], notifications: [], successful: true };
        groups.set(key, group);
      } else if (JSON.stringify(run.properties ?? null) !== JSON.stringify(group.run.properties ?? null)) {
        throw new MergeError(
          `input ${position + 1} has a run of the same tool and category with other properties (${JSON.stringify(run.properties ?? null)}): analyses of different settings cannot be one run`,
        );
      }
      addRun(group, run);
    }
  }
  const runs = [...groups.values()].map((group) => ({
    ...group.run,
    artifacts: group.artifacts,
    invocations: [{ executionSuccessful: group.successful, toolExecutionNotifications: group.notifications }],
    results: group.results,
  }));
  const first = asObject(logs[0]);
  return { $schema: first.$schema ?? "https://json.schemastore.org/sarif-2.1.0.json", version: "2.1.0", runs };
}
