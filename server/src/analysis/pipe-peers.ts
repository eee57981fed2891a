/**
 * Pipe peers: which calls of one file use the same pipe as a given call (the same pipe() call when both descriptors
 * are resolved, else the same array name, or either unknown), its writers and whether a reader of it passes
 * SPLICE_F_MOVE. Found once per file's list of calls and pipe, not once per call or page.
 * Pure; no I/O, no editor or protocol imports.
 */
import { SPLICE_F_MOVE, type VmspliceCall } from "./facts";

/** The writers of a pipe and whether a reader of it passes SPLICE_F_MOVE, among the calls of one file. */
export interface PipePeers {
  writers: VmspliceCall[];
  movingReader: boolean;
}

/** Per list of peers (one file's calls), per pipe key (see `pipeKey`): found once, not once per call or page. */
const peersByPipe = new WeakMap<readonly VmspliceCall[], Map<string, PipePeers>>();

/** What `samePipe(peer, call)` reads of `call`: two calls with the same key have the same peers on their pipe. */
function pipeKey(call: VmspliceCall): string {
  return `${call.fd.originRange?.startIndex ?? "-"}|${call.fd.pipeName === null ? "*" : `=${call.fd.pipeName}`}`;
}

export function pipePeers(peers: readonly VmspliceCall[], call: VmspliceCall): PipePeers {
  let byKey = peersByPipe.get(peers);
  if (!byKey) peersByPipe.set(peers, (byKey = new Map()));
  const key = pipeKey(call);
  let found = byKey.get(key);
  if (!found) {
    const onPipe = peers.filter((peer) => samePipe(peer, call));
    found = {
      writers: onPipe.filter((peer) => peer.fd.direction === "to-pipe"),
      movingReader: onPipe.some(
        (peer) =>
          peer.fd.direction === "from-pipe" && peer.flags.value !== null && (peer.flags.value & SPLICE_F_MOVE) !== 0,
      ),
    };
    byKey.set(key, found);
  }
  return found;
}

/**
 * Whether two calls use the same pipe: the same pipe() call created both descriptors when both are known; otherwise the
 * same array name, or either unknown (a file with one writer and one reader usually talks to itself).
 */
function samePipe(left: VmspliceCall, right: VmspliceCall): boolean {
  if (left.fd.originRange && right.fd.originRange)
    return left.fd.originRange.startIndex === right.fd.originRange.startIndex;
  return left.fd.pipeName === null || right.fd.pipeName === null || left.fd.pipeName === right.fd.pipeName;
}
