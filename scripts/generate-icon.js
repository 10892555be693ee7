#!/usr/bin/env node
// Draws media/icon.png (256x256, the extension's marketplace icon) without any image library: shapes are
// rasterised with 4x4 supersampling and written as a PNG with zlib. Rerun after changing the drawing.
'use strict';
const fs = require('fs');
const path = require('path');
const zlib = require('zlib');

const W = 256, H = 256, SS = 4;

// signed-distance helpers (pixel units)
const roundedRect = (x, y, cx, cy, hw, hh, r) => {
  const qx = Math.abs(x - cx) - hw + r, qy = Math.abs(y - cy) - hh + r;
  return Math.hypot(Math.max(qx, 0), Math.max(qy, 0)) + Math.min(Math.max(qx, qy), 0) - r;
};
const segment = (x, y, ax, ay, bx, by) => {
  const px = x - ax, py = y - ay, dx = bx - ax, dy = by - ay;
  const h = Math.max(0, Math.min(1, (px * dx + py * dy) / (dx * dx + dy * dy)));
  return Math.hypot(px - dx * h, py - dy * h);
};
const line = [[44, 168], [84, 150], [112, 176], [146, 96], [176, 124], [212, 64]];   // a latency/cost trace
const bars = [[52, 196, 20], [92, 186, 30], [132, 200, 16], [172, 178, 38]];        // [x, top, height]: call volume

function shade(x, y) {
  // background: rounded square, vertical gradient from deep blue to teal
  if (roundedRect(x, y, 128, 128, 120, 120, 44) > 0) return null;
  const t = y / H;
  let c = [Math.round(18 + 10 * t), Math.round(42 + 80 * t), Math.round(92 + 50 * t)];
  for (const [bx, top, h] of bars) {
    if (roundedRect(x, y, bx + 12, top + h / 2, 12, h / 2, 3) <= 0) c = [120, 200, 230];
  }
  for (let i = 0; i + 1 < line.length; i++) {
    if (segment(x, y, ...line[i], ...line[i + 1]) <= 7) c = [255, 255, 255];
  }
  const [ex, ey] = line[line.length - 1];
  if (Math.hypot(x - ex, y - ey) <= 13) c = [255, 196, 61];                             // the newest point
  return c;
}

const raw = Buffer.alloc((W * 4 + 1) * H);
for (let y = 0; y < H; y++) {
  raw[y * (W * 4 + 1)] = 0;   // filter: none
  for (let x = 0; x < W; x++) {
    let r = 0, g = 0, b = 0, a = 0;
    for (let sy = 0; sy < SS; sy++) for (let sx = 0; sx < SS; sx++) {
      const c = shade(x + (sx + 0.5) / SS, y + (sy + 0.5) / SS);
      if (c) { r += c[0]; g += c[1]; b += c[2]; a++; }
    }
    const o = y * (W * 4 + 1) + 1 + x * 4;
    if (a) { raw[o] = Math.round(r / a); raw[o + 1] = Math.round(g / a); raw[o + 2] = Math.round(b / a); }
    raw[o + 3] = Math.round(255 * a / (SS * SS));
  }
}

const crcTable = Array.from({ length: 256 }, (_, n) => { let c = n; for (let k = 0; k < 8; k++) c = c & 1 ? 0xEDB88320 ^ (c >>> 1) : c >>> 1; return c >>> 0; });
const crc32 = (buf) => { let c = 0xFFFFFFFF; for (const b of buf) c = crcTable[(c ^ b) & 0xFF] ^ (c >>> 8); return (c ^ 0xFFFFFFFF) >>> 0; };
const chunk = (type, data) => {
  const len = Buffer.alloc(4); len.writeUInt32BE(data.length);
  const td = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4); crc.writeUInt32BE(crc32(td));
  return Buffer.concat([len, td, crc]);
};
const ihdr = Buffer.alloc(13);
ihdr.writeUInt32BE(W, 0); ihdr.writeUInt32BE(H, 4); ihdr[8] = 8; ihdr[9] = 6; ihdr[10] = 0; ihdr[11] = 0; ihdr[12] = 0;   // 8-bit RGBA
const png = Buffer.concat([Buffer.from([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]), chunk('IHDR', ihdr),
  chunk('IDAT', zlib.deflateSync(raw, { level: 9 })), chunk('IEND', Buffer.alloc(0))]);
const out = path.join(__dirname, '..', 'media', 'icon.png');
fs.writeFileSync(out, png);
console.log(`${path.relative(process.cwd(), out)}: ${W}x${H}, ${png.length} bytes`);
