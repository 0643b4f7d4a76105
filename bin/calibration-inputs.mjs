// Calibration inputs for the command line: float32 .npy batches, or images
// (PNG, binary PGM/PPM) decoded, resized and normalised into the model's
// input layout. Dependency-free: PNG's zlib stream goes through node:zlib.
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { inflateSync } from 'node:zlib';

export class InputError extends Error {}

const IMAGE_EXTENSIONS = new Set(['.png', '.pgm', '.ppm', '.pnm']);

/** float32 little-endian C-order .npy → { data, shape }. */
export function readNpy(path) {
  const buf = readFileSync(path);
  if (buf.subarray(0, 6).toString('latin1') !== '\x93NUMPY') throw new InputError(`${path}: not a .npy file`);
  const major = buf[6];
  const headerLen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  const header = buf.subarray(start, start + headerLen).toString('latin1');
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*True/.test(header);
  const shape = (/'shape':\s*\(([^)]*)\)/.exec(header)?.[1] ?? '').split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  if (descr !== '<f4') throw new InputError(`${path}: dtype ${descr}; qwasm reads float32 ('<f4') .npy files`);
  if (fortran) throw new InputError(`${path}: Fortran-order arrays are not supported`);
  const bytes = buf.length - start - headerLen;
  const count = shape.reduce((a, b) => a * b, 1);
  if (bytes !== count * 4) throw new InputError(`${path}: ${bytes} data bytes do not match shape [${shape}]`);
  const data = new Float32Array(buf.buffer.slice(buf.byteOffset + start + headerLen, buf.byteOffset + buf.length));
  return { data, shape };
}

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

export function crc32(bytes) {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

/**
 * PNG → { width, height, channels, pixels: Uint8Array (row-major, interleaved) }.
 * 8-bit (and 16-bit, reduced to its high byte) gray, gray+alpha, RGB, RGBA
 * and palette images, non-interlaced; chunk CRCs are checked.
 */
export function decodePng(buf, name = 'image') {
  const fail = (msg) => { throw new InputError(`${name}: ${msg}`); };
  const sig = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  if (buf.length < 8 || sig.some((b, i) => buf[i] !== b)) fail('not a PNG file');
  let pos = 8, ihdr = null, palette = null;
  const idat = [];
  while (pos + 12 <= buf.length) {
    const len = buf.readUInt32BE(pos);
    const type = buf.subarray(pos + 4, pos + 8).toString('latin1');
    if (pos + 12 + len > buf.length) fail(`chunk ${type} at byte ${pos} runs past the end of the file`);
    const body = buf.subarray(pos + 8, pos + 8 + len);
    if (crc32(buf.subarray(pos + 4, pos + 8 + len)) !== buf.readUInt32BE(pos + 8 + len)) fail(`chunk ${type} at byte ${pos} has a bad CRC (corrupt file)`);
    if (type === 'IHDR') ihdr = { width: body.readUInt32BE(0), height: body.readUInt32BE(4), depth: body[8], color: body[9], interlace: body[12] };
    else if (type === 'PLTE') palette = body;
    else if (type === 'IDAT') idat.push(body);
    else if (type === 'IEND') break;
    pos += 12 + len;
  }
  if (!ihdr) fail('no IHDR chunk');
  const { width, height, depth, color, interlace } = ihdr;
  if (interlace) fail('interlaced PNGs are not supported');
  const channelsOf = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 }[color];
  if (!channelsOf) fail(`unknown PNG color type ${color}`);
  if (!(depth === 8 || depth === 16)) fail(`bit depth ${depth} is not supported (8 or 16)`);
  if (color === 3 && depth !== 8) fail('palette PNGs must be 8-bit');
  if (color === 3 && !palette) fail('palette PNG without a PLTE chunk');
  if (width < 1 || height < 1 || width * height > 1 << 26) fail(`absurd size ${width}x${height}`);
  let raw;
  try {
    raw = inflateSync(Buffer.concat(idat));
  } catch (e) {
    fail(`image data does not inflate (${e.message})`);
  }
  const bpp = channelsOf * (depth / 8);
  const stride = width * bpp;
  if (raw.length < height * (stride + 1)) fail(`image data is truncated (${raw.length} of ${height * (stride + 1)} bytes)`);
  const out = new Uint8Array(height * stride);
  for (let y = 0; y < height; y++) {
    const filter = raw[y * (stride + 1)];
    const src = raw.subarray(y * (stride + 1) + 1, (y + 1) * (stride + 1));
    const row = out.subarray(y * stride, (y + 1) * stride);
    const prev = y ? out.subarray((y - 1) * stride, y * stride) : null;
    for (let i = 0; i < stride; i++) {
      const a = i >= bpp ? row[i - bpp] : 0, b = prev ? prev[i] : 0, c = prev && i >= bpp ? prev[i - bpp] : 0;
      let v;
      switch (filter) {
        case 0: v = 0; break;
        case 1: v = a; break;
        case 2: v = b; break;
        case 3: v = (a + b) >> 1; break;
        case 4: {
          const p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
          v = pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
          break;
        }
        default: fail(`row ${y} has unknown filter type ${filter}`);
      }
      row[i] = (src[i] + v) & 0xff;
    }
  }
  let pixels = out, channels = channelsOf;
  if (depth === 16) pixels = out.filter((_, i) => i % 2 === 0);  // high byte of each big-endian sample
  if (color === 3) {
    channels = 3;
    pixels = new Uint8Array(width * height * 3);
    for (let i = 0; i < width * height; i++) {
      const k = out[i];
      if (3 * k + 2 >= palette.length) fail(`palette index ${k} out of range`);
      pixels.set(palette.subarray(3 * k, 3 * k + 3), 3 * i);
    }
  }
  return { width, height, channels, pixels };
}

