// The command line: inspect and quantize through the same wasm core.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { deflateSync } from 'node:zlib';
import * as ort from 'onnxruntime-node';
// @ts-expect-error plain ESM module of the command line, no types
import { crc32, decodePng, decodePnm, imageToTensor } from '../../bin/calibration-inputs.mjs';

const cli = fileURLToPath(new URL('../../bin/qwasm.mjs', import.meta.url));
const model = fileURLToPath(new URL('../data/models/cnn_bn.onnx', import.meta.url));
const run = (...args: string[]) => spawnSync('node', [cli, ...args], { encoding: 'utf8' });

function writeNpy(path: string, data: Float32Array, shape: number[]): void {
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': (${shape.join(', ')}${shape.length === 1 ? ',' : ''}), }`;
  while ((10 + header.length + 1) % 64 !== 0) header += ' ';
  header += '\n';
  const head = Buffer.alloc(10);
  head.write('\x93NUMPY', 0, 'latin1');
  head[6] = 1;
  head[7] = 0;
  head.writeUInt16LE(header.length, 8);
  writeFileSync(path, Buffer.concat([head, Buffer.from(header, 'latin1'), Buffer.from(data.buffer)]));
}

// A PNG writer for the tests: rows filtered with types 0..4 in turn, so the
// decoder's every filter is exercised.
function encodePng(width: number, height: number, channels: 1 | 2 | 3 | 4, pixels: Uint8Array): Buffer {
  const color = { 1: 0, 2: 4, 3: 2, 4: 6 }[channels];
  const stride = width * channels;
  const raw = Buffer.alloc(height * (stride + 1));
  for (let y = 0; y < height; y++) {
    const f = y % 5;
    raw[y * (stride + 1)] = f;
    for (let i = 0; i < stride; i++) {
      const at = (yy: number, ii: number) => (yy < 0 || ii < 0 ? 0 : pixels[yy * stride + ii]);
      const a = at(y, i - channels), b = at(y - 1, i), c = at(y - 1, i - channels);
      const p = a + b - c, pa = Math.abs(p - a), pb = Math.abs(p - b), pc = Math.abs(p - c);
      const pred = [0, a, b, (a + b) >> 1, pa <= pb && pa <= pc ? a : pb <= pc ? b : c][f];
      raw[y * (stride + 1) + 1 + i] = (pixels[y * stride + i] - pred) & 0xff;
    }
  }
  const chunk = (type: string, body: Buffer) => {
    const head = Buffer.alloc(8);
    head.writeUInt32BE(body.length, 0);
    head.write(type, 4, 'latin1');
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), body])), 0);
    return Buffer.concat([head, body, crc]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8;
  ihdr[9] = color;
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(raw)), chunk('IEND', Buffer.alloc(0))]);
}

describe('calibration images', () => {
  it('PNG decoding round-trips every filter type, gray and RGBA; PGM/PPM too', () => {
    for (const channels of [1, 2, 3, 4] as const) {
      const w = 13, h = 11;
      const px = Uint8Array.from({ length: w * h * channels }, (_, i) => (i * 37 + (i >> 3) * 11) & 0xff);
      const img = decodePng(encodePng(w, h, channels, px));
      expect([img.width, img.height, img.channels]).toEqual([w, h, channels]);
      expect(Buffer.from(img.pixels).equals(Buffer.from(px))).toBe(true);
    }
    const pgm = decodePnm(Buffer.concat([Buffer.from('P5\n# comment\n3 2\n255\n'), Buffer.from([0, 10, 20, 30, 40, 255])]));
    expect(Array.from(pgm.pixels)).toEqual([0, 10, 20, 30, 40, 255]);
  });

  it('resizes by area averaging, converts RGB to luma, normalises', () => {
    // A 2x2-upscaled RGB copy of a gray image averages back to it exactly.
    const g = Uint8Array.from({ length: 28 * 28 }, (_, i) => (i * 7) & 0xff);
    const up = new Uint8Array(56 * 56 * 3);
    for (let y = 0; y < 56; y++) for (let x = 0; x < 56; x++) up.fill(g[(y >> 1) * 28 + (x >> 1)], 3 * (y * 56 + x), 3 * (y * 56 + x) + 3);
    const t = imageToTensor({ width: 56, height: 56, channels: 3, pixels: up }, { channels: 1, height: 28, width: 28 });
    for (let i = 0; i < g.length; i++) expect(t[i]).toBeCloseTo(g[i] / 255, 6);
    const n = imageToTensor({ width: 1, height: 1, channels: 3, pixels: Uint8Array.from([255, 0, 51]) }, { channels: 3, height: 1, width: 1, mean: [0.5], std: [0.5] });
    expect(Array.from(n)).toEqual([1, -1, -0.6000000238418579]);
  });

  it('rejects corrupt PNGs with a message', () => {
    const png = encodePng(4, 4, 1, new Uint8Array(16));
    const bad = Buffer.from(png);
    bad[40] ^= 0xff;
    expect(() => decodePng(bad, 'x.png')).toThrow(/x\.png: chunk .* bad CRC/);
    expect(() => decodePng(png.subarray(0, 30), 'x.png')).toThrow(/runs past the end|no IHDR/);
    expect(() => decodePng(Buffer.from('GIF89a'), 'x.png')).toThrow(/not a PNG/);
  });
});

