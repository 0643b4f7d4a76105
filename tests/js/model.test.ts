// Models: ONNX / safetensors loading, fp32 and quantized-graph execution
// against onnxruntime-node, accuracy on held-out MNIST, corrupt files.
import { describe, expect, it, beforeAll } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import * as ort from 'onnxruntime-node';
import { init, QwasmFormatError, QwasmUnsupportedError, QwasmArgumentError, QwasmDisposedError, type Qwasm } from 'qwasm';

const dataDir = new URL('../data/', import.meta.url);
const modelPath = (f: string) => new URL(`models/${f}`, dataDir);
const fixtures = readdirSync(new URL('models/', dataDir)).filter((f) => f.endsWith('.onnx')).sort();

function deterministicInput(dtype: string, n: number): Float32Array | Uint8Array {
  if (dtype === 'uint8') return Uint8Array.from({ length: n }, (_, i) => (i * 37 + 11) % 256);
  return Float32Array.from({ length: n }, (_, i) => Math.sin(i * 0.37) * (1 + (i % 7) / 3));
}

function loadMnist(count: number) {
  const images = readFileSync(new URL('mnist/test-images.u8', dataDir));
  const labels = readFileSync(new URL('mnist/test-labels.u8', dataDir));
  const x = new Float32Array(count * 784);
  for (let i = 0; i < x.length; i++) x[i] = images[i] / 255;
  return { x, labels: labels.subarray(0, count), count };
}

function argmaxRows(data: Float32Array, cols: number): number[] {
  const out: number[] = [];
  for (let r = 0; r < data.length / cols; r++) {
    let best = 0;
    for (let c = 1; c < cols; c++) if (data[r * cols + c] > data[r * cols + best]) best = c;
    out.push(best);
  }
  return out;
}

let qw: Qwasm;
beforeAll(async () => { qw = await init(); });

describe('ONNX fixtures match onnxruntime-node', () => {
  it('has the fixtures', () => {
    expect(fixtures).toEqual(expect.arrayContaining(['mlp_gelu.onnx', 'cnn_bn.onnx', 'tiny_transformer.onnx', 'qdq_matmul.onnx',
      'qlinear_matmul.onnx', 'matmul_integer.onnx', 'qlinear_conv.onnx', 'conv_integer.onnx', 'qdq_blocked.onnx']));
  });

  for (const file of fixtures) {
    it(`${file}: outputs within 1e-4 of ORT (batch 3)`, async () => {
      const bytes = readFileSync(modelPath(file));
      const model = await qw.loadModel(bytes);
      // ORT's graph fusions (e.g. DQ+MatMul -> MatMulNBits) approximate; compare with its plain kernels.
      const session = await ort.InferenceSession.create(bytes, { graphOptimizationLevel: 'disabled' });
      const feeds: Record<string, { data: Float32Array | Uint8Array; shape: number[] }> = {};
      const ortFeeds: Record<string, ort.Tensor> = {};
      for (const input of model.inputs) {
        const shape = input.shape!.map((d) => (typeof d === 'number' ? d : 3));
        const data = deterministicInput(input.dtype, shape.reduce((a, b) => a * b, 1));
        feeds[input.name] = { data, shape };
        ortFeeds[input.name] = new ort.Tensor(input.dtype === 'uint8' ? 'uint8' : 'float32', data, shape);
      }
      const ours = model.run(feeds);
      const ref = await session.run(ortFeeds);
      expect(Object.keys(ours).sort()).toEqual(Object.keys(ref).sort());
      for (const [name, value] of Object.entries(ours)) {
        expect(value.shape).toEqual(ref[name].dims.map(Number));
        const r = ref[name].data as ArrayLike<number>;
        let worst = 0;
        for (let i = 0; i < r.length; i++) worst = Math.max(worst, Math.abs(Number(value.data[i]) - Number(r[i])) / Math.max(1, Math.abs(Number(r[i]))));
        expect(worst, `${file}:${name}`).toBeLessThanOrEqual(1e-4);
      }
      model.dispose();
    });
  }
});

describe('fp32 accuracy on 2000 held-out MNIST digits', () => {
  // tests/data/models/README.md records PyTorch's accuracy for the same split.
  const expected: Record<string, number> = Object.fromEntries(
    [...readFileSync(modelPath('README.md'), 'utf8').matchAll(/- (\w+): ([\d.]+)%/g)].map((m) => [m[1], Number(m[2])]));

  for (const name of ['mlp_gelu', 'cnn_bn']) {
    it(`${name} matches PyTorch's accuracy`, async () => {
      const model = await qw.loadModel(readFileSync(modelPath(`${name}.onnx`)));
      const { x, labels, count } = loadMnist(2000);
      const out = model.run({ input: { data: x, shape: [count, 784] } });
      const pred = argmaxRows(out.logits.data as Float32Array, 10);
      const acc = (100 * pred.filter((p, i) => p === labels[i]).length) / count;
      expect(expected[name]).toBeGreaterThan(90);
      expect(Math.abs(acc - expected[name])).toBeLessThanOrEqual(0.1);
      model.dispose();
    });
  }
});

