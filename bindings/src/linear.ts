/**
 * A quantized linear layer usable on its own: y = x·Wᵀ + b, W is [N, K].
 *
 * ```ts
 * const lin = qw.createLinear(weight, { shape: [N, K], bias, dtype: 'int8' });
 * const y = lin.forward(x, M);   // [M, K] -> [M, N]
 * lin.dispose();
 * ```
 * @module
 */
import { checked, copyFromHeap, withHeapCopy, type EmbindHandle, type RawCore } from './core.js';
import { QwasmArgumentError } from './errors.js';
import { WasmObject } from './wasm-object.js';

/** Options of {@link Qwasm.createLinear}. */
export interface LinearOptions {
  /** [N, K]: N outputs, K inputs. */
  shape: [number, number];
  /** N values. */
  bias?: Float32Array;
  /**
   * `'fp32'`; `'int8'` (per-output-channel weights, activations quantized
   * per row at run time); `'int4'` (per-group symmetric weights along K,
   * zero-point 8 in the stored codes) or `'uint4'` (per-group asymmetric
   * weights: min/max scale and a zero-point in [0, 15] per group), both with
   * activations quantized per row to int8 (weight-only, LLM style).
   */
  dtype: 'fp32' | 'int8' | 'int4' | 'uint4';
  /** int4 / uint4 group size along K (default 32; any value >= 1). */
  groupSize?: number;
}

interface RawLinear extends EmbindHandle {
  forward(x: number, m: number, y: number): void;
  weightBytes(): number;
}

interface LinearCore extends RawCore {
  LinearHandle: { create(w: number, n: number, k: number, bias: number, dtype: string, groupSize: number): RawLinear | null };
}

/** A linear layer held in wasm memory. Free it with {@link Linear.dispose}. */
export class Linear extends WasmObject<RawLinear> {
  #core: LinearCore;
  readonly outFeatures: number;
  readonly inFeatures: number;
  readonly dtype: LinearOptions['dtype'];
  /** Bytes of weights, scales, zero-points and bias held. */
  readonly weightBytes: number;

  /** @internal */
  constructor(core: LinearCore, raw: RawLinear, n: number, k: number, dtype: LinearOptions['dtype']) {
    super(raw, 'Linear');
    this.#core = core;
    this.outFeatures = n;
    this.inFeatures = k;
    this.dtype = dtype;
    this.weightBytes = raw.weightBytes();
  }

  /** x [M, K] → y [M, N]. */
  forward(x: Float32Array, M: number): Float32Array {
    const raw = this.raw;
    if (!(x instanceof Float32Array)) throw new QwasmArgumentError('forward: x must be a Float32Array');
    if (!Number.isInteger(M) || M < 1) throw new QwasmArgumentError(`forward: M must be an integer >= 1, got ${M}`);
    if (x.length !== M * this.inFeatures) throw new QwasmArgumentError(`forward: x has ${x.length} values, [M, K] = [${M}, ${this.inFeatures}] needs ${M * this.inFeatures}`);
    const y = new Float32Array(M * this.outFeatures);
    withHeapCopy(this.#core, x, (xp) => withHeapCopy(this.#core, y, (yp) => {
      checked(this.#core, () => raw.forward(xp, M, yp));
      y.set(copyFromHeap(this.#core, Float32Array, yp, y.length));
    }));
    return y;
  }

}

/** @internal */
export function createLinear(core: RawCore, weight: Float32Array, options: LinearOptions): Linear {
  if (!(weight instanceof Float32Array)) throw new QwasmArgumentError('createLinear: weight must be a Float32Array');
  if (!options || !Array.isArray(options.shape) || options.shape.length !== 2 || !options.shape.every((d) => Number.isInteger(d) && d >= 1)) {
    throw new QwasmArgumentError('shape must be [N, K] with positive integers');
  }
  const [N, K] = options.shape;
  if (weight.length !== N * K) throw new QwasmArgumentError(`weight has ${weight.length} values, shape [${N}, ${K}] needs ${N * K}`);
  if (options.bias !== undefined && (!(options.bias instanceof Float32Array) || options.bias.length !== N)) {
    throw new QwasmArgumentError(`bias must be a Float32Array of ${N} values`);
  }
  if (!['fp32', 'int8', 'int4', 'uint4'].includes(options.dtype)) throw new QwasmArgumentError(`dtype: createLinear supports 'fp32', 'int8', 'int4' and 'uint4', got '${String(options.dtype)}'`);
  const groupSize = options.groupSize ?? 32;
  if (!Number.isInteger(groupSize) || groupSize < 1) throw new QwasmArgumentError(`groupSize must be an integer >= 1, got ${groupSize}`);
  const lc = core as LinearCore;
  const bias = options.bias;
  const raw = withHeapCopy(core, weight, (wp) => bias
    ? withHeapCopy(core, bias, (bp) => checked(core, () => lc.LinearHandle.create(wp, N, K, bp, options.dtype, groupSize)))
    : checked(core, () => lc.LinearHandle.create(wp, N, K, 0, options.dtype, groupSize)));
  if (!raw) throw new QwasmArgumentError('createLinear: the core returned no layer');
  return new Linear(lc, raw, N, K, options.dtype);
}
