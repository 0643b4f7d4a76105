// Weight-only quantization to a format the core's QDQ export does not carry
// (int2/int3, fp16, bf16, fp8, nf4, ...), measured by simulation: each layer's
// weights are quantized with qw.quantize (so sizes are the real packed sizes)
// and dequantized, and the float32 graph runs on them (qw.withWeights). The
// report has the same form as quantizeModel's. Runs in the worker.
import type { LayerReport, Model, QuantizationReport, QuantizeOptions, Qwasm } from 'qwasm';
import type { ModelInfo, PtqSettings } from './worker-api';

type Feeds = Record<string, { data: Float32Array; shape: number[] }>;

function transpose(x: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(x.length);
  for (let r = 0; r < rows; r++) for (let c = 0; c < cols; c++) out[c * rows + r] = x[r * cols + c];
  return out;
}

/** Tensor options for one layer's weights seen as [outputs, K] (K = the reduction axis). */
function tensorOptions(dtype: PtqSettings['weights']['dtype'], w: PtqSettings['weights'], rows: number, cols: number): QuantizeOptions {
  const shape = [rows, cols];
  if (dtype === 'fp16' || dtype === 'bf16') return { shape, dtype };  // unscaled: the weights as the format stores them
  if (dtype === 'nf4') return { shape, dtype, granularity: 'group', groupSize: w.granularity === 'group' ? w.groupSize : 64 };
  return {
    shape, dtype,
    granularity: w.granularity ?? 'channel',
    axis: 0,
    groupSize: w.groupSize,
    ...(w.scheme ? { scheme: w.scheme } : {}),
    ...(w.restrictRange !== undefined ? { restrictRange: w.restrictRange } : {}),
    ...(dtype.startsWith('fp8') ? { scaled: true } : {}),  // fp8: s = amax / max per slice
  };
}

export async function simulateWeightOnly(
  qw: Qwasm, model: Model, layers: ModelInfo['layers'], options: Omit<PtqSettings, 'calibrationCount'>,
  calibration: Feeds[], onProgress: (fraction: number, message: string) => void,
): Promise<{ model: Model; report: QuantizationReport }> {
  const w = options.weights;
  // Which axis of a 2-D weight is K: the one matching the layer input's last dimension.
  const inputs = calibration.length ? qw.activations(model, calibration[0], [...new Set(layers.map((l) => l.input))]) : {};
  const replaced: Record<string, Float32Array> = {};
  const reports: LayerReport[] = [];
  const bytesBefore = model.summary().parameterBytes;
  let bytesAfter = bytesBefore;
  for (const [i, layer] of layers.entries()) {
    onProgress((0.6 * i) / layers.length, `quantizing ${layer.node}`);
    const fp = model.getTensor(layer.weight).data as Float32Array;
    const base = { node: layer.node, op: layer.op, weight: layer.weight, parameters: fp.length, bytesBefore: fp.byteLength, outputSqnrDb: 0 };
    const override = options.overrides[layer.node] ?? {};
    if (override.skip || options.exclude?.includes(layer.node) || options.exclude?.includes(layer.weight)) {
      reports.push({ ...base, quantized: false, dtype: 'fp32', note: 'kept in float32', weightSqnrDb: Infinity, bytesAfter: fp.byteLength });
      continue;
    }
    const dtype = override.dtype ?? w.dtype;
    const k = inputs[layer.input]?.shape.at(-1);
    const s = layer.shape;
    const transposed = s.length === 2 && (k !== undefined && s[0] === k && s[1] !== k ? true : s[0] === s[1] && layer.op === 'MatMul');
    const rows = transposed ? s[1] : s[0];
    const cols = fp.length / rows;
    const qt = qw.quantize(transposed ? transpose(fp, s[0], s[1]) : fp, tensorOptions(dtype, w, rows, cols));
    let deq: Float32Array;
    let bytes: number;
    let layout: string;
    try {
      deq = qt.dequantize();
      bytes = qt.memory.totalBytes;
      layout = qt.scales.length ? `${qt.granularity}${qt.granularity === 'group' ? ` ${qt.groupSize}` : ''}, ${qt.memory.bitsPerElement.toFixed(2)} bits/weight` : `${qt.memory.bitsPerElement.toFixed(2)} bits/weight`;
    } finally {
      qt.dispose();
    }
    const back = transposed ? transpose(deq, rows, cols) : deq;
    replaced[layer.weight] = back;
    bytesAfter += bytes - fp.byteLength;
    reports.push({ ...base, quantized: true, dtype, note: `simulated (${layout})`, weightSqnrDb: qw.metrics(fp, back).sqnrDb, bytesAfter: bytes });
  }
  onProgress(0.6, 'building the simulated model');
  const sim = await qw.withWeights(model, replaced);
  try {
    // Each layer's output and the model's outputs vs float32, on up to 4 calibration batches.
    const names = [...new Set([...layers.map((l) => l.output), ...model.outputs.map((o) => o.name)])];
    const sums = new Map(names.map((n) => [n, { signal: 0, noise: 0 }]));
    const batches = calibration.slice(0, 4);
    for (const [b, feeds] of batches.entries()) {
      onProgress(0.65 + (0.35 * b) / batches.length, 'comparing with float32');
      const ref = qw.activations(model, feeds, names);
      const got = qw.activations(sim, feeds, names);
      for (const n of names) {
        const x = ref[n].data as Float32Array, y = got[n].data as Float32Array;
        const acc = sums.get(n)!;
        for (let i = 0; i < x.length; i++) { const d = y[i] - x[i]; acc.signal += x[i] * x[i]; acc.noise += d * d; }
      }
    }
    const sqnr = (n: string) => {
      const { signal, noise } = sums.get(n)!;
      return noise === 0 ? Infinity : 10 * Math.log10(signal / noise);
    };
    if (batches.length) for (const r of reports) r.outputSqnrDb = sqnr(layers.find((l) => l.node === r.node)!.output);
    onProgress(1, 'done');
    return {
      model: sim,
      report: { layers: reports, bytesBefore, bytesAfter, outputSqnrDb: batches.length ? sqnr(model.outputs[0].name) : 0, activationRanges: {}, integerLayers: 0 },
    };
  } catch (err) {
    sim.dispose();
    throw err;
  }
}
