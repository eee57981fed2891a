// Draws the extension icon (images/icon.png, 128x128 RGBA) from shapes, with node:zlib for the PNG's deflate stream:
// two pages on a dark tile, the left one solid (the writer's page), the right one outlined (the reader's slot), and an
// arrow between them (the move). No image tools, no downloads. Usage: node scripts/make-icon.mjs [OUT]
import { deflateSync } from "node:zlib";
import { writeFileSync } from "node:fs";
import path from "node:path";

const size = 128;
const pixels = Buffer.alloc(size * size * 4);
const set = (x, y, [r, g, b, a = 255]) => {
  if (x < 0 || y < 0 || x >= size || y >= size) return;
  const i = (y * size + x) * 4;
  pixels[i] = r;
  pixels[i + 1] = g;
  pixels[i + 2] = b;
  pixels[i + 3] = a;
};
const tile = [24, 44, 72];
const page = [236, 240, 245];
const accent = [255, 159, 28];
// Rounded tile.
const radius = 22;
for (let y = 0; y < size; y++)
  for (let x = 0; x < size; x++) {
    const cx = Math.min(Math.max(x, radius), size - 1 - radius);
    const cy = Math.min(Math.max(y, radius), size - 1 - radius);
    if ((x - cx) ** 2 + (y - cy) ** 2 <= radius ** 2) set(x, y, tile);
  }
// A page with a folded corner: solid or outlined.
function drawPage(left, top, width, height, solid) {
  const fold = 12;
  for (let y = top; y < top + height; y++)
    for (let x = left; x < left + width; x++) {
      const inFold = x - left > width - fold && y - top < fold - (left + width - x);
      if (inFold) continue;
      const edge = x < left + 3 || x >= left + width - 3 || y < top + 3 || y >= top + height - 3;
      const foldEdge = Math.abs(x - left - (width - fold) - (y - top)) < 2 && y - top < fold;
      if (solid || edge || foldEdge) set(x, y, page);
    }
  if (solid)
    for (let line = 0; line < 4; line++)
      for (let x = left + 8; x < left + width - 8; x++) set(x, top + 22 + line * 9, tile);
}
drawPage(14, 30, 40, 56, true);
drawPage(74, 30, 40, 56, false);
// The arrow: a shaft and a head, in the accent colour, under the pages.
for (let y = 98; y < 106; y++) for (let x = 26; x < 92; x++) set(x, y, accent);
for (let dy = -12; dy <= 12; dy++) for (let x = 92; x < 104 - Math.abs(dy); x++) set(x, 102 + dy, accent);

// PNG: signature, IHDR, one IDAT (filter byte 0 per row), IEND; CRC-32 per chunk.
const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc32 = (buffer) => {
  let c = 0xffffffff;
  for (const byte of buffer) c = crcTable[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};
const chunk = (type, data) => {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, "ascii"), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
};
const header = Buffer.alloc(13);
header.writeUInt32BE(size, 0);
header.writeUInt32BE(size, 4);
header.set([8, 6, 0, 0, 0], 8); // 8 bits per channel, RGBA, deflate, no filter, no interlace
const rows = Buffer.alloc(size * (size * 4 + 1));
for (let y = 0; y < size; y++) pixels.copy(rows, y * (size * 4 + 1) + 1, y * size * 4, (y + 1) * size * 4);
const png = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  chunk("IHDR", header),
  chunk("IDAT", deflateSync(rows, { level: 9 })),
  chunk("IEND", Buffer.alloc(0)),
]);
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), "..");
const out = process.argv[2] ?? path.join(root, "images", "icon.png");
writeFileSync(out, png);
console.log(`wrote ${path.relative(process.cwd(), out)} (${png.length} bytes)`);
