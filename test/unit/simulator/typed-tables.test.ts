// The simulator's frame table and page table as typed arrays (issue 12): frames are handles on struct-of-arrays
// storage that grows by doubling, PTEs are encoded in Int32Array leaves, and both must behave as the objects did.
import { test, describe } from "node:test";
import assert from "node:assert/strict";
import { FrameTable } from "../../../server/src/simulator/frames";
import { PageTable } from "../../../server/src/simulator/page-table";

function table(): { frames: FrameTable; spent: () => number; freed: number[] } {
  let units = 0;
  const freed: number[] = [];
  const frames = new FrameTable(
    4096,
    (n) => (units += n),
    (pfn) => freed.push(pfn),
  );
  return { frames, spent: () => units, freed };
}

describe("FrameTable", () => {
  test("fields survive growth past the initial capacity, per frame", () => {
    const { frames, spent } = table();
    const pfns: number[] = [];
    for (let index = 0; index < 5000; index++) {
      const frame = frames.allocate(index % 3 === 0 ? "anon" : "pageCache", index & 0xff);
      frame.refcount = index;
      frame.mapcount = index + 1;
      frame.pipeRefs = index % 7;
      frame.mlocked = index % 2 === 0;
      pfns.push(frame.pfn);
    }
    assert.equal(spent(), 5000);
    assert.equal(new Set(pfns).size, 5000);
    for (let index = 0; index < 5000; index += 499) {
      const frame = frames.get(pfns[index]);
      assert.equal(frame.kind, index % 3 === 0 ? "anon" : "pageCache");
      assert.equal(frame.fill, index & 0xff);
      assert.equal(frame.refcount, index);
      assert.equal(frame.mapcount, index + 1);
      assert.equal(frame.pipeRefs, index % 7);
      assert.equal(frame.mlocked, index % 2 === 0);
      // Only a new anonymous frame starts exclusive (PageAnonExclusive).
      assert.equal(frame.exclusive, index % 3 === 0);
    }
  });

  test("put frees an anonymous frame at refcount 0 once, and never a page-cache frame", () => {
    const { frames, freed } = table();
    const anon = frames.allocate("anon", 0);
    const cache = frames.allocate("pageCache", 0);
    anon.refcount = 2;
    frames.put(anon);
    assert.ok(frames.ifLive(anon.pfn));
    frames.put(anon);
    assert.equal(frames.ifLive(anon.pfn), undefined);
    assert.throws(() => frames.get(anon.pfn), /does not exist/);
    assert.deepEqual(freed, [anon.pfn]);
    frames.put(cache);
    assert.ok(frames.ifLive(cache.pfn));
    // A handle kept past the free still names its own frame only: a new frame gets a new PFN.
    assert.notEqual(frames.allocate("anon", 0).pfn, anon.pfn);
  });

  test("contents materialise on a partial write and go back to a fill byte on a whole-page one", () => {
    const { frames } = table();
    const frame = frames.allocate("anon", 7);
    frames.write(frame, 100, 2, 9);
    assert.deepEqual([...frames.bytes(frame, 99, 4)], [7, 9, 9, 7]);
    const copy = frames.allocate("anon", 0);
    frames.copy(frame, 0, copy, 0, 4096);
    assert.equal(frames.byteAt(copy, 101), 9);
    frames.write(frame, 0, 4096, 3);
    assert.equal(frame.bytes, null);
    assert.equal(frames.byteAt(frame, 100), 3);
    assert.equal(frames.byteAt(copy, 100), 9);
  });

  test("compound membership is per frame and cleared by null", () => {
    const { frames } = table();
    const head = frames.allocate("anon", 0);
    const tail = frames.allocate("anon", 0);
    head.compound = { head: head.pfn, pages: 2, thp: true };
    tail.compound = { head: head.pfn, pages: 2, thp: true };
    head.compound = null;
    assert.equal(frames.get(head.pfn).compound, null);
    assert.deepEqual(frames.get(tail.pfn).compound, { head: head.pfn, pages: 2, thp: true });
  });
});

describe("PageTable", () => {
  test("entries round-trip PFN and writable across leaves, and count", () => {
    const ptes = new PageTable();
    const vpns = [0, 1, 511, 512, 70000, 2 ** 35];
    vpns.forEach((vpn, index) => ptes.set(vpn, 0x1000 + index, index % 2 === 0));
    assert.equal(ptes.size, vpns.length);
    vpns.forEach((vpn, index) => {
      const pte = ptes.get(vpn)!;
      assert.deepEqual([pte.pfn, pte.writable], [0x1000 + index, index % 2 === 0]);
      assert.equal(ptes.pfnOf(vpn), 0x1000 + index);
    });
    assert.equal(ptes.get(2), undefined);
    assert.equal(ptes.pfnOf(2), null);
    assert.equal(ptes.has(2), false);
    ptes.set(0, 0x2000, false);
    assert.equal(ptes.size, vpns.length);
    assert.equal(ptes.delete(0), true);
    assert.equal(ptes.delete(0), false);
    assert.equal(ptes.size, vpns.length - 1);
  });

  test("writing through a handle changes its entry, and nothing once the entry was replaced", () => {
    const ptes = new PageTable();
    ptes.set(5, 0x1001, true);
    const pte = ptes.get(5)!;
    pte.writable = false;
    assert.equal(ptes.get(5)!.writable, false);
    ptes.set(5, 0x1002, true);
    pte.writable = false;
    assert.deepEqual([ptes.get(5)!.pfn, ptes.get(5)!.writable], [0x1002, true]);
    ptes.delete(5);
    pte.writable = true;
    assert.equal(ptes.has(5), false);
  });

  test("presentVpns and presentIn list the same pages in address order, narrow and wide", () => {
    const ptes = new PageTable();
    for (const vpn of [3000, 7, 8, 513, 1024, 1025]) ptes.set(vpn, 0x1000 + vpn, true);
    for (const [first, end] of [
      [0, 4000],
      [7, 8],
      [7, 9],
      [8, 10],
      [512, 514],
      [1024, 1026],
      [9, 513],
      [0, 2 ** 40],
    ]) {
      const vpns = ptes.presentVpns(first, end);
      assert.deepEqual(
        vpns,
        ptes.presentIn(first, end).map(([vpn]) => vpn),
      );
      assert.deepEqual(
        vpns,
        [7, 8, 513, 1024, 1025, 3000].filter((vpn) => vpn >= first && vpn < end),
        `[${first}, ${end})`,
      );
    }
  });
});
