// The command line: inspect and quantize through the same wasm core.
import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as ort from 'onnxruntime-node';

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

describe('npx qwasm', () => {
  it('inspect prints the graph and per-layer weight SQNR', () => {
    const r = run('inspect', model);
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/9,102 parameters/);
    expect(r.stdout).toMatch(/folded 2 BatchNormalization/);
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
