/**
 * Compiles parsed `.vmsim` scenarios into the line script that the guest program (oracle/guest/vmsim-guest.c) runs
 * inside the QEMU guest.
 *
 * This module owns the guest script format and nothing else: it resolves every length and offset to bytes for the
 * guest's page size, lists the processes, pipes and files a scenario needs up front (the guest creates them before it
 * starts any process, so every process inherits every pipe end), and turns each step into one `step` line that keeps
 * the simulator's step index, so kernel results and simulator results line up by index.
 * It is pure (no I/O) and imports only the simulator's types.
 *
 * Script format, one statement per line, tokens separated by single spaces:
 *   scenario ID                      starts a scenario; `end` closes it
 *   proc NAME PRIV SIGIGN PARENT     every process, in creation order; PARENT is `-` or the forking process
 *   pipe NAME FLAGS                  FLAGS: 1 = O_NONBLOCK, 2 = O_DIRECT
 *   file NAME SIZE BYTE              a regular file of SIZE bytes, every byte BYTE
 *   step INDEX PROC CMD ARGS...      PROC is `-` for machine-wide commands (close)
 * Addresses are `MAPPING OFFSET` (OFFSET in bytes, may be negative) or `NULL OFFSET`; a length of -1 means "to the end
 * of the mapping"; descriptors are `pipe:NAME:END`, `named:NAME` or `num:N`; a fill value of -1 means `pattern`.
 */
import type { Address, Amount, Command, FdRef, Scenario } from "../../server/src/simulator/types";

export interface CompiledScenario {
  id: string;
  /** The guest script lines of this scenario, `scenario` to `end` inclusive. */
  lines: string[];
  /** Why the scenario cannot run in the guest; empty when it can. */
  unsupported: string[];
}

export function amountBytes(amount: Amount, pageSize: number): number {
  return amount.bytes + amount.pages * pageSize;
}

function address(at: Address | null, pageSize: number): string {
  if (at === null) return "NULL 0";
  const offset = amountBytes(at.offset, pageSize);
  return `${at.mapping} ${at.negative ? -offset : offset}`;
}

function fd(ref: FdRef): string {
  if (ref.kind === "pipe") return `pipe:${ref.pipe}:${ref.end}`;
  if (ref.kind === "named") return `named:${ref.name}`;
  return `num:${ref.value}`;
}

function protBits(prot: { read: boolean; write: boolean; exec: boolean }): number {
  return (prot.read ? 1 : 0) | (prot.write ? 2 : 0) | (prot.exec ? 4 : 0);
}

function optionalLength(length: Amount | null, pageSize: number): number {
  return length === null ? -1 : amountBytes(length, pageSize);
}

