// Post-training quantization of the MNIST fixtures: accuracy, QDQ export that
// onnxruntime (web and node) runs, report, sensitivity, safetensors export.
import { describe, expect, it, beforeAll } from 'vitest';
import { readFileSync } from 'node:fs';
import * as ortNode from 'onnxruntime-node';
import * as ortWeb from 'onnxruntime-web';
import { init, QwasmArgumentError, QwasmDisposedError, type Qwasm, type Model } from 'qwasm';

ortWeb.env.wasm.numThreads = 1;
const dataDir = new URL('../data/', import.meta.url);
const N = 2000;
const images = readFileSync(new URL('mnist/test-images.u8', dataDir));
const labels = readFileSync(new URL('mnist/test-labels.u8', dataDir));
const x = Float32Array.from(images.subarray(0, N * 784), (v) => v / 255);
// Calibration: 8 batches of 32 digits (the accuracy is measured on all 2000).
const calibration = Array.from({ length: 8 }, (_, b) => ({ input: { data: x.slice(b * 32 * 784, (b + 1) * 32 * 784), shape: [32, 784] } }));

function argmax(d: ArrayLike<number>): number[] {
  const out: number[] = [];
  for (let r = 0; r < d.length / 10; r++) {
    let best = 0;
    for (let c = 1; c < 10; c++) if (d[r * 10 + c] > d[r * 10 + best]) best = c;
    out.push(best);
  }
  return out;
}
const accuracy = (pred: number[]) => (100 * pred.filter((p, i) => p === labels[i]).length) / pred.length;
const agreement = (a: number[], b: number[]) => (100 * a.filter((p, i) => p === b[i]).length) / a.length;

let qw: Qwasm;
const models: Record<string, Model> = {};
const fp32: Record<string, number[]> = {};
beforeAll(async () => {
  qw = await init();
  for (const name of ['mlp_gelu', 'cnn_bn']) {
    models[name] = await qw.loadModel(readFileSync(new URL(`models/${name}.onnx`, dataDir)));
    fp32[name] = argmax(models[name].run({ input: { data: x, shape: [N, 784] } }).logits.data as Float32Array);
  }
});

