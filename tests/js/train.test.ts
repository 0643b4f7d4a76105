// Training and QAT through the JS API (wasm): one epoch of the MNIST MLP
// fixture (timed), progress + cancellation (heap flat afterwards), QAT int4
// vs PTQ int4, and exact conversion of QAT models by quantizeModel.
import { describe, expect, it, beforeAll } from 'vitest';
import { readFileSync } from 'node:fs';
import { init, buildModel, QwasmArgumentError, QwasmUnsupportedError, type Qwasm, type Model, type TrainProgress } from 'qwasm';

const dataDir = new URL('../data/', import.meta.url);
const images = readFileSync(new URL('mnist/test-images.u8', dataDir));
const labels = readFileSync(new URL('mnist/test-labels.u8', dataDir));
// Digits 0..999 train, 1000..1999 test.
const trainSet = { inputs: new Uint8Array(images.subarray(0, 1000 * 784)), labels: new Uint8Array(labels.subarray(0, 1000)) };
const testX = Float32Array.from(images.subarray(1000 * 784, 2000 * 784), (v) => v / 255);
const testLabels = labels.subarray(1000, 2000);
const testSet = { inputs: testX, labels: new Uint8Array(testLabels) };

function argmax(d: ArrayLike<number>): number[] {
  const out: number[] = [];
  for (let r = 0; r < d.length / 10; r++) {
    let best = 0;
    for (let c = 1; c < 10; c++) if (d[r * 10 + c] > d[r * 10 + best]) best = c;
    out.push(best);
  }
  return out;
}
const accuracy = (pred: number[]) => pred.filter((p, i) => p === testLabels[i]).length / pred.length;
const maxAbsDiff = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

let qw: Qwasm;
let mlp: Model;
let fp32Accuracy: number;
beforeAll(async () => {
  qw = await init();
  mlp = await qw.loadModel(readFileSync(new URL('models/mlp_gelu.onnx', dataDir)));
  fp32Accuracy = accuracy(argmax(mlp.run({ input: { data: testX, shape: [1000, 784] } }).logits.data as Float32Array));
});