/** The guest command for one step, or a reason it cannot run there. Process and pipe creation return null (headers). */
function stepCommand(command: Command, pageSize: number): { text: string } | { unsupported: string } | null {
  switch (command.kind) {
    case "process":
    case "pipe":
    case "file":
      return null;
    case "fork":
      return { text: `fork ${command.child}` };
    case "exit":
      return { text: "exit" };
    case "mmap":
      return {
        text: `mmap ${command.name} ${amountBytes(command.length, pageSize)} ${protBits(command.prot)} ${command.flags.join("|") || "0"} ${command.file ?? "-"} ${command.align ? amountBytes(command.align, pageSize) : 0}`,
      };
    case "munmap":
      return { text: `munmap ${address(command.address, pageSize)} ${optionalLength(command.length, pageSize)}` };
    case "madvise":
      return {
        text: `madvise ${address(command.address, pageSize)} ${optionalLength(command.length, pageSize)} ${command.advice}`,
      };
    case "mlock":
      return { text: `mlock ${address(command.address, pageSize)} ${optionalLength(command.length, pageSize)}` };
    case "mprotect":
      return {
        text: `mprotect ${address(command.address, pageSize)} ${optionalLength(command.length, pageSize)} ${protBits(command.prot)}`,
      };
    case "fill":
      return {
        text: `fill ${address(command.address, pageSize)} ${optionalLength(command.length, pageSize)} ${command.value === "pattern" ? -1 : command.value}`,
      };
    case "touch":
      return { text: `touch ${address(command.address, pageSize)} ${optionalLength(command.length, pageSize)}` };
    case "ksm-merge":
      return { unsupported: "ksm-merge (the oracle kernel has no KSM)" };
    case "race-fault":
      return { unsupported: "race-fault (a racing fault needs a second thread timed inside the move)" };
    case "open":
      return { text: `open ${command.name} ${command.file} ${command.mode}` };
    case "fcntl":
      if (command.command === "F_SETPIPE_SZ")
        return {
          text: `fcntl ${fd(command.fd)} F_SETPIPE_SZ ${amountBytes(command.size ?? { bytes: 0, pages: 0 }, pageSize)}`,
        };
      if (command.command === "F_GETPIPE_SZ") return { text: `fcntl ${fd(command.fd)} F_GETPIPE_SZ 0` };
      return { text: `fcntl ${fd(command.fd)} F_SETFL ${command.statusFlags.includes("O_NONBLOCK") ? 1 : 0}` };
    case "close":
      return { text: `close ${fd(command.fd)}` };
    case "vmsplice": {
      const iovecs = command.iovecs;
      const nr = command.nrSegs ?? iovecs?.length ?? 0;
      if (iovecs === null) return { text: `vmsplice ${fd(command.fd)} ${nr} ${command.flags} -1` };
      const triples = iovecs.map((iovec) => `${address(iovec.base, pageSize)} ${amountBytes(iovec.length, pageSize)}`);
      if (iovecs.length > 26) return { unsupported: "more than 26 listed iovecs" };
      return {
        text: `vmsplice ${fd(command.fd)} ${nr} ${command.flags} ${iovecs.length}${triples.length ? " " + triples.join(" ") : ""}`,
      };
    }
    case "read":
      return {
        text: `read ${fd(command.fd)} ${address(command.address, pageSize)} ${amountBytes(command.length, pageSize)}`,
      };
    case "write":
      if (command.address === null)
        return { text: `write ${fd(command.fd)} - ${amountBytes(command.length, pageSize)} ${command.value ?? 0}` };
      return {
        text: `write ${fd(command.fd)} ${address(command.address, pageSize)} ${amountBytes(command.length, pageSize)}`,
      };
    case "splice":
      return {
        text: `splice ${fd(command.input)} ${fd(command.output)} ${amountBytes(command.length, pageSize)} ${command.flags}`,
      };
    case "tee":
      return {
        text: `tee ${fd(command.input)} ${fd(command.output)} ${amountBytes(command.length, pageSize)} ${command.flags}`,
      };
    case "race-fault":
      return { unsupported: "race-fault (a fault racing with the move needs a second thread at the right instant)" };
    default:
      // A command kind added to the format later: report it rather than guess its guest form.
      return { unsupported: `command '${(command as { kind: string }).kind}' has no guest form yet` };
  }
}

/** Compiles one scenario for a guest with the given page size. */
export function compileScenario(scenario: Scenario, pageSize: number): CompiledScenario {
  const header: string[] = [`scenario ${scenario.id}`];
  const steps: string[] = [];
  const unsupported: string[] = [];
  scenario.steps.forEach((step, index) => {
    const command = step.command;
    if (command.kind === "process")
      header.push(`proc ${command.name} ${command.privileged ? 1 : 0} ${command.sigpipeIgnored ? 1 : 0} -`);
    if (command.kind === "fork") header.push(`proc ${command.child} 0 0 ${step.process ?? "-"}`);
    if (command.kind === "pipe")
      header.push(
        `pipe ${command.name} ${(command.flags.includes("O_NONBLOCK") ? 1 : 0) | (command.flags.includes("O_DIRECT") ? 2 : 0)}`,
      );
    if (command.kind === "file")
      header.push(`file ${command.name} ${amountBytes(command.size, pageSize)} ${command.value}`);
    const compiled = stepCommand(command, pageSize);
    if (compiled === null) return;
    if ("unsupported" in compiled) {
      unsupported.push(`line ${step.line}: ${compiled.unsupported}`);
      return;
    }
    steps.push(`step ${index} ${step.process ?? "-"} ${compiled.text}`);
  });
  return { id: scenario.id, lines: [...header, ...steps, "end"], unsupported };
}
