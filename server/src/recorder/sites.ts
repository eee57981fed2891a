/**
 * Call sites: each recorded call is keyed by the object file its caller lies in and the file offset of the call
 * instruction (return address − mapping start + mapping offset − 1), which is the same in every process whatever the
 * address-space layout. The CLI resolves each key once through DWARF (addr2line) and appends a "site" line to a kept
 * trace, so whoever reads the trace later (`record --trace`, the language server) needs neither the binary nor binutils.
 * Pure.
 */
import path from "node:path";
import type { CallSite } from "./observe";
import type { TraceCall, TraceSite } from "./trace";

/** The object file of the caller, without the " (deleted)" a replaced binary gets in /proc/PID/maps. */
export function objectOf(call: TraceCall): string | null {
  const object = call.caller.object?.replace(/ \(deleted\)$/, "");
  return object && object.startsWith("/") ? object : null;
}

/** The file offset of the call instruction in its object (return address minus one), or null when unknown. */
export function callFileOffset(call: TraceCall): number | null {
  if (call.caller.mapStart === undefined || call.caller.mapOffset === undefined) return null;
  const offset = BigInt(call.caller.addr) - BigInt(call.caller.mapStart) + BigInt(call.caller.mapOffset) - 1n;
  return offset < 0n ? null : Number(offset);
}

export function siteKey(object: string, fileOffset: number): string {
  return `${object}\u0000${fileOffset.toString(16)}`;
}

/** A path inside `cwd` relative to it (as check shows the paths it was given), any other path as it is. */
export function displayPath(file: string, cwd: string): string {
  const relative = path.relative(cwd, file);
  return relative && !relative.startsWith("..") && !path.isAbsolute(relative) ? relative : file;
}

/**
 * The site of each call from the trace's site lines; files are absolute, or relative to `cwd` when given and inside it.
 * A call without a resolved line is placed under its object file, with no line.
 */
export function siteLookup(sites: TraceSite[], cwd: string | null): (call: TraceCall) => CallSite {
  const bySite = new Map(sites.map((site) => [siteKey(site.object, Number(BigInt(site.fileOffset))), site]));
  return (call) => {
    const object = objectOf(call);
    const offset = callFileOffset(call);
    const site = object !== null && offset !== null ? bySite.get(siteKey(object, offset)) : undefined;
    if (site && site.file && site.line !== null)
      return {
        file: cwd === null ? site.file : displayPath(site.file, cwd),
        line: site.line,
        function: site.function,
        address: site.address,
      };
    return {
      file: object ?? "(unknown object)",
      line: null,
      function: site?.function ?? null,
      address: site?.address ?? (offset === null ? null : `0x${offset.toString(16)}`),
    };
  };
}