describe('model API', () => {
  it('describes inputs, outputs and a summary with BatchNorm folded', async () => {
    const model = await qw.loadModel(readFileSync(modelPath('cnn_bn.onnx')));
    expect(model.format).toBe('onnx');
    expect(model.inputs).toEqual([{ name: 'input', shape: ['batch', 784], dtype: 'float32' }]);
    expect(model.outputs[0].name).toBe('logits');
    const s = model.summary();
    expect(s.foldedBatchNorms).toBe(2);
    expect(s.ops!.BatchNormalization).toBeUndefined();
    expect(s.ops!.Conv).toBe(2);
    expect(s.parameterCount).toBeGreaterThan(8000);
    // Shapes of every layer output, -1 where the symbolic batch goes.
    const shapeOf = (name: string) => s.nodes!.find((n) => n.name === name)!.outputShapes![0];
    expect(shapeOf('/features/features.0/Conv')).toEqual([-1, 8, 28, 28]);
    expect(shapeOf('/features/features.7/MaxPool')).toEqual([-1, 16, 7, 7]);
    expect(shapeOf('/Flatten')).toEqual([-1, 784]);
    expect(shapeOf('/fc/Gemm')).toEqual([-1, 10]);
    const weight = model.tensors().find((t) => t.shape.length === 4)!;
    const w = model.getTensor(weight.name);
    expect(w.data).toBeInstanceOf(Float32Array);
    expect(w.data.length).toBe(weight.shape.reduce((a, b) => a * b, 1));
    model.dispose();
    expect(model.disposed).toBe(true);
    expect(() => model.run({})).toThrow(QwasmDisposedError);
    model.dispose(); // idempotent
  });

  it('rejects bad feeds with errors naming the input, then still runs', async () => {
    const model = await qw.loadModel(readFileSync(modelPath('mlp_gelu.onnx')));
    expect(() => model.run({})).toThrow(/missing input 'input'/);
    expect(() => model.run({ input: { data: new Float32Array(10), shape: [1, 784] } })).toThrow(QwasmArgumentError);
    expect(() => model.run({ input: { data: new Float32Array(783), shape: [1, 783] } })).toThrow(/dimension 1 must be 784/);
    expect(() => model.run({ input: { data: new Float32Array(784), shape: [1, 784] }, extra: { data: new Float32Array(1), shape: [1] } })).toThrow(/'extra' is not an input/);
    const ok = model.run({ input: { data: new Float32Array(784), shape: [1, 784] } });
    expect(ok.logits.shape).toEqual([1, 10]);
    model.dispose();
  });
});

// Hand-assembled protobuf bytes for targeted corruption.
function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) { out.push((n & 0x7f) | 0x80); n = Math.floor(n / 128); }
  out.push(n);
  return out;
}
function field(num: number, payload: number[]): number[] { return [...varint((num << 3) | 2), ...varint(payload.length), ...payload]; }
function str(s: string): number[] { return [...new TextEncoder().encode(s)]; }