describe('train', () => {
  it('trains the MNIST MLP one epoch with per-batch progress, in bounded time', async () => {
    const seen: TrainProgress[] = [];
    const t0 = performance.now();
    const trained = await qw.train(mlp, { data: trainSet, epochs: 1, batchSize: 50, learningRate: 5e-4, onProgress: (p) => seen.push(p) });
    const ms = performance.now() - t0;
    console.log(`[train] one epoch of 1000 digits (MLP 784-128-64-10, batch 50): ${trained.stats.timeMs.toFixed(0)} ms in the engine, ${ms.toFixed(0)} ms total`);
    expect(seen.length).toBe(20);
    expect(seen.map((p) => p.step)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    expect(seen[19].done).toBe(true);
    expect(trained.history.length).toBe(1);
    expect(trained.stats.steps).toBe(20);
    expect(ms).toBeLessThan(20_000);
    // Fine-tuning the trained fixture keeps it accurate; the exported model runs in the executor.
    const acc = trained.evaluate(testSet).accuracy;
    expect(acc).toBeGreaterThan(fp32Accuracy - 0.03);
    const viaModel = accuracy(argmax(trained.model.run({ input: { data: testX, shape: [1000, 784] } }).logits.data as Float32Array));
    expect(viaModel).toBeCloseTo(acc, 6);
    expect(trained.quantizeOptions).toBeNull();
    trained.dispose();
    expect(trained.disposed).toBe(true);
  });

  it('is deterministic for a seed', async () => {
    const a = await qw.train(mlp, { data: trainSet, epochs: 1, batchSize: 100, seed: 7 });
    const b = await qw.train(mlp, { data: trainSet, epochs: 1, batchSize: 100, seed: 7 });
    const pa = a.predict(testX.subarray(0, 7840), 10);
    expect(pa.length).toBe(100);
    expect(pa).toEqual(b.predict(testX.subarray(0, 7840), 10));
    const c = await qw.train(mlp, { data: trainSet, epochs: 1, batchSize: 100, seed: 8 });
    expect(c.predict(testX.subarray(0, 7840), 10)).not.toEqual(pa);
    c.dispose();
    a.dispose();
    b.dispose();
  });

  it('cancels mid-epoch and frees the engine state', async () => {
    // Warm up allocator pools with one full run, then measure.
    (await qw.train(mlp, { data: trainSet, epochs: 1, batchSize: 100 })).dispose();
    const before = qw.heapStats().allocatedBytes;
    const controller = new AbortController();
    let steps = 0;
    const run = qw.train(mlp, {
      data: trainSet, epochs: 3, batchSize: 20,
      signal: controller.signal,
      onProgress: (p) => { steps = p.step; if (p.step === 5) controller.abort(); },
    });
    const err = await run.then(() => null, (e: Error) => e);
    expect(err?.name).toBe('AbortError');
    expect(steps).toBe(5);
    expect(qw.heapStats().allocatedBytes).toBe(before);
    // An already-aborted signal never starts.
    const early = await qw.train(mlp, { data: trainSet, signal: AbortSignal.abort() }).then(() => null, (e: Error) => e);
    expect(early?.name).toBe('AbortError');
    expect(qw.heapStats().allocatedBytes).toBe(before);
  });

  it('rejects bad input with clear errors and keeps working', async () => {
    await expect(qw.train(mlp, { data: { inputs: new Float32Array(10), labels: [1] } })).rejects.toThrow(QwasmArgumentError);
    await expect(qw.train(mlp, { data: trainSet, optimizer: 'lbfgs' as 'adam' })).rejects.toThrow(/optimizer/);
    await expect(qw.train(mlp, { data: { inputs: new Float32Array(784), labels: [12] } })).rejects.toThrow(/labels\[0\] = 12/);
    await expect(qw.qat(mlp, { data: trainSet, weights: { dtype: 'fp16' } })).rejects.toThrow(/weights.dtype/);
    const transformer = await qw.loadModel(readFileSync(new URL('models/tiny_transformer.onnx', dataDir)));
    await expect(qw.train(transformer, { data: trainSet })).rejects.toThrow(QwasmUnsupportedError);
    await expect(qw.train(transformer, { data: trainSet })).rejects.toThrow(/Trainable ops/);
    transformer.dispose();
    const ok = await qw.train(mlp, { data: trainSet, batchSize: 500 });
    expect(ok.stats.steps).toBe(2);
    ok.dispose();
  });
});

describe('buildModel', () => {
  it('trains a fresh MLP and CNN from scratch', async () => {
    for (const spec of [
      { kind: 'mlp' as const, inputs: 784, hidden: [64], classes: 10, seed: 3 },
      { kind: 'cnn' as const, height: 28, width: 28, channels: [4, 8], classes: 10, seed: 3 },
    ]) {
      const fresh = await qw.loadModel(buildModel(qw, spec));
      expect(fresh.inputs[0].shape).toEqual(['batch', 784]);
      const before = accuracy(argmax(fresh.run({ input: { data: testX, shape: [1000, 784] } }).logits.data as Float32Array));
      const trained = await qw.train(fresh, { data: trainSet, epochs: 3, batchSize: 32, learningRate: 3e-3 });
      const after = trained.evaluate(testSet).accuracy;
      expect(before).toBeLessThan(0.3);
      expect(after).toBeGreaterThan(0.75);
      trained.dispose();
      fresh.dispose();
    }
    expect(() => buildModel(qw, { kind: 'mlp', inputs: 0, hidden: [], classes: 10 })).toThrow(QwasmArgumentError);
  });
});

describe('qat', () => {
  it('int4 per-channel QAT matches or beats int4 PTQ, and quantizeModel converts it exactly', async () => {
    const ptq = await qw.quantizeModel(mlp, { mode: 'weight-only', weights: { dtype: 'int4', granularity: 'channel' } });
    const ptqAcc = accuracy(argmax(ptq.run({ input: { data: testX, shape: [1000, 784] } }).logits.data as Float32Array));
    ptq.dispose();
    const q = await qw.qat(mlp, { data: trainSet, epochs: 2, batchSize: 50, learningRate: 2e-4, weights: { dtype: 'int4', granularity: 'channel' } });
    const fake = q.predict(testX, 1000);
    const qatAcc = accuracy(argmax(fake));
    console.log(`[qat] MLP int4 per-channel weights: fp32 ${(100 * fp32Accuracy).toFixed(2)}%, PTQ ${(100 * ptqAcc).toFixed(2)}%, QAT ${(100 * qatAcc).toFixed(2)}%`);
    expect(qatAcc).toBeGreaterThanOrEqual(ptqAcc - 0.005);
    expect(q.quantizeOptions).toMatchObject({ mode: 'weight-only', weights: { dtype: 'int4', granularity: 'channel' } });
    const converted = await qw.quantizeModel(q.model, q.quantizeOptions!);
    expect(converted.report.layers.every((l) => l.quantized && l.dtype === 'int4')).toBe(true);
    const out = converted.run({ input: { data: testX, shape: [1000, 784] } }).logits.data as Float32Array;
    expect(maxAbsDiff(out, fake)).toBeLessThan(1e-3);
    expect(argmax(out)).toEqual(argmax(fake));
    // The exported QDQ model round-trips through loadModel with the same outputs.
    const reloaded = await qw.loadModel(converted.toONNX());
    expect(maxAbsDiff(reloaded.run({ input: { data: testX, shape: [1000, 784] } }).logits.data as Float32Array, out)).toBe(0);
    reloaded.dispose();
    converted.dispose();
    q.dispose();
  });

  it('int2 QAT with int8 activations converts exactly through the QDQ export', async () => {
    const q = await qw.qat(mlp, {
      data: trainSet, epochs: 1, batchSize: 50, learningRate: 5e-4,
      weights: { dtype: 'int2' }, activations: { dtype: 'uint8', freezeAfter: 10 },
    });
    expect(q.quantizeOptions?.mode).toBe('static');
    const ranges = (q.quantizeOptions as unknown as { activations: { ranges: Record<string, [number, number]> } }).activations.ranges;
    expect(Object.keys(ranges).length).toBe(3);
    const fake = q.predict(testX, 1000);
    const qdq = await qw.loadModel(q.toQuantizedONNX());
    const ops = qdq.summary().ops;
    expect(ops.QuantizeLinear).toBe(3);
    const out = qdq.run({ input: { data: testX, shape: [1000, 784] } }).logits.data as Float32Array;
    expect(maxAbsDiff(out, fake)).toBeLessThan(1e-3);
    expect(argmax(out)).toEqual(argmax(fake));
    qdq.dispose();
    q.dispose();
  });
});
