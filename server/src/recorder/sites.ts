/**
 * Call sites: each recorded call is keyed by the object file its caller lies in and the file offset of the call
 * instruction (return address − mapping start + mapping offset − 1), which is the same in every process whatever the
 * address-space layout. The CLI resolves each key once through DWARF (addr2line) and appends a "site" line to a kept
 * trace, so whoever reads the trace later (`record --trace`, the language server) needs neither the binary nor binutils.
 * Pure.
 */
import path from "node:path";
import type { CallSite } from "./observe";
import type { TraceCall, TraceFrame, TraceSite } from "./trace";

/** The object file of a frame, without the " (deleted)" a replaced binary gets in /proc/PID/maps. */
export function frameObject(frame: TraceFrame): string | null {
  const object = frame.object?.replace(/ \(deleted\)$/, "");
  return object && object.startsWith("/") ? object : null;
}

/** The file offset of the call instruction before a return address (minus one), or null when unknown. */
export function frameFileOffset(frame: TraceFrame): number | null {
  if (frame.mapStart === undefined || frame.mapOffset === undefined) return null;
  const offset = BigInt(frame.addr) - BigInt(frame.mapStart) + BigInt(frame.mapOffset) - 1n;
  return offset < 0n ? null : Number(offset);
}

/** The object file of the vmsplice call's caller. */
export function objectOf(call: TraceCall): string | null {
  return frameObject(call.caller);
}

/** The file offset of the vmsplice call instruction in its object. */
export function callFileOffset(call: TraceCall): number | null {
  return frameFileOffset(call.caller);
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
  const show = (file: string) => (cwd === null ? file : displayPath(file, cwd));
  const lookup = (frame: TraceFrame) => {
    const object = frameObject(frame);
    const offset = frameFileOffset(frame);
    return {
      object,
      offset,
      site: object !== null && offset !== null ? bySite.get(siteKey(object, offset)) : undefined,
    };
  };
  return (call) => {
    const { object, offset, site } = lookup(call.caller);
    // The frames above with a source line: the wrapper's callers, where the static analyzer reports the call.
    const callers: CallSite["callers"] = [];
    for (const frame of call.callers ?? []) {
      // The system's libraries (the C runtime, libstdc++, the thread start) are not the program's call sites.
      if (/^\/(usr\/)?lib(64|32|x32)?\//.test(frameObject(frame) ?? "")) continue;
      const above = lookup(frame).site;
      if (above?.file && above.line !== null)
        callers.push({ file: show(above.file), line: above.line, function: above.function });
      // Above main() is the C runtime's start-up code: not the program's.
      if (above?.function === "main") break;
    }
    if (site && site.file && site.line !== null)
      return { file: show(site.file), line: site.line, function: site.function, address: site.address, callers };
    return {
      file: object ?? "(unknown object)",
      line: null,
      function: site?.function ?? null,
      address: site?.address ?? (offset === null ? null : `0x${offset.toString(16)}`),
      callers,
    };
  };
}