describe.each(['mlp_gelu', 'cnn_bn'])('%s', (name) => {
  it('static int8: top-1 within 1 point of fp32; the QDQ export agrees with onnxruntime-web on >= 99%', async () => {
    const progress: number[] = [];
    const qm = await qw.quantizeModel(models[name], { mode: 'static', calibration, onProgress: (f) => progress.push(f) });
    const pred = argmax(qm.run({ input: { data: x, shape: [N, 784] } }).logits.data as Float32Array);
    expect(Math.abs(accuracy(pred) - accuracy(fp32[name]))).toBeLessThanOrEqual(1);
    expect(progress.length).toBeGreaterThan(2);
    expect(progress.at(-1)).toBe(1);
    expect(progress.every((f, i) => i === 0 || f >= progress[i - 1])).toBe(true);
    const r = qm.report;
    expect(r.layers.every((l) => l.quantized && l.dtype === 'int8')).toBe(true);
    expect(r.bytesAfter).toBeLessThan(r.bytesBefore * 0.3);
    expect(r.outputSqnrDb).toBeGreaterThan(30);
    expect(Object.keys(r.activationRanges).length).toBeGreaterThan(0);
    for (const l of r.layers) expect(l.weightSqnrDb).toBeGreaterThan(35);
    for (const l of r.layers) expect(l.outputSqnrDb).toBeGreaterThan(20);  // measured on each layer's own output
    // Every quantized layer runs in integers (fused requantize + ReLU).
    expect(r.integerLayers).toBe(r.layers.length);

    const onnx = qm.toONNX();
    const session = await ortWeb.InferenceSession.create(onnx);
    const out = await session.run({ input: new ortWeb.Tensor('float32', x, [N, 784]) });
    expect(agreement(argmax(out.logits.data as Float32Array), pred)).toBeGreaterThanOrEqual(99);
    // Re-importing our own export runs the same numbers.
    const again = await qw.loadModel(onnx);
    expect(again.summary().integerLayers).toBe(r.layers.length);
    expect(again.summary().ops?.QwasmIntegerLayer).toBe(r.layers.length);
    const pred2 = argmax(again.run({ input: { data: x, shape: [N, 784] } }).logits.data as Float32Array);
    expect(agreement(pred2, pred)).toBeGreaterThanOrEqual(99.9);
    again.dispose();
    qm.dispose();
  });

  it('static int8 with reduceRange: onnxruntime-node agrees on >= 99%', async () => {
    const qm = await qw.quantizeModel(models[name], { mode: 'static', weights: { reduceRange: true }, calibration });
    const pred = argmax(qm.run({ input: { data: x, shape: [N, 784] } }).logits.data as Float32Array);
    expect(Math.abs(accuracy(pred) - accuracy(fp32[name]))).toBeLessThanOrEqual(1);
    const session = await ortNode.InferenceSession.create(qm.toONNX());
    const out = await session.run({ input: new ortNode.Tensor('float32', x, [N, 784]) });
    expect(agreement(argmax(out.logits.data as Float32Array), pred)).toBeGreaterThanOrEqual(99);
    qm.dispose();
  });

  it('weight-only int4 (group 32): top-1 within 2 points; opset-21 export runs in onnxruntime-node', async () => {
    const qm = await qw.quantizeModel(models[name], { mode: 'weight-only', weights: { dtype: 'int4', granularity: 'group', groupSize: 32 }, calibration });
    const pred = argmax(qm.run({ input: { data: x, shape: [N, 784] } }).logits.data as Float32Array);
    expect(Math.abs(accuracy(pred) - accuracy(fp32[name]))).toBeLessThanOrEqual(2);
    expect(qm.report.layers.filter((l) => l.quantized).every((l) => l.dtype === 'int4')).toBe(true);
    expect(qm.report.bytesAfter).toBeLessThan(qm.report.bytesBefore * 0.25);
    const session = await ortNode.InferenceSession.create(qm.toONNX(), { graphOptimizationLevel: 'disabled' });
    const out = await session.run({ input: new ortNode.Tensor('float32', x, [N, 784]) });
    expect(agreement(argmax(out.logits.data as Float32Array), pred)).toBeGreaterThanOrEqual(99);
    qm.dispose();
  });

  it('dynamic int8: top-1 within 1 point; export agrees with onnxruntime-web', async () => {
    const qm = await qw.quantizeModel(models[name], { mode: 'dynamic', calibration });
    const pred = argmax(qm.run({ input: { data: x, shape: [N, 784] } }).logits.data as Float32Array);
    expect(Math.abs(accuracy(pred) - accuracy(fp32[name]))).toBeLessThanOrEqual(1);
    expect(qm.report.integerLayers).toBe(qm.report.layers.length);  // per-run quantization fused into the int8 kernels
    const session = await ortWeb.InferenceSession.create(qm.toONNX());
    const out = await session.run({ input: new ortWeb.Tensor('float32', x, [N, 784]) });
    expect(agreement(argmax(out.logits.data as Float32Array), pred)).toBeGreaterThanOrEqual(99);
    qm.dispose();
  });
});

