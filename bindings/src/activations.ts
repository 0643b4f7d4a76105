/**
 * Intermediate activations and weight substitution: what a layer sees while
 * the float32 model runs, and the same model with some weights replaced.
 *
 * ```ts
 * // Values inside the graph, by name (node outputs or graph inputs):
 * const acts = qw.activations(model, { input: { data, shape: [32, 784] } }, ['fc1_out']);
 * acts.fc1_out.data; // Float32Array [32, 128]
 *
 * // The model with dequantized fp8 weights (fake quantization), to measure a
 * // format the QDQ export cannot carry:
 * const w = model.getTensor('fc1.weight').data as Float32Array;
 * const sim = await qw.withWeights(model, { 'fc1.weight': qw.fakeQuantize(w, { shape: [w.length], dtype: 'fp8-e4m3' }) });
 * sim.run(feeds); sim.dispose();
 * ```
 * @module
 */
import { checked, type RawCore } from './core.js';
import { QwasmArgumentError, errorFromCore } from './errors.js';
import { Model, loadModel, stageFeeds, type RawModel, type TensorArray, type TensorValue } from './model.js';

interface ActivationCore extends RawCore {
  modelActivations(model: RawModel, names: string[]): Record<string, { bytes: Uint8Array; shape: number[]; dtype: string }>;
  modelWithConstants(model: RawModel, replacements: Array<{ name: string; ptr: number; length: number }>): Uint8Array;
}

const ARRAYS: Record<string, { new (buffer: ArrayBufferLike, offset?: number, length?: number): TensorArray; BYTES_PER_ELEMENT: number }> = {
  float32: Float32Array, uint8: Uint8Array, int8: Int8Array, uint16: Uint16Array, int16: Int16Array,
  int32: Int32Array, int64: BigInt64Array, bool: Uint8Array, float64: Float64Array,
};

function requireModel(model: unknown, what: string): Model {
  if (!(model instanceof Model)) throw new QwasmArgumentError(`${what}: model must come from qw.loadModel()`);
  if (model.format !== 'onnx') throw new QwasmArgumentError(`${what}: a safetensors file has no graph; load an ONNX model`);
  return model;
}

/** @internal Runs `model` on `feeds` and returns copies of the named values. */
export function captureActivations(core: RawCore, model: Model, feeds: Record<string, TensorValue>, names: string[]): Record<string, TensorValue> {
  const m = requireModel(model, 'activations');
  if (!Array.isArray(names) || names.length === 0 || !names.every((n) => typeof n === 'string')) {
    throw new QwasmArgumentError('activations: names must be a non-empty array of value names');
  }
  const ac = core as ActivationCore;
  const raw = m.raw;
  stageFeeds(core, raw, feeds, 'activations');
  let out: ReturnType<ActivationCore['modelActivations']>;
  try {
    out = checked(core, () => ac.modelActivations(raw, names));
  } finally {
    raw.clearFeeds();
  }
  const result: Record<string, TensorValue> = {};
  for (const name of names) {
    const v = out[name];
    const ctor = ARRAYS[v.dtype];
    const data = ctor ? new ctor(v.bytes.buffer, v.bytes.byteOffset, v.bytes.byteLength / ctor.BYTES_PER_ELEMENT) : v.bytes;
    result[name] = { data, shape: v.shape, dtype: v.dtype };
  }
  return result;
}

/** @internal A new model: `model`'s executed graph with the given float32 constants replaced. */
export function modelWithWeights(core: RawCore, model: Model, weights: Record<string, Float32Array>): Model {
  const m = requireModel(model, 'withWeights');
  if (!weights || typeof weights !== 'object') throw new QwasmArgumentError('withWeights: weights must be an object of Float32Array by tensor name');
  const ac = core as ActivationCore;
  const staged: Array<{ name: string; ptr: number; length: number }> = [];
  try {
    for (const [name, data] of Object.entries(weights)) {
      if (!(data instanceof Float32Array)) throw new QwasmArgumentError(`withWeights: weights['${name}'] must be a Float32Array`);
      const ptr = core._malloc(Math.max(data.byteLength, 1));
      if (!ptr) throw errorFromCore('OutOfMemory', `could not allocate ${data.byteLength} bytes in the wasm heap`);
      staged.push({ name, ptr, length: data.length });
      core.HEAPU8.set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), ptr);
    }
    const bytes = checked(core, () => ac.modelWithConstants(m.raw, staged));
    return loadModel(core, bytes);
  } finally {
    for (const s of staged) core._free(s.ptr);
  }
}
