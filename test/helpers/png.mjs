// A small PNG decoder for the tests (node's zlib, no dependency): 8-bit RGB or RGBA, not interlaced —
// what Chromium's --screenshot writes. Anything else throws (a test then fails, never passes blind).
import zlib from 'node:zlib';

const SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** {width, height, channels, pixels: Uint8Array (row-major, channels bytes per pixel)} */
export function decodePng(buf) {
  if (!buf.subarray(0, 8).equals(SIGNATURE)) throw new Error('not a PNG file');
  let at = 8, width = 0, height = 0, depth = 0, type = -1, interlace = 0;
  const idat = [];
  while (at < buf.length) {
    const len = buf.readUInt32BE(at), kind = buf.toString('latin1', at + 4, at + 8), data = buf.subarray(at + 8, at + 8 + len);
    if (kind === 'IHDR') { width = data.readUInt32BE(0); height = data.readUInt32BE(4); depth = data[8]; type = data[9]; interlace = data[12]; }
    else if (kind === 'IDAT') idat.push(data);
    else if (kind === 'IEND') break;
    at += 12 + len;
  }
  if (depth !== 8 || (type !== 2 && type !== 6) || interlace !== 0) throw new Error(`unsupported PNG: depth ${depth}, colour type ${type}, interlace ${interlace}`);
  const channels = type === 6 ? 4 : 3, stride = width * channels;
  const raw = zlib.inflateSync(Buffer.concat(idat));
  if (raw.length !== height * (stride + 1)) throw new Error(`PNG data is ${raw.length} bytes, expected ${height * (stride + 1)}`);
  const px = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)], src = y * (stride + 1) + 1, row = y * stride, prev = row - stride;
    for (let x = 0; x < stride; x++) {
      const a = x >= channels ? px[row + x - channels] : 0, b = y > 0 ? px[prev + x] : 0, c = x >= channels && y > 0 ? px[prev + x - channels] : 0;
      let v = raw[src + x];
      if (filter === 1) v += a;
      else if (filter === 2) v += b;
      else if (filter === 3) v += (a + b) >> 1;
      else if (filter === 4) { const p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c); v += pa <= pb && pa <= pc ? a : pb <= pc ? b : c; }
      else if (filter !== 0) throw new Error(`bad PNG filter ${filter} on row ${y}`);
      px[row + x] = v & 255;
    }
  }
  return { width, height, channels, pixels: px };
}

/** counts over the picture: distinct colours, pixels unlike `background`, pixels near `colour` */
export function pixelStats(img, { background = [255, 255, 255], colour = null, tolerance = 6 } = {}) {
  const { pixels, channels } = img;
  const colours = new Set();
  let other = 0, near = 0;
  const close = (r, g, b, ref) => Math.abs(r - ref[0]) <= tolerance && Math.abs(g - ref[1]) <= tolerance && Math.abs(b - ref[2]) <= tolerance;
  for (let k = 0; k < pixels.length; k += channels) {
    const r = pixels[k], g = pixels[k + 1], b = pixels[k + 2];
    colours.add((r << 16) | (g << 8) | b);
    if (!close(r, g, b, background) && !close(r, g, b, [255, 255, 255])) other++;
    if (colour && close(r, g, b, colour)) near++;
  }
  return { colours: colours.size, other, near, total: pixels.length / channels };
}
