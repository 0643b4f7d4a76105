// qw.activations (values inside the graph) and qw.withWeights (a model with
// replaced float32 weights), against the model's own outputs and a matrix
// product computed here.
import { describe, expect, it, beforeAll } from 'vitest';
import { readFileSync } from 'node:fs';
import { init, QwasmArgumentError, type Model, type Qwasm } from 'qwasm';

const modelBytes = (f: string) => readFileSync(new URL(`../data/models/${f}`, import.meta.url));

function digits(count: number): Float32Array {
  const images = readFileSync(new URL('../data/mnist/test-images.u8', import.meta.url));
  return Float32Array.from(images.subarray(0, count * 784), (v) => v / 255);
}

let qw: Qwasm;
let mlp: Model;
let cnn: Model;
const x = digits(5);
const feeds = { input: { data: x, shape: [5, 784] } };

beforeAll(async () => {
  qw = await init();
  mlp = await qw.loadModel(modelBytes('mlp_gelu.onnx'));
  cnn = await qw.loadModel(modelBytes('cnn_bn.onnx'));
});

describe('qw.activations', () => {
  it('returns the graph output exactly as run() does, and the input as fed', () => {
    const a = qw.activations(mlp, feeds, ['logits', 'input']);
    expect(Array.from(a.logits.data as Float32Array)).toEqual(Array.from(mlp.run(feeds).logits.data as Float32Array));
    expect(a.logits.shape).toEqual([5, 10]);
    expect(a.input.data).toEqual(x);
    expect(a.input.dtype).toBe('float32');
  });

  it("gives the first Gemm's output: x · Wᵀ + b", () => {
    const gemm = mlp.summary().nodes!.find((n) => n.op === 'Gemm')!;
    const w = mlp.getTensor(gemm.inputs[1]);
    const b = mlp.getTensor(gemm.inputs[2]).data as Float32Array;
    const [n, k] = w.shape;
    const out = qw.activations(mlp, feeds, [gemm.outputs[0]])[gemm.outputs[0]];
    expect(out.shape).toEqual([5, n]);
    const W = w.data as Float32Array;
    let maxErr = 0;
    for (let r = 0; r < 5; r++) {
      for (let j = 0; j < n; j++) {
        let s = b[j];
        for (let i = 0; i < k; i++) s += x[r * k + i] * W[j * k + i];
        maxErr = Math.max(maxErr, Math.abs(s - (out.data as Float32Array)[r * n + j]));
      }
    }
    expect(maxErr).toBeLessThan(1e-4);
  });

  it('gives 4-D conv activations of the folded CNN (Relu outputs are >= 0)', () => {
    const relu = cnn.summary().nodes!.find((n) => n.op === 'Relu')!;
    const a = qw.activations(cnn, feeds, [relu.outputs[0]])[relu.outputs[0]];
    expect(a.shape.length).toBe(4);
    expect(a.shape[0]).toBe(5);
    const d = a.data as Float32Array;
    expect(d.length).toBe(a.shape.reduce((p, q) => p * q, 1));
    expect(Math.min(...d)).toBe(0);
    expect(Math.max(...d)).toBeGreaterThan(0);
  });

  it('names an unknown value, rejects bad arguments, and keeps working', () => {
    expect(() => qw.activations(mlp, feeds, ['no/such/value'])).toThrow(QwasmArgumentError);
    expect(() => qw.activations(mlp, feeds, ['no/such/value'])).toThrow(/no\/such\/value.*fc1/);
    expect(() => qw.activations(mlp, feeds, [])).toThrow(/names/);
    expect(() => qw.activations(mlp, { input: { data: x, shape: [4, 784] } }, ['logits'])).toThrow(/input/);
    expect(mlp.run(feeds).logits.shape).toEqual([5, 10]);
  });
});

describe('qw.withWeights', () => {
  it('with no replacement runs exactly like the source model', async () => {
    const copy = await qw.withWeights(cnn, {});
    expect(Array.from(copy.run(feeds).logits.data as Float32Array)).toEqual(Array.from(cnn.run(feeds).logits.data as Float32Array));
    copy.dispose();
  });

  it('uses the replaced weights and leaves the source model alone', async () => {
    const gemm = mlp.summary().nodes!.find((n) => n.op === 'Gemm')!;
    const w = mlp.getTensor(gemm.inputs[1]).data as Float32Array;
    const bias = mlp.getTensor(gemm.inputs[2]).data as Float32Array;
    const before = mlp.run(feeds).logits.data as Float32Array;
    const zeroed = await qw.withWeights(mlp, { [gemm.inputs[1]]: new Float32Array(w.length) });
    const out = qw.activations(zeroed, feeds, [gemm.outputs[0]])[gemm.outputs[0]].data as Float32Array;
    for (let r = 0; r < 5; r++) expect(Array.from(out.subarray(r * bias.length, (r + 1) * bias.length))).toEqual(Array.from(bias));
    expect(Array.from(mlp.run(feeds).logits.data as Float32Array)).toEqual(Array.from(before));
    expect(mlp.getTensor(gemm.inputs[1]).data).toEqual(w);
    zeroed.dispose();
  });

  it('fp8-e4m3 weights (fake-quantized) stay close to float32 but differ from it', async () => {
    const weights: Record<string, Float32Array> = {};
    for (const n of mlp.summary().nodes!.filter((n) => n.op === 'Gemm')) {
      const w = mlp.getTensor(n.inputs[1]).data as Float32Array;
      weights[n.inputs[1]] = qw.fakeQuantize(w, { shape: [w.length], dtype: 'fp8-e4m3' });
    }
    const sim = await qw.withWeights(mlp, weights);
    const m = qw.metrics(mlp.run(feeds).logits.data as Float32Array, sim.run(feeds).logits.data as Float32Array);
    expect(m.sqnrDb).toBeGreaterThan(20);
    expect(m.sqnrDb).toBeLessThan(Infinity);
    sim.dispose();
  });

  it('rejects unknown names, wrong sizes and non-float32 arrays, naming them', async () => {
    await expect(qw.withWeights(mlp, { 'nope.weight': new Float32Array(3) })).rejects.toThrow(/no constant tensor named 'nope.weight'/);
    await expect(qw.withWeights(mlp, { 'fc1.weight': new Float32Array(3) })).rejects.toThrow(/'fc1.weight' has 100352 values/);
    await expect(qw.withWeights(mlp, { 'fc1.weight': [1, 2] as unknown as Float32Array })).rejects.toThrow(QwasmArgumentError);
    expect(mlp.run(feeds).logits.shape).toEqual([5, 10]);
  });

  it('does not leak wasm memory', async () => {
    const start = qw.heapStats().allocatedBytes;
    for (let i = 0; i < 3; i++) {
      (await qw.withWeights(cnn, {})).dispose();
      qw.activations(cnn, feeds, ['logits']);
    }
    expect(qw.heapStats().allocatedBytes).toBeLessThanOrEqual(start + 4096);
  });
});