describe('corrupt and unsupported files', () => {
  it('truncation at every 1/16th of each fixture gives a QwasmFormatError, and the instance keeps working', async () => {
    const bytes = readFileSync(modelPath('cnn_bn.onnx'));
    for (let k = 1; k < 16; k++) {
      const cut = bytes.subarray(0, Math.floor((bytes.length * k) / 16));
      await expect(qw.loadModel(cut), `cut at ${k}/16`).rejects.toThrow(QwasmFormatError);
    }
    await expect(qw.loadModel(bytes.subarray(0, 0))).rejects.toThrow(/empty/);
    const model = await qw.loadModel(bytes);
    expect(model.run({ input: { data: new Float32Array(784), shape: [1, 784] } }).logits.shape).toEqual([1, 10]);
    model.dispose();
  });

  it('wrong magic names byte offset 0', async () => {
    await expect(qw.loadModel(new TextEncoder().encode('GIF89a not a model'))).rejects.toThrow(/byte offset 0/);
  });

  it('absurd dimensions and lengths past the end name the offset', async () => {
    // TensorProto with dims [1e12, 1e12] and no data, inside graph.initializer.
    const tensor = [...varint(1 << 3), ...varint(1e12), ...varint(1 << 3), ...varint(1e12), ...varint(2 << 3), 1, ...field(8, str('w'))];
    const graph = field(5, tensor);
    const model = [...varint(1 << 3), 8, ...field(7, graph)];
    await expect(qw.loadModel(Uint8Array.from(model))).rejects.toThrow(QwasmFormatError);
    // A length prefix that points past the end of the file.
    const bad = Uint8Array.from([...varint(1 << 3), 8, ...varint((7 << 3) | 2), ...varint(100000), 1, 2, 3]);
    await expect(qw.loadModel(bad)).rejects.toThrow(/byte offset \d+/);
    // raw_data shorter than the shape needs.
    const t2 = [...varint(1 << 3), 4, ...varint(2 << 3), 1, ...field(8, str('w')), ...field(9, [0, 0, 0, 0])];
    await expect(qw.loadModel(Uint8Array.from([...varint(1 << 3), 8, ...field(7, field(5, t2))]))).rejects.toThrow(/raw_data holds 4 bytes.*needs 16/);
  });

  it('an unsupported op names the op, the node and the supported list', async () => {
    const node = [...field(1, str('x')), ...field(2, str('y')), ...field(3, str('mystery')), ...field(4, str('FancyOp'))];
    const vi = (n: string) => field(1, str(n));
    const graph = [...field(1, node), ...field(2, str('g')), ...field(11, vi('x')), ...field(12, vi('y'))];
    const bytes = Uint8Array.from([...varint(1 << 3), 8, ...field(7, graph), ...field(8, [...varint(2 << 3), 13])]);
    const err = await qw.loadModel(bytes).catch((e) => e);
    expect(err).toBeInstanceOf(QwasmUnsupportedError);
    expect(err.message).toMatch(/'FancyOp'.*'mystery'.*Conv.*MatMul/);
  });
});

function safetensorsBytes(entries: Array<{ name: string; dtype: string; shape: number[]; data: Uint8Array }>, headerOverride?: string) {
  let offset = 0;
  const header: Record<string, unknown> = { __metadata__: { format: 'pt' } };
  for (const e of entries) { header[e.name] = { dtype: e.dtype, shape: e.shape, data_offsets: [offset, offset + e.data.length] }; offset += e.data.length; }
  const json = new TextEncoder().encode(headerOverride ?? JSON.stringify(header));
  const out = new Uint8Array(8 + json.length + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(json.length), true);
  out.set(json, 8);
  let p = 8 + json.length;
  for (const e of entries) { out.set(e.data, p); p += e.data.length; }
  return out;
}

describe('safetensors', () => {
  const w = Float32Array.from([1, -2, 3.5, 4, 5, 6]);
  const entries = [
    { name: 'fc.weight', dtype: 'F32', shape: [2, 3], data: new Uint8Array(w.buffer) },
    { name: 'fc.codes', dtype: 'I8', shape: [4], data: Uint8Array.from([1, 255, 3, 128]) },
  ];

  it('lists and returns tensors; run() explains there is no graph', async () => {
    const model = await qw.loadModel(safetensorsBytes(entries));
    expect(model.format).toBe('safetensors');
    expect(model.tensors().map((t) => [t.name, t.dtype, t.shape])).toEqual([['fc.weight', 'float32', [2, 3]], ['fc.codes', 'int8', [4]]]);
    expect(Array.from(model.getTensor('fc.weight').data as Float32Array)).toEqual(Array.from(w));
    expect(Array.from(model.getTensor('fc.codes').data as Int8Array)).toEqual([1, -1, 3, -128]);
    expect(() => model.run({})).toThrow(/no graph/);
    model.dispose();
  });

  it('rejects offsets past the end and bad headers with the byte offset', async () => {
    const bad = safetensorsBytes(entries, JSON.stringify({ t: { dtype: 'F32', shape: [100], data_offsets: [0, 400] } }));
    await expect(qw.loadModel(bad)).rejects.toThrow(/outside the .* data bytes/);
    const good = safetensorsBytes(entries);
    await expect(qw.loadModel(good.subarray(0, 20))).rejects.toThrow(QwasmFormatError);
    const badJson = safetensorsBytes(entries, '{"t": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]');
    await expect(qw.loadModel(badJson)).rejects.toThrow(/json: .* at byte offset \d+/);
  });
});

describe('memory', () => {
  it('a load/run/dispose loop keeps the wasm heap flat', async () => {
    const bytes = readFileSync(modelPath('mlp_gelu.onnx'));
    const input = { input: { data: new Float32Array(784 * 4).fill(0.5), shape: [4, 784] } };
    const warm = await qw.loadModel(bytes);
    warm.run(input);
    warm.dispose();
    const before = qw.heapStats().allocatedBytes;
    for (let i = 0; i < 100; i++) {
      const m = await qw.loadModel(bytes);
      m.run(input);
      m.dispose();
      await expect(qw.loadModel(bytes.subarray(0, 1000))).rejects.toThrow();
    }
    expect(qw.heapStats().allocatedBytes).toBeLessThanOrEqual(before);
  });
});
