/**
 * Pipes as the kernel keeps them (spec section 2.4): a ring of pipe buffers with the flags each slot keeps, and the
 * operations on the ring that need no other machine state. Queueing and releasing a buffer touch frame references, so
 * they stay on the Machine.
 * Pure and deterministic: no clock, randomness, I/O or console.
 */
import type { BackingObject } from "./address-space";

export const PIPE_BUF_FLAG_LRU = 0x01;
export const PIPE_BUF_FLAG_GIFT = 0x04;
export const PIPE_BUF_FLAG_PACKET = 0x08;
export const PIPE_BUF_FLAG_CAN_MERGE = 0x10;
export const PIPE_DEF_BUFFERS = 16;
export const PIPE_MAX_SIZE = 1048576;

export interface PipeBuffer {
  /** Unique per buffer; 0 until the buffer is first queued. A whole-buffer splice keeps it, tee and partial splices get a new one. */
  id: number;
  pfn: number;
  offset: number;
  len: number;
  flags: number;
  ops: "user-page" | "anon-pipe" | "page-cache";
  /** The offset the buffer had when queued, to tell a partially consumed buffer from an unaligned one. */
  initialOffset: number;
  initialLen: number;
  /** RFC only: the iovec base recorded in the buffer's private field (VMS-RFC-IOV-BASE). */
  sourceAddress: number | null;
  /** The process and page the frame was pinned from, when it came from user memory. */
  origin: { process: string; vaddr: number } | null;
  /** Rules the writer side attached (stale GIFT, zero page, iov-base) so the reader can name the cause of a copy. */
  writerRules: string[];
}

export interface Pipe {
  name: string;
  /** Number of slots N. */
  size: number;
  /** Ring of buffers; a slot index is counter mod size. */
  slots: (PipeBuffer | null)[];
  /** 3.12 and RFC: the flags a slot keeps after its buffer is released (OR-ed into the next vmsplice buffer). */
  slotFlags: number[];
  tail: number;
  count: number;
  readers: number;
  writers: number;
  packet: boolean;
}

export interface FdEntry {
  kind: "pipe" | "regular";
  pipe: Pipe | null;
  file: BackingObject | null;
  read: boolean;
  write: boolean;
  nonblock: boolean;
  open: boolean;
  position: number;
}

/** A new pipe of PIPE_DEF_BUFFERS slots and its two descriptors (pipe2's flags: O_DIRECT, O_NONBLOCK). */
export function newPipe(name: string, flags: string[]): { pipe: Pipe; readEnd: FdEntry; writeEnd: FdEntry } {
  const pipe: Pipe = {
    name,
    size: PIPE_DEF_BUFFERS,
    slots: new Array(PIPE_DEF_BUFFERS).fill(null),
    slotFlags: new Array(PIPE_DEF_BUFFERS).fill(0),
    tail: 0,
    count: 0,
    readers: 1,
    writers: 1,
    packet: flags.includes("O_DIRECT"),
  };
  const nonblock = flags.includes("O_NONBLOCK");
  const end = (read: boolean): FdEntry => ({
    kind: "pipe",
    pipe,
    file: null,
    read,
    write: !read,
    nonblock,
    open: true,
    position: 0,
  });
  return { pipe, readEnd: end(true), writeEnd: end(false) };
}

export function pipeFull(pipe: Pipe): boolean {
  return pipe.count >= pipe.size;
}

export function pipeBytes(pipe: Pipe): number {
  let total = 0;
  for (let index = 0; index < pipe.count; index++) total += pipe.slots[(pipe.tail + index) % pipe.size]!.len;
  return total;
}

export function headBuffer(pipe: Pipe): { buffer: PipeBuffer; slot: number } | null {
  if (pipe.count === 0) return null;
  const slot = pipe.tail % pipe.size;
  return { buffer: pipe.slots[slot]!, slot };
}

/** F_SETPIPE_SZ: reallocates the ring zero-filled (stale slot flags vanish), keeping the queued buffers in order. */
export function resizePipe(pipe: Pipe, slots: number): void {
  const buffers: PipeBuffer[] = [];
  for (let index = 0; index < pipe.count; index++) buffers.push(pipe.slots[(pipe.tail + index) % pipe.size]!);
  pipe.size = slots;
  pipe.slots = new Array(slots).fill(null);
  pipe.slotFlags = new Array(slots).fill(0);
  buffers.forEach((buffer, index) => {
    pipe.slots[index] = buffer;
    pipe.slotFlags[index] = buffer.flags;
  });
  pipe.tail = 0;
}