describe('npx qwasm', () => {
  it('inspect prints the graph and per-layer weight SQNR', () => {
    const r = run('inspect', model);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/9,102 parameters/);
    expect(r.stdout).toMatch(/folded 2 BatchNormalization/);
    expect(r.stdout).toMatch(/MaxPool\s+\/features\/features\.7\/MaxPool\s+\[N, 16, 7, 7\]/);
    expect(r.stdout).toMatch(/\/fc\/Gemm\s+Gemm\s+7840 params\s+\d+\.\d dB/);
  });

  it('quantize --mode static --calib <dir of .npy> writes a QDQ model onnxruntime runs', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'qwasm-cli-'));
    const images = readFileSync(new URL('../data/mnist/test-images.u8', import.meta.url));
    for (let b = 0; b < 2; b++) writeNpy(join(dir, `b${b}.npy`), Float32Array.from(images.subarray(b * 32 * 784, (b + 1) * 32 * 784), (v) => v / 255), [32, 784]);
    const out = join(dir, 'cnn.int8.onnx');
    const r = run('quantize', model, '-o', out, '--mode', 'static', '--calib', dir, '--report', join(dir, 'report.json'));
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/35\.6 KB -> 9\.2 KB/);
    const session = await ort.InferenceSession.create(readFileSync(out));
    const y = await session.run({ input: new ort.Tensor('float32', new Float32Array(784), [1, 784]) });
    expect(y.logits.dims).toEqual([1, 10]);
    expect(JSON.parse(readFileSync(join(dir, 'report.json'), 'utf8')).layers).toHaveLength(3);
  });

  it('--calib <dir of PNG/PGM images> calibrates exactly like the same pixels as .npy', () => {
    const images = readFileSync(new URL('../data/mnist/test-images.u8', import.meta.url));
    const npyDir = mkdtempSync(join(tmpdir(), 'qwasm-cli-npy-'));
    const imgDir = mkdtempSync(join(tmpdir(), 'qwasm-cli-img-'));
    for (let b = 0; b < 2; b++) writeNpy(join(npyDir, `b${b}.npy`), Float32Array.from(images.subarray(b * 32 * 784, (b + 1) * 32 * 784), (v) => v / 255), [32, 784]);
    for (let i = 0; i < 64; i++) {
      const px = images.subarray(i * 784, (i + 1) * 784);
      const name = join(imgDir, `d${String(i).padStart(2, '0')}`);
      if (i % 2) writeFileSync(`${name}.pgm`, Buffer.concat([Buffer.from('P5 28 28 255\n'), px]));
      else writeFileSync(`${name}.png`, encodePng(28, 28, 1, px));
    }
    const a = join(npyDir, 'a.onnx'), b = join(imgDir, 'b.onnx');
    expect(run('quantize', model, '-o', a, '--calib', npyDir).status).toBe(0);
    const r = run('quantize', model, '-o', b, '--calib', imgDir);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(readFileSync(b).equals(readFileSync(a))).toBe(true);
    writeFileSync(join(imgDir, 'd99.png'), 'broken');
    const bad = run('quantize', model, '-o', b, '--calib', imgDir);
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/d99\.png: not a PNG file/);
  });

  it('explains bad usage and bad files instead of crashing', () => {
    const noCalib = run('quantize', model, '-o', join(tmpdir(), 'x.onnx'));
    expect(noCalib.status).toBe(1);
    expect(noCalib.stderr).toMatch(/static mode needs --calib/);
    const dir = mkdtempSync(join(tmpdir(), 'qwasm-cli-'));
    writeFileSync(join(dir, 'bad.onnx'), 'not a model');
    const bad = run('inspect', join(dir, 'bad.onnx'));
    expect(bad.status).toBe(1);
    expect(bad.stderr).toMatch(/byte offset 0/);
    expect(bad.stderr).not.toMatch(/at .*\.js:\d+/);  // no stack trace
    expect(existsSync(join(tmpdir(), 'x.onnx'))).toBe(false);
  });
});