/** Binary PGM (P5) / PPM (P6), maxval ≤ 255. */
export function decodePnm(buf, name = 'image') {
  const fail = (msg) => { throw new InputError(`${name}: ${msg}`); };
  const magic = buf.subarray(0, 2).toString('latin1');
  if (magic !== 'P5' && magic !== 'P6') fail('not a binary PGM/PPM (P5/P6) file');
  const fields = [];
  let pos = 2;
  while (fields.length < 3) {
    while (pos < buf.length && /\s/.test(String.fromCharCode(buf[pos]))) pos++;
    if (buf[pos] === 0x23) { while (pos < buf.length && buf[pos] !== 0x0a) pos++; continue; }  // comment
    let tok = '';
    while (pos < buf.length && /[0-9]/.test(String.fromCharCode(buf[pos]))) tok += String.fromCharCode(buf[pos++]);
    if (!tok) fail('bad header');
    fields.push(Number(tok));
  }
  pos++;  // the single whitespace after maxval
  const [width, height, maxval] = fields;
  if (maxval < 1 || maxval > 255) fail(`maxval ${maxval} is not supported (1..255)`);
  const channels = magic === 'P5' ? 1 : 3;
  const n = width * height * channels;
  if (!(n > 0) || buf.length - pos < n) fail(`pixel data is truncated (${Math.max(0, buf.length - pos)} of ${n} bytes)`);
  const pixels = Uint8Array.from(buf.subarray(pos, pos + n), (v) => (maxval === 255 ? v : Math.round((v * 255) / maxval)));
  return { width, height, channels, pixels };
}

export function decodeImage(path) {
  const buf = readFileSync(path);
  return extname(path).toLowerCase() === '.png' ? decodePng(buf, path) : decodePnm(buf, path);
}

/**
 * An image as a CHW float tensor of `channels` × `height` × `width`: colour
 * converted (RGB → luma with BT.601 weights for 1 channel; gray → RGB by
 * repetition), alpha dropped, resized by averaging the source area each
 * output pixel covers (bilinear when enlarging), scaled to [0, 1], then
 * (x - mean[c]) / std[c].
 */
export function imageToTensor(img, { channels, height, width, mean = [0], std = [1] }) {
  const { width: sw, height: sh, channels: sc, pixels } = img;
  const rgbOf = (i) => (sc >= 3 ? [pixels[i * sc], pixels[i * sc + 1], pixels[i * sc + 2]] : [pixels[i * sc], pixels[i * sc], pixels[i * sc]]);
  const plane = (c) => {
    const p = new Float32Array(sw * sh);
    for (let i = 0; i < sw * sh; i++) {
      const [r, g, b] = rgbOf(i);
      p[i] = channels === 1 ? (sc >= 3 ? 0.299 * r + 0.587 * g + 0.114 * b : r) : [r, g, b][c];
    }
    return p;
  };
  const out = new Float32Array(channels * height * width);
  for (let c = 0; c < channels; c++) {
    const src = plane(c);
    const m = mean[c % mean.length], s = std[c % std.length];
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        out[(c * height + y) * width + x] = (resample(src, sw, sh, x, y, width, height) / 255 - m) / s;
      }
    }
  }
  return out;
}

