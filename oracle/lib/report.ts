/**
 * Renders the oracle's verdict and the markdown report (docs/oracle-report.md) from one oracle run.
 *
 * This module owns the verdict rules (what makes `npm run oracle:rfc` fail) and the report's layout. It is pure (no
 * I/O): the harness passes the run in and writes the text out.
 */
import type { ScenarioComparison, StepFacts } from "./compare";
import { EXCLUDED_GOLDENS, type KnownDifference } from "./selection";
import type { GuestRun } from "./serial";

export interface ControlSummary {
  scenarios: number;
  calls: number;
  /** Call steps where the unpatched kernel zapped or moved a page (it must not). */
  violations: string[];
}

export interface HazardResult {
  name: string;
  /** The kernel line text the probe expects (its `# expect-kernel:` line). */
  expected: string;
  reproduced: boolean;
  fatal: string[];
  /** Console lines around the expected line. */
  excerpt: string[];
  seconds: number;
}

export interface KnownDifferenceResult {
  known: KnownDifference;
  comparison: ScenarioComparison;
  /** Differences of a kind not listed as expected (these fail the run). */
  unexpected: ScenarioComparison["differences"];
  /** Expected kinds of difference that did not appear (the kernel now agrees: fails the run so the list is revisited). */
  missing: string[];
  fatal: string[];
  seconds: number;
  timedOut: boolean;
}

export interface OracleRun {
  startedAt: string;
  installedPackages: string[];
  /** Seconds per phase that ran (cached phases are absent). */
  times: Record<string, number>;
  rfc: { guest: GuestRun; timedOut: boolean };
  control: {
    guest: GuestRun;
    timedOut: boolean;
    summary: ControlSummary | null;
    comparisons: ScenarioComparison[];
  } | null;
  scenarios: { id: string; title: string; file: string; unsupported: string[] }[];
  comparisons: ScenarioComparison[];
  hazards: HazardResult[];
  /** Calls after which the caller had fewer AnonHugePages (a transparent huge page split or unmapped by the call). */
  thpDrops: string[];
  knownDifferences: KnownDifferenceResult[];
}

export interface Verdict {
  ok: boolean;
  reasons: string[];
}

function facts(step: StepFacts | null): string {
  if (!step) return "—";
  const parts = [step.outcome];
  if (step.signal) parts.push(step.signal);
  if (step.zapped.length) parts.push(`zapped ${step.zapped.join(" ")}`);
  if (step.moved.length) parts.push(`moved ${step.moved.join(" ")}`);
  if (step.thpSplit) parts.push("THP split");
  return parts.join("; ");
}

function seconds(value: number | undefined): string {
  return value === undefined ? "cached" : `${value.toFixed(1)} s`;
}

function cell(text: string): string {
  return text.replace(/\|/g, "\\|");
}

export function verdictOf(run: OracleRun): Verdict {
  const reasons: string[] = [];
  const guestProblems = (name: string, guest: GuestRun, timedOut: boolean): void => {
    if (!guest.booted) reasons.push(`${name}: the guest did not reach /init`);
    if (timedOut) reasons.push(`${name}: QEMU timed out`);
    if (!guest.done) reasons.push(`${name}: the guest program did not finish`);
    if (guest.exitStatus !== null && guest.exitStatus !== 0)
      reasons.push(`${name}: the guest program exited with status ${guest.exitStatus}`);
    for (const line of guest.fatal) reasons.push(`${name}: kernel: ${line.text}`);
    for (const line of guest.malformed) reasons.push(`${name}: unreadable guest line: ${line.slice(0, 120)}`);
  };
  guestProblems("rfc kernel", run.rfc.guest, run.rfc.timedOut);
  const runnable = run.scenarios.filter((scenario) => scenario.unsupported.length === 0);
  for (const scenario of runnable) {
    if (!run.comparisons.some((comparison) => comparison.id === scenario.id))
      reasons.push(`${scenario.id}: no kernel result`);
  }
  for (const comparison of run.comparisons) {
    for (const difference of comparison.differences) {
      reasons.push(
        `${difference.scenario}${difference.line ? ` line ${difference.line}` : ""}: ${difference.what}: kernel ${difference.kernel}, model ${difference.model}`,
      );
    }
  }
  for (const item of run.knownDifferences) {
    const id = item.known.id;
    if (item.timedOut) reasons.push(`${id} (known difference): QEMU timed out`);
    for (const line of item.fatal) reasons.push(`${id} (known difference): kernel: ${line}`);
    for (const difference of item.unexpected)
      reasons.push(
        `${id} (known difference) ${difference.line ? `line ${difference.line}` : ""}: unexpected ${difference.what}: kernel ${difference.kernel}, model ${difference.model}`,
      );
    for (const what of item.missing)
      reasons.push(
        `${id} (known difference): the expected ${what} difference did not appear; update oracle/lib/selection.ts`,
      );
  }
  if (run.control) {
    guestProblems("control kernel", run.control.guest, run.control.timedOut);
    for (const violation of run.control.summary?.violations ?? []) reasons.push(`control kernel: ${violation}`);
  }
  return { ok: reasons.length === 0, reasons };
}

