// A layer's input activations, as the calibration images produce them in the
// float32 model, with what each calibration method would clip them to: the
// values are captured with qw.activations() and fed to one observer per
// method (the observers static quantization uses). Runs in the worker.
import type { Model, Qwasm } from 'qwasm';
import type { ActivationHistogram, ActivationOptions, ModelInfo } from './worker-api';

export const RANGE_METHODS = ['minmax', 'percentile', 'mse', 'entropy'] as const;

/** `bins` equal bins over the values' [min, max]. */
export function binValues(chunks: ArrayLike<number>[], bins: number): { edges: number[]; counts: number[] } {
  let lo = Infinity, hi = -Infinity;
  for (const c of chunks) for (let i = 0; i < c.length; i++) { const v = c[i]; if (v < lo) lo = v; if (v > hi) hi = v; }
  if (!(lo < hi)) { lo = (Number.isFinite(lo) ? lo : 0) - 1; hi = lo + 2; }
  const counts = new Array<number>(bins).fill(0);
  const k = bins / (hi - lo);
  for (const c of chunks) for (let i = 0; i < c.length; i++) counts[Math.min(bins - 1, Math.floor((c[i] - lo) * k))]++;
  const edges = Array.from({ length: bins + 1 }, (_, i) => lo + ((hi - lo) * i) / bins);
  return { edges, counts };
}

function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

function codeRange(dtype: 'uint8' | 'int8'): [number, number] {
  return dtype === 'uint8' ? [0, 255] : [-127, 127];  // int8 symmetric, restricted range (SPEC §1)
}

export async function activationHistogram(
  qw: Qwasm, model: Model, layer: ModelInfo['layers'][number],
  calibration: Array<Record<string, { data: Float32Array; shape: number[] }>>, options: ActivationOptions, bins: number,
): Promise<ActivationHistogram> {
  const observers = RANGE_METHODS.map((method) => qw.createObserver({ method, dtype: options.dtype, percentile: options.percentile }));
  try {
    const chunks: Float32Array[] = [];
    let images = 0;
    for (const feeds of calibration) {
      const value = qw.activations(model, feeds, [layer.input])[layer.input];
      if (!(value.data instanceof Float32Array)) throw new Error(`The input of ${layer.node} ('${layer.input}') is ${value.dtype}, not float32: no activation histogram.`);
      for (const o of observers) o.update(value.data, value.shape);
      chunks.push(value.data);
      images += value.shape[0] ?? 1;
    }
    if (chunks.length === 0) throw new Error('No calibration images: load the sample test set or your own images.');
    const { edges, counts } = binValues(chunks, bins);
    const [qmin, qmax] = codeRange(options.dtype);
    const clips: Record<string, [number, number]> = {};
    const sqnrDb: Record<string, number> = {};
    let levels: number[] = [];
    RANGE_METHODS.forEach((method, m) => {
      const p = observers[m].qparams();
      const s = p.scales[0], z = p.zeroPoints[0];
      clips[method] = [p.min[0], p.max[0]];
      // SQNR of the captured values after quantize-dequantize with these parameters.
      let signal = 0, noise = 0;
      for (const c of chunks) {
        for (let i = 0; i < c.length; i++) {
          const q = Math.min(qmax, Math.max(qmin, roundHalfEven(c[i] / s) + z));
          const d = (q - z) * s - c[i];
          signal += c[i] * c[i];
          noise += d * d;
        }
      }
      sqnrDb[method] = noise === 0 ? Infinity : 10 * Math.log10(signal / noise);
      if (method === options.gridMethod) levels = Array.from({ length: qmax - qmin + 1 }, (_, i) => (qmin + i - z) * s);
    });
    return {
      node: layer.node, value: layer.input, images, values: chunks.reduce((a, c) => a + c.length, 0),
      dtype: options.dtype, gridMethod: options.gridMethod, edges, counts, levels, clips, sqnrDb,
    };
  } finally {
    for (const o of observers) o.dispose();
  }
}