function resample(src, sw, sh, x, y, w, h) {
  if (sw === w && sh === h) return src[y * sw + x];
  const fx = sw / w, fy = sh / h;
  if (fx >= 1 && fy >= 1) {  // area average over [x*fx, (x+1)*fx) × [y*fy, (y+1)*fy)
    const x0 = x * fx, x1 = x0 + fx, y0 = y * fy, y1 = y0 + fy;
    let acc = 0;
    for (let sy = Math.floor(y0); sy < Math.ceil(y1); sy++) {
      const wy = Math.min(y1, sy + 1) - Math.max(y0, sy);
      for (let sx = Math.floor(x0); sx < Math.ceil(x1); sx++) acc += wy * (Math.min(x1, sx + 1) - Math.max(x0, sx)) * src[sy * sw + sx];
    }
    return acc / (fx * fy);
  }
  const cx = Math.min(Math.max((x + 0.5) * fx - 0.5, 0), sw - 1), cy = Math.min(Math.max((y + 0.5) * fy - 0.5, 0), sh - 1);
  const ix = Math.floor(cx), iy = Math.floor(cy), ax = cx - ix, ay = cy - iy;
  const at = (xx, yy) => src[Math.min(yy, sh - 1) * sw + Math.min(xx, sw - 1)];
  return (1 - ay) * ((1 - ax) * at(ix, iy) + ax * at(ix + 1, iy)) + ay * ((1 - ax) * at(ix, iy + 1) + ax * at(ix + 1, iy + 1));
}

/**
 * Where an image goes in the model input: [N, C, H, W] inputs give C×H×W;
 * [N, F] inputs take a square grayscale image of F pixels (flattened), as
 * MNIST MLPs do. `override` ("C,H,W") wins.
 */
export function imageLayout(inputShape, override) {
  if (override) {
    const [channels, height, width] = override.split(',').map(Number);
    if (![channels, height, width].every((v) => Number.isInteger(v) && v > 0)) throw new InputError(`--image-shape ${override}: expected C,H,W`);
    return { channels, height, width };
  }
  const dims = (inputShape ?? []).map((d) => (typeof d === 'number' && d > 0 ? d : null));
  if (dims.length === 4 && dims.slice(1).every((d) => d)) return { channels: dims[1], height: dims[2], width: dims[3] };
  if (dims.length === 2 && dims[1] && Number.isInteger(Math.sqrt(dims[1]))) return { channels: 1, height: Math.sqrt(dims[1]), width: Math.sqrt(dims[1]) };
  throw new InputError(`cannot tell how images map to an input of shape [${inputShape}]; pass --image-shape C,H,W`);
}

/**
 * Calibration batches from a file or a directory: each .npy file is one
 * batch; images are stacked into batches of `batchSize` in the input's layout.
 */
export function calibrationInputs(path, input, { batchSize = 32, imageShape, mean, std } = {}) {
  if (!path) return [];
  let st;
  try {
    st = statSync(path);
  } catch {
    throw new InputError(`${path}: no such file or directory`);
  }
  const files = st.isDirectory() ? readdirSync(path).sort().map((f) => join(path, f)) : [path];
  const npy = files.filter((f) => extname(f).toLowerCase() === '.npy');
  const images = files.filter((f) => IMAGE_EXTENSIONS.has(extname(f).toLowerCase()));
  if (!npy.length && !images.length) throw new InputError(`${path}: no .npy or image (.png, .pgm, .ppm) files`);
  const batches = npy.map((f) => ({ [input.name]: readNpy(f) }));
  if (images.length) {
    const layout = { ...imageLayout(input.shape, imageShape), mean, std };
    const per = layout.channels * layout.height * layout.width;
    const rank4 = (input.shape ?? []).length === 4 || !!imageShape;
    for (let b = 0; b < images.length; b += batchSize) {
      const chunk = images.slice(b, b + batchSize);
      const data = new Float32Array(chunk.length * per);
      chunk.forEach((f, i) => data.set(imageToTensor(decodeImage(f), layout), i * per));
      const shape = rank4 ? [chunk.length, layout.channels, layout.height, layout.width] : [chunk.length, per];
      batches.push({ [input.name]: { data, shape } });
    }
  }
  return batches;
}