export function renderReport(run: OracleRun): { markdown: string; verdict: Verdict; summary: string[] } {
  const verdict = verdictOf(run);
  const compared = run.comparisons.length;
  const agreeing = run.comparisons.filter((comparison) => comparison.differences.length === 0).length;
  const checks = run.comparisons.reduce((sum, comparison) => sum + comparison.checks, 0);
  const summary = [
    `kernel: ${run.rfc.guest.kernelVersion ?? "unknown"}`,
    `${agreeing}/${compared} scenarios agree with the rfc-v2 model (${checks} facts compared)`,
    run.control
      ? `control: ${run.control.summary?.calls ?? 0} calls in ${run.control.summary?.scenarios ?? 0} scenarios, ${run.control.summary?.violations.length ?? 0} zapped or moved a page`
      : "control: not run",
    `rss-counter lines (VMS-RFC-RSS): ${run.rfc.guest.rssCounter.length}`,
    verdict.ok ? "PASS" : `FAIL (${verdict.reasons.length} problems)`,
    ...verdict.reasons.slice(0, 30).map((reason) => `  ${reason}`),
  ];

  const out: string[] = [];
  out.push("# The rfc-v2 model checked against a real kernel");
  out.push("");
  out.push("Generated by `npm run oracle:rfc` (oracle/run.ts); do not edit by hand.");
  out.push(
    "The seed's two patches, ported to Debian's linux-source-6.1 `fs/splice.c` ([port and its deviations](../oracle/kernel/PORTING.md), [patch](../oracle/kernel/rfc-v2-6.1.patch)), run under QEMU (TCG); every scenario below is replayed by the simulator's `rfc-v2` model and compared page by page.",
  );
  out.push("");
  out.push(
    `**Verdict: ${verdict.ok ? "PASS" : "FAIL"}.** ${agreeing} of ${compared} scenarios agree (${checks} facts compared); run started ${run.startedAt}.`,
  );
  out.push("");
  out.push("## Kernel and machine");
  out.push("");
  out.push(`- Patched kernel: \`${run.rfc.guest.kernelVersion ?? "unknown"}\``);
  out.push(
    `- Control kernel: ${run.control ? `\`${run.control.guest.kernelVersion ?? "unknown"}\`, same configuration, pristine \`fs/splice.c\`` : "not run"}`,
  );
  out.push(
    "- Configuration: `make tinyconfig` plus [oracle/kernel/oracle.config](../oracle/kernel/oracle.config) (console, initramfs, /proc with pagemap, shmem/tmpfs, madvise, `BUG`, `KALLSYMS`, `DEBUG_VM`; THP is compiled in but 6.1 turns it off below 512 MiB of RAM, so the guest has none).",
  );
  out.push(
    "- Guest: `qemu-system-x86_64 -accel tcg -m 512 -smp 1`, initramfs of static busybox and the static [guest program](../oracle/guest/vmsim-guest.c), one boot per kernel for all scenarios; `P` = 4096.",
  );
  out.push(`- Guest zero page PFN: ${run.rfc.guest.zeroPfn ?? "unknown"}.`);
  out.push("");
  out.push("## Times");
  out.push("");
  out.push("| Phase | Time |");
  out.push("|---|---|");
  out.push(
    `| Debian packages | ${run.installedPackages.length ? `installed ${run.installedPackages.join(", ")}` : "already installed"} |`,
  );
  out.push(`| Unpack linux-source-6.1 | ${seconds(run.times.unpack)} |`);
  out.push(`| Configure | ${seconds(run.times.configure)} |`);
  out.push(`| Build control bzImage | ${seconds(run.times.buildControl)} |`);
  out.push(`| Build patched bzImage | ${seconds(run.times.buildRfc)} |`);
  out.push(`| Boot + all scenarios, patched | ${seconds(run.times.bootRfc)} |`);
  out.push(`| Boot + all scenarios, control | ${seconds(run.times.bootControl)} |`);
  out.push(
    `| Known-difference boots (${new Set(run.knownDifferences.map((item) => item.known.memoryMiB)).size}) | ${seconds(run.times.bootKnownDifferences)} |`,
  );
  out.push(`| Hazard probe boots (${run.hazards.length}) | ${seconds(run.times.bootHazards)} |`);
  out.push("");
  out.push(
    '"cached" phases were reused from `oracle/.cache` (ignored by git): the source tree is unpacked and configured once, and each bzImage is rebuilt only when the configuration, the pristine `fs/splice.c` or the patch changed; the two variants share one tree, so switching recompiles only `fs/splice.c`.',
  );
  out.push("");
  out.push("## Scenarios: kernel versus model");
  out.push("");
  out.push(
    'One row per call; "zapped" lists the caller\'s pages whose PTE the call removed, "moved" lists destination pages that now map the very frame another page held (`q[0]<-W:p[0]`: R\'s `q[0]` has the frame W had at `p[0]`).',
  );
  out.push(
    "Pages not listed were neither zapped nor moved (copies keep the destination's frame). Final bytes of every page of every live process are compared as well.",
  );
  out.push("");
  out.push("| Scenario | Line | Call | Kernel (port) | Model (rfc-v2) | Agrees |");
  out.push("|---|---|---|---|---|---|");
  for (const comparison of run.comparisons) {
    for (const row of comparison.steps) {
      const rowDifferences = comparison.differences.filter((difference) => difference.step === row.index);
      out.push(
        `| ${comparison.id} | ${row.line} | \`${cell(row.text)}\` | ${cell(facts(row.kernel))} | ${cell(facts(row.model))} | ${rowDifferences.length ? "**no**" : "yes"} |`,
      );
    }
    const finalDifferences = comparison.differences.filter((difference) => difference.step === null);
    out.push(
      `| ${comparison.id} | end | final bytes, ${comparison.checks} facts in all | | | ${finalDifferences.length ? `**no** (${finalDifferences.length})` : "yes"} |`,
    );
  }
  out.push("");
  const differences = run.comparisons.flatMap((comparison) => comparison.differences);
  out.push("## Differences");
  out.push("");
  if (differences.length === 0) out.push("None: the kernel and the model agree on every compared fact.");
  for (const difference of differences) {
    out.push(
      `- ${difference.scenario}${difference.line ? ` line ${difference.line}` : ""}, ${difference.what}: kernel \`${difference.kernel}\`, model \`${difference.model}\`.`,
    );
  }
  out.push("");
  out.push("## Known differences between 6.1 and 3.12, measured");
  out.push("");
  out.push(
    "These golden scenarios run in extra boots (one per memory size) and are compared like the others; the run passes when exactly the listed kinds of difference appear, so the kernel's real outcome stays on record next to the model's.",
  );
  out.push("");
  for (const item of run.knownDifferences) {
    out.push(
      `**${item.known.id}** (${item.known.memoryMiB} MiB guest): ${item.known.reason}. Expected difference: ${item.known.expected.join(", ")}; ${item.unexpected.length || item.missing.length ? "**not as expected**" : "as expected"}.`,
    );
    out.push("");
    out.push("| Line | Call | Kernel (port) | Model (rfc-v2) |");
    out.push("|---|---|---|---|");
    for (const row of item.comparison.steps)
      out.push(`| ${row.line} | \`${cell(row.text)}\` | ${cell(facts(row.kernel))} | ${cell(facts(row.model))} |`);
    out.push("");
  }
  if (run.knownDifferences.length === 0) out.push("None.");
  out.push("");
  out.push("## Hazards observed on the real kernel");
  out.push("");
  out.push(
    "**VMS-RFC-RSS.** A move installs the frame in the reader without charging the reader's anon RSS counter, so at the reader's exit the kernel prints `BUG: Bad rss-counter state ... type:MM_ANONPAGES val:-N` with N the moved pages still mapped.",
  );
  out.push(
    "These lines are expected and recorded here; they do not fail the run (every other `BUG:`, `Oops`, panic or `WARNING:` line does).",
  );
  out.push("");
  out.push("| Scenario | Process at exit | Kernel rss-counter value | Pages the model moved into it |");
  out.push("|---|---|---|---|");
  for (const comparison of run.comparisons) {
    for (const entry of comparison.rss) {
      if (entry.kernelValue === 0 && entry.modelMoved === 0) continue;
      out.push(`| ${comparison.id} | ${entry.process} | ${entry.kernelValue} | ${entry.modelMoved} |`);
    }
  }
  out.push("");
  out.push("Kernel lines as printed:");
  out.push("");
  out.push("```");
  for (const line of run.rfc.guest.rssCounter) out.push(line.text);
  out.push("```");
  out.push("");
  out.push(
    "**VMS-RFC-ANON-VMA.** The moved frame keeps the writer's anon_vma and index (6.1's `__page_set_anon_rmap` returns early for a page that is already anonymous, as 3.12's did).",
  );
  out.push(
    "In the scenario boots the harness tears processes down reader first, so every moved page is unmapped while its writer's anon_vma still exists.",
  );
  out.push(
    "The probe [oracle/hazards/anon-vma.script](../oracle/hazards/anon-vma.script) runs in a boot of its own: the writer gifts four pages, the reader moves them, the writer exits, and the reader asks for compaction (`/proc/sys/vm/compact_memory`), which tries to migrate the moved pages.",
  );
  out.push(
    "Migration then meets the freed anon_vma: usually `VM_BUG_ON_FOLIO(... !anon_vma)` (`kernel BUG at mm/migrate.c`), sometimes, when the freed memory was reused, a page fault in `folio_lock_anon_vma_read` under `rmap_walk_anon`; both count as reproduced.",
  );
  out.push("");
  for (const hazard of run.hazards) {
    out.push(
      `Probe \`${hazard.name}\`: ${hazard.reproduced ? "**reproduced**" : "not reproduced"} (expected \`${hazard.expected}\`; ${hazard.fatal.length} fatal kernel lines).`,
    );
    if (hazard.excerpt.length) {
      out.push("");
      out.push("```");
      for (const line of hazard.excerpt) out.push(line);
      out.push("```");
    }
    out.push("");
  }
  if (run.hazards.length === 0) out.push("No hazard probe ran.");
  out.push(
    "**VMS-DST-HOLE.** The probe [oracle/hazards/dst-hole.script](../oracle/hazards/dst-hole.script) munmaps the reader's destination `q` (another mapping lies above it) and moves a gifted page there: the call returns 4096 (mainline: `EFAULT`), and a guarded read of `q` returns the gifted bytes although `/proc/self/maps` lists nothing there; the frame is never freed and the kernel prints nothing at exit.",
  );
  out.push("");
  out.push("");
  out.push(
    "**VMS-THP-SPLIT.** Calls after which the caller's `AnonHugePages` (from `/proc/self/smaps_rollup`) dropped, i.e. the writer's one-page zap split its transparent huge page:",
  );
  out.push("");
  for (const drop of run.thpDrops) out.push(`- ${drop}`);
  if (run.thpDrops.length === 0) out.push("- none observed");
  out.push("");
  out.push("## Control: the same kernel without the port");
  out.push("");
  if (!run.control) {
    out.push("Not run (`--no-control`).");
  } else {
    const summaryControl = run.control.summary;
    out.push(
      `${summaryControl?.calls ?? 0} calls in ${summaryControl?.scenarios ?? 0} scenarios; ${summaryControl?.violations.length ?? 0} of them zapped or moved a page (expected: none, everything copies).`,
    );
    for (const violation of summaryControl?.violations ?? []) out.push(`- ${violation}`);
    out.push(
      `Kernel rss-counter lines: ${run.control.guest.rssCounter.length}; fatal lines: ${run.control.guest.fatal.length}.`,
    );
    const controlDifferences = run.control.comparisons.flatMap((comparison) => comparison.differences);
    const controlAgreeing = run.control.comparisons.filter((comparison) => comparison.differences.length === 0).length;
    out.push("");
    out.push(
      `Informational (does not decide the verdict): the control kernel against the simulator's \`mainline-6.x\` model, same comparison rules: ${controlAgreeing} of ${run.control.comparisons.length} scenarios agree.`,
    );
    for (const difference of controlDifferences)
      out.push(
        `- ${difference.scenario}${difference.line ? ` line ${difference.line}` : ""}, ${difference.what}: kernel \`${difference.kernel}\`, model \`${difference.model}\`.`,
      );
  }
  out.push("");
  out.push("## Scenarios not run");
  out.push("");
  for (const scenario of run.scenarios.filter((item) => item.unsupported.length))
    out.push(`- ${scenario.id} (${scenario.file}): ${scenario.unsupported.join("; ")}`);
  for (const [id, reason] of EXCLUDED_GOLDENS) out.push(`- ${id}: ${reason}.`);
  out.push("");
  if (!verdict.ok) {
    out.push("## Problems");
    out.push("");
    for (const reason of verdict.reasons) out.push(`- ${reason}`);
    out.push("");
  }
  return { markdown: out.join("\n"), verdict, summary };
}