describe('mixed precision, sensitivity, exports, errors', () => {
  it('exclude and overrides keep chosen layers in float32 or another dtype', async () => {
    const layers = (await qw.quantizeModel(models.mlp_gelu, { mode: 'weight-only' })).report.layers.map((l) => l.node);
    expect(layers.length).toBe(3);
    const qm = await qw.quantizeModel(models.mlp_gelu, {
      mode: 'weight-only', weights: { dtype: 'int4', granularity: 'group' }, exclude: [layers[2]], overrides: { [layers[0]]: { dtype: 'int8' } },
    });
    const byNode = Object.fromEntries(qm.report.layers.map((l) => [l.node, l]));
    expect(byNode[layers[0]].dtype).toBe('int8');
    expect(byNode[layers[1]].dtype).toBe('int4');
    expect(byNode[layers[2]]).toMatchObject({ quantized: false, dtype: 'fp32', note: 'excluded' });
    expect(byNode[layers[2]].bytesAfter).toBe(byNode[layers[2]].bytesBefore);
    qm.dispose();
  });

  it('sensitivity ranks every layer, most sensitive first', async () => {
    const ranking = await qw.sensitivity(models.cnn_bn, { mode: 'weight-only', weights: { dtype: 'int4', granularity: 'tensor' }, calibration: calibration.slice(0, 2) });
    expect(ranking.length).toBe(3);
    for (let i = 1; i < ranking.length; i++) expect(ranking[i].outputSqnrDb).toBeGreaterThanOrEqual(ranking[i - 1].outputSqnrDb);
    // Keeping the most sensitive layer in fp32 can only help.
    const all = await qw.quantizeModel(models.cnn_bn, { mode: 'weight-only', weights: { dtype: 'int4', granularity: 'tensor' }, calibration: calibration.slice(0, 2) });
    const kept = await qw.quantizeModel(models.cnn_bn, { mode: 'weight-only', weights: { dtype: 'int4', granularity: 'tensor' }, calibration: calibration.slice(0, 2), exclude: [ranking[0].node] });
    expect(kept.report.outputSqnrDb).toBeGreaterThan(all.report.outputSqnrDb);
    all.dispose();
    kept.dispose();
  });

  it('toSafetensors stores codes, scales and zero-points that reproduce the dequantized weights exactly', async () => {
    const qm = await qw.quantizeModel(models.mlp_gelu, { mode: 'weight-only', weights: { dtype: 'int8', granularity: 'channel' } });
    const st = await qw.loadModel(qm.toSafetensors());
    const onnx = await qw.loadModel(qm.toONNX());  // its DequantizeLinear of weights is constant-folded
    for (const layer of qm.report.layers) {
      const codes = st.getTensor(`${layer.weight}.qweight`);
      const scales = st.getTensor(`${layer.weight}.scales`).data as Float32Array;
      const zps = st.getTensor(`${layer.weight}.zero_points`).data as Int8Array;
      expect(codes.dtype).toBe('int8');
      const deq = onnx.getTensor(`${layer.node}/W_dq`).data as Float32Array;
      const [K, Nn] = codes.shape;  // Gemm weights are [N, K] (transB) -> axis 0
      const axis = K === scales.length ? 0 : 1;
      for (let i = 0; i < deq.length; i++) {
        const ch = axis === 0 ? Math.floor(i / Nn) : i % Nn;
        expect(Math.fround((codes.data[i] as number - zps[ch]) * scales[ch])).toBe(deq[i]);
      }
    }
    st.dispose();
    onnx.dispose();
    qm.dispose();
  });

  it('bad options are rejected with the argument named, and the instance keeps working', async () => {
    const m = models.mlp_gelu;
    await expect(qw.quantizeModel(m, { mode: 'static' })).rejects.toThrow(/calibration/);
    await expect(qw.quantizeModel(m, { mode: 'fast' as never })).rejects.toThrow(/mode: unknown mode 'fast'/);
    await expect(qw.quantizeModel(m, { mode: 'weight-only', weights: { groupSize: 0 } })).rejects.toThrow(QwasmArgumentError);
    await expect(qw.quantizeModel(m, { mode: 'weight-only', weights: { dtype: 'int9' as never } })).rejects.toThrow(/weights.dtype/);
    await expect(qw.quantizeModel(m, { mode: 'static', calibration: [{ image: { data: new Float32Array(784), shape: [1, 784] } }] })).rejects.toThrow(/missing input 'input'/);
    await expect(qw.quantizeModel(m, { mode: 'static', calibration: [{ input: { data: new Float32Array(10), shape: [1, 784] } }] })).rejects.toThrow(/calibration\[0\]/);
    const ok = await qw.quantizeModel(m, { mode: 'static', calibration: calibration.slice(0, 1) });
    expect(ok.run({ input: { data: x.subarray(0, 784), shape: [1, 784] } }).logits.shape).toEqual([1, 10]);
    ok.dispose();
    expect(() => ok.toONNX()).toThrow(QwasmDisposedError);
  });

  it('a quantize/run/dispose loop keeps the wasm heap flat', async () => {
    const one = [calibration[0]];
    const warm = await qw.quantizeModel(models.cnn_bn, { mode: 'static', calibration: one });
    warm.toONNX();
    warm.dispose();
    const before = qw.heapStats().allocatedBytes;
    for (let i = 0; i < 20; i++) {
      const qm = await qw.quantizeModel(models.cnn_bn, { mode: 'static', calibration: one });
      qm.run(calibration[0]);
      qm.toONNX();
      qm.toSafetensors();
      qm.dispose();
    }
    expect(qw.heapStats().allocatedBytes).toBeLessThanOrEqual(before);
  });
});
