/**
 * The report shape shared by the kernel probes and the model twins, and the field-by-field comparison of two reports.
 *
 * A report is what one scenario produced: call outcomes by id, byte summaries of buffers by label, page observations
 * (present or not, and which frame) by label, and a few numeric facts. The kernel side comes from a C probe's JSON
 * (test/conformance/probes/probe.h documents it), the model side from replaying the probe's `.vmsim` twin
 * (twin.ts). This module is test code: it does no I/O and knows nothing about how either report was made.
 *
 * PFNs are never compared as numbers, because the model numbers its frames differently from the machine: two
 * reports agree on pages when the same labels are present and the same pairs of labels share a frame.
 */

export type CallRecord =
  { returned: number } | { errno: string } | { blocked: true; progress: number } | { kernelBug: string };

export interface MemoryRecord {
  length: number;
  /** `[byte, count]` runs in order; absent when the probe saw more than 256 runs. */
  runs?: [number, number][];
  /** 32-bit FNV-1a hash of the bytes. */
  fnv1a: number;
}

export interface PageRecord {
  present: boolean;
  /** Meaningful only when present, and only for equality with other labels of the same report. */
  pfn: number;
}

export interface ProbeReport {
  probe: string;
  /** Kernel release for a probe ("6.18.44-..."), or the model name for a twin. */
  kernel: string;
  machine?: string;
  pageSize: number;
  calls: Record<string, CallRecord>;
  memory: Record<string, MemoryRecord>;
  pages: Record<string, PageRecord>;
  facts: Record<string, number>;
}

/** Hashes bytes exactly as probe.h does (FNV-1a, 32 bits). */
export function fnv1a(bytes: Uint8Array): number {
  let hash = 2166136261;
  for (const byte of bytes) hash = Math.imul(hash ^ byte, 16777619) >>> 0;
  return hash >>> 0;
}

/** Summarises bytes exactly as probe.h does: runs (at most 256 of them, else none) plus the hash. */
export function summariseBytes(bytes: Uint8Array): MemoryRecord {
  const runs: [number, number][] = [];
  let index = 0;
  while (index < bytes.length && runs.length <= 256) {
    let end = index;
    while (end < bytes.length && bytes[end] === bytes[index]) end++;
    runs.push([bytes[index], end - index]);
    index = end;
  }
  const record: MemoryRecord = { length: bytes.length, fnv1a: fnv1a(bytes) };
  if (runs.length <= 256) record.runs = runs;
  return record;
}

/** "0x10x4096 0xeex100": runs in a form a reader can compare at a glance. */
export function describeRuns(runs: [number, number][]): string {
  const shown = runs.slice(0, 12).map(([byte, count]) => `0x${byte.toString(16).padStart(2, "0")}x${count}`);
  return runs.length > 12 ? `${shown.join(" ")} ... (${runs.length} runs)` : shown.join(" ");
}

function describeCall(record: CallRecord | undefined): string {
  if (record === undefined) return "no such call";
  if ("returned" in record) return `returned ${record.returned}`;
  if ("errno" in record) return `errno ${record.errno}`;
  if ("blocked" in record) return `blocked after ${record.progress} bytes`;
  return `kernel BUG (${record.kernelBug})`;
}

function sortedUnion(left: Record<string, unknown>, right: Record<string, unknown>): string[] {
  return [...new Set([...Object.keys(left), ...Object.keys(right)])].sort();
}

/**
 * Lists every difference between the kernel's report and the model's, one sentence per field, naming the field.
 * An empty list means the model agrees with the kernel on everything the probe observed.
 */
export function compareReports(kernel: ProbeReport, model: ProbeReport): string[] {
  const differences: string[] = [];
  if (kernel.pageSize !== model.pageSize)
    differences.push(`pageSize: kernel ${kernel.pageSize}, model ${model.pageSize}`);

  for (const id of sortedUnion(kernel.calls, model.calls)) {
    const kernelText = describeCall(kernel.calls[id]);
    const modelText = describeCall(model.calls[id]);
    if (kernelText !== modelText) differences.push(`calls.${id}: kernel ${kernelText}, model ${modelText}`);
  }

  for (const label of sortedUnion(kernel.memory, model.memory)) {
    const kernelBytes = kernel.memory[label];
    const modelBytes = model.memory[label];
    if (!kernelBytes || !modelBytes) {
      differences.push(
        `memory.${label}: ${kernelBytes ? "observed by the kernel probe only" : "observed by the model twin only"}`,
      );
    } else if (kernelBytes.length !== modelBytes.length) {
      differences.push(`memory.${label}: kernel length ${kernelBytes.length}, model length ${modelBytes.length}`);
    } else if (kernelBytes.runs && modelBytes.runs) {
      const kernelRuns = describeRuns(kernelBytes.runs);
      const modelRuns = describeRuns(modelBytes.runs);
      if (JSON.stringify(kernelBytes.runs) !== JSON.stringify(modelBytes.runs))
        differences.push(`memory.${label}: kernel ${kernelRuns}, model ${modelRuns}`);
    } else if (kernelBytes.fnv1a !== modelBytes.fnv1a) {
      differences.push(
        `memory.${label}: kernel hash ${kernelBytes.fnv1a}, model hash ${modelBytes.fnv1a} (${kernelBytes.runs ? "model" : "kernel"} bytes have more than 256 runs)`,
      );
    }
  }

  const pageLabels = sortedUnion(kernel.pages, model.pages);
  for (const label of pageLabels) {
    const kernelPage = kernel.pages[label];
    const modelPage = model.pages[label];
    if (!kernelPage || !modelPage)
      differences.push(
        `pages.${label}: ${kernelPage ? "observed by the kernel probe only" : "observed by the model twin only"}`,
      );
    else if (kernelPage.present !== modelPage.present)
      differences.push(
        `pages.${label}: kernel ${kernelPage.present ? "present" : "absent"}, model ${modelPage.present ? "present" : "absent"}`,
      );
  }
  const comparable = pageLabels.filter((label) => kernel.pages[label]?.present && model.pages[label]?.present);
  for (let first = 0; first < comparable.length; first++) {
    for (let second = first + 1; second < comparable.length; second++) {
      const a = comparable[first];
      const b = comparable[second];
      const kernelSame = kernel.pages[a].pfn === kernel.pages[b].pfn;
      const modelSame = model.pages[a].pfn === model.pages[b].pfn;
      if (kernelSame !== modelSame) {
        differences.push(
          `pages.${a} ~ pages.${b}: kernel ${kernelSame ? "same frame" : "different frames"}, model ${modelSame ? "same frame" : "different frames"}`,
        );
      }
    }
  }

  for (const label of sortedUnion(kernel.facts, model.facts)) {
    if (kernel.facts[label] !== model.facts[label])
      differences.push(
        `facts.${label}: kernel ${kernel.facts[label] ?? "none"}, model ${model.facts[label] ?? "none"}`,
      );
  }
  return differences;
}
