/**
 * Just enough of the ELF format for the recorder: whether a program is dynamically linked (has PT_INTERP, so an
 * LD_PRELOAD shim can interpose its libc calls), its class, whether it carries DWARF (.debug_info, or a .gnu_debuglink
 * to a separate debug file), and the PT_LOAD segments that turn a file offset into the virtual address addr2line wants.
 * Pure: takes the file's bytes.
 */

export interface ElfInfo {
  bits: 32 | 64;
  /** ET_EXEC (2) or ET_DYN (3, PIE executables and shared objects). */
  type: number;
  machine: number;
  /** PT_INTERP present: dynamically linked, the dynamic loader honours LD_PRELOAD. */
  interpreter: string | null;
  /** PT_DYNAMIC present (a static-pie has it without PT_INTERP). */
  dynamic: boolean;
  loads: { offset: number; vaddr: number; filesz: number }[];
  sections: string[];
}

const EM_X86_64 = 62;
const EM_AARCH64 = 183;

/** The ELF facts of a file, or null when it is not an ELF file (a script, say). */
export function readElf(bytes: Uint8Array): ElfInfo | null {
  if (bytes.length < 52 || bytes[0] !== 0x7f || bytes[1] !== 0x45 || bytes[2] !== 0x4c || bytes[3] !== 0x46)
    return null;
  const bits = bytes[4] === 2 ? 64 : 32;
  const little = bytes[5] === 1;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const u16 = (at: number) => view.getUint16(at, little);
  const u32 = (at: number) => view.getUint32(at, little);
  const word = (at: number) => (bits === 64 ? Number(view.getBigUint64(at, little)) : u32(at));
  const inRange = (at: number, size: number) => at >= 0 && at + size <= bytes.length;
  const type = u16(16);
  const machine = u16(18);
  const phoff = word(bits === 64 ? 32 : 28);
  const shoff = word(bits === 64 ? 40 : 32);
  const phentsize = u16(bits === 64 ? 54 : 42);
  const phnum = u16(bits === 64 ? 56 : 44);
  const shentsize = u16(bits === 64 ? 58 : 46);
  const shnum = u16(bits === 64 ? 60 : 48);
  const shstrndx = u16(bits === 64 ? 62 : 50);
  let interpreter: string | null = null;
  let dynamic = false;
  const loads: ElfInfo["loads"] = [];
  for (let index = 0; index < phnum; index++) {
    const at = phoff + index * phentsize;
    if (!inRange(at, phentsize)) break;
    const ptype = u32(at);
    const offset = word(at + (bits === 64 ? 8 : 4));
    const vaddr = word(at + (bits === 64 ? 16 : 8));
    const filesz = word(at + (bits === 64 ? 32 : 16));
    if (ptype === 1) loads.push({ offset, vaddr, filesz });
    else if (ptype === 2) dynamic = true;
    else if (ptype === 3 && inRange(offset, filesz)) {
      interpreter = new TextDecoder().decode(bytes.subarray(offset, offset + filesz)).replace(/\0+$/, "");
    }
  }
  const sections: string[] = [];
  const names = shoff + shstrndx * shentsize;
  if (shnum > 0 && inRange(names, shentsize)) {
    const namesOffset = word(names + (bits === 64 ? 24 : 16));
    for (let index = 0; index < shnum; index++) {
      const at = shoff + index * shentsize;
      if (!inRange(at, shentsize)) break;
      let start = namesOffset + u32(at);
      let end = start;
      while (end < bytes.length && bytes[end] !== 0) end++;
      if (start < bytes.length) sections.push(new TextDecoder().decode(bytes.subarray(start, end)));
      start = end;
    }
  }
  return { bits, type, machine, interpreter, dynamic, loads, sections };
}

export function hasDebugInfo(elf: ElfInfo): boolean {
  return elf.sections.includes(".debug_info") || elf.sections.includes(".zdebug_info");
}

/** The virtual address (as addr2line reads it) of a byte at `fileOffset` of the object; null outside every PT_LOAD. */
export function fileOffsetToVaddr(elf: ElfInfo, fileOffset: number): number | null {
  for (const load of elf.loads)
    if (fileOffset >= load.offset && fileOffset < load.offset + load.filesz)
      return fileOffset - load.offset + load.vaddr;
  return null;
}

/** Why an LD_PRELOAD shim cannot observe this program, or null when it can. */
export function preloadObstacle(elf: ElfInfo, hostMachine: string): string | null {
  if (!elf.interpreter)
    return elf.dynamic
      ? "it is a static-pie executable (no PT_INTERP): no dynamic loader runs, so LD_PRELOAD cannot interpose its vmsplice calls"
      : "it is statically linked (no PT_INTERP program header): no dynamic loader runs, so LD_PRELOAD cannot interpose its vmsplice calls";
  const expected = hostMachine === "x64" ? EM_X86_64 : hostMachine === "arm64" ? EM_AARCH64 : null;
  if (expected !== null && (elf.machine !== expected || elf.bits !== 64))
    return `it is a ${elf.bits}-bit ELF for machine ${elf.machine}, and the shim is built for this ${hostMachine} host`;
  return null;
}
