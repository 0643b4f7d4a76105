/**
 * Calibration observers: feed representative batches, get ranges that keep
 * accuracy.
 *
 * ```ts
 * const obs = qw.createObserver({ method: 'entropy', dtype: 'int8' });
 * for (const batch of batches) obs.update(batch, [32, 784]);
 * const { scales, zeroPoints } = obs.qparams();
 * const saved = obs.save();                  // Uint8Array; qw.loadObserver(saved) later
 * ```
 * @module
 */
import { checked, copyFromHeap, withHeapCopy, type EmbindHandle, type RawCore } from './core.js';
import { QwasmArgumentError } from './errors.js';
import { WasmObject } from './wasm-object.js';
import { DTYPES, type DType } from './tensor.js';

/** Options of {@link Qwasm.createObserver}. */
export interface ObserverOptions {
  method: 'minmax' | 'moving-average' | 'percentile' | 'mse' | 'entropy';
  dtype: DType;
  /** Default: symmetric for signed types, asymmetric for unsigned. */
  scheme?: 'symmetric' | 'asymmetric';
  /** `'tensor'` (default) or `'channel'`. */
  granularity?: 'tensor' | 'channel';
  /** Channel axis (default 0; negative counts from the end). */
  axis?: number;
  /** For `percentile` (default 99.99). */
  percentile?: number;
  /** For `moving-average` (default 0.01). */
  averagingConstant?: number;
  /** Symmetric restricted range (default true). */
  restrictRange?: boolean;
  /** Histogram bins over [-limit, limit] (default 4096, i.e. 2048 bins of |x|). */
  bins?: number;
}

/** Quantization parameters, one per channel (or one). */
export interface ObserverQParams {
  scales: Float32Array;
  zeroPoints: Int32Array;
  /** The chosen clipping range per channel. */
  min: Float32Array;
  max: Float32Array;
}

/** Histogram of what an observer saw (percentile, mse, entropy). */
export interface ObserverHistogram {
  /** bins + 1 edges. */
  edges: Float64Array;
  counts: Float64Array;
  total: number;
}

interface RawObserver extends EmbindHandle {
  update(ptr: number, length: number, shape: number[]): void;
  qparams(): { scales: number[]; zeroPoints: number[]; min: number[]; max: number[] };
  histogram(channel: number): { edges: number[]; counts: number[]; total: number };
  merge(other: RawObserver): void;
  save(): number;
  bufferPtr(): number;
  releaseBuffer(): void;
  batches(): number;
  channels(): number;
  hasHistogram(): boolean;
}

interface ObserverCore extends RawCore {
  ObserverHandle: { create(options: object): RawObserver | null; load(ptr: number, size: number): RawObserver | null };
}

const METHODS = ['minmax', 'moving-average', 'percentile', 'mse', 'entropy'];

/** A calibration observer. Free it with {@link Observer.dispose}. */
export class Observer extends WasmObject<RawObserver> {
  #core: ObserverCore;

  /** @internal */
  constructor(core: ObserverCore, raw: RawObserver) {
    super(raw, 'Observer');
    this.#core = core;
  }

  /** Adds a batch. NaN/Inf, empty batches and channel-count changes throw and leave the observer as it was. */
  update(x: Float32Array, shape: number[]): void {
    if (!(x instanceof Float32Array)) throw new QwasmArgumentError('update: x must be a Float32Array');
    if (!Array.isArray(shape) || !shape.every((d) => Number.isInteger(d) && d >= 0)) throw new QwasmArgumentError('update: shape must be an array of non-negative integers');
    const raw = this.raw;
    withHeapCopy(this.#core, x, (ptr) => checked(this.#core, () => raw.update(ptr, x.length, shape)));
  }

  /** Scale and zero-point per channel from the ranges seen so far. */
  qparams(): ObserverQParams {
    const raw = this.raw;
    const q = checked(this.#core, () => raw.qparams());
    return { scales: Float32Array.from(q.scales), zeroPoints: Int32Array.from(q.zeroPoints), min: Float32Array.from(q.min), max: Float32Array.from(q.max) };
  }

  /** The histogram of one channel (percentile, mse and entropy observers keep one). */
  histogram(channel = 0): ObserverHistogram {
    const raw = this.raw;
    if (!raw.hasHistogram()) throw new QwasmArgumentError("histogram: only 'percentile', 'mse' and 'entropy' observers keep a histogram");
    const h = checked(this.#core, () => raw.histogram(channel));
    return { edges: Float64Array.from(h.edges), counts: Float64Array.from(h.counts), total: h.total };
  }

  /** Folds another observer (same method, dtype, scheme, channels) into this one. */
  merge(other: Observer): void {
    if (!(other instanceof Observer)) throw new QwasmArgumentError('merge: other must be an Observer');
    const raw = this.raw;
    checked(this.#core, () => raw.merge(other.raw));
  }

  /** The observer's state as bytes; {@link Qwasm.loadObserver} restores it. */
  save(): Uint8Array {
    const raw = this.raw;
    const size = raw.save();
    try {
      return copyFromHeap(this.#core, Uint8Array, raw.bufferPtr(), size);
    } finally {
      raw.releaseBuffer();
    }
  }

  /** Number of batches seen. */
  get batches(): number {
    return this.raw.batches();
  }

}

/** @internal */
export function createObserver(core: RawCore, options: ObserverOptions): Observer {
  if (!options || typeof options !== 'object') throw new QwasmArgumentError('createObserver: options must be an object with method and dtype');
  if (!METHODS.includes(options.method)) throw new QwasmArgumentError(`method: unknown method '${String(options.method)}' (valid: ${METHODS.join(', ')})`);
  if (!DTYPES.includes(options.dtype)) throw new QwasmArgumentError(`dtype: unknown dtype '${String(options.dtype)}' (valid: ${DTYPES.join(', ')})`);
  const bins = options.bins ?? 4096;
  if (!Number.isInteger(bins) || bins < 16 || bins % 2) throw new QwasmArgumentError(`bins must be an even integer >= 16, got ${bins}`);
  const normalized = {
    method: options.method,
    dtype: options.dtype,
    scheme: options.scheme ?? (options.dtype.startsWith('uint') ? 'asymmetric' : 'symmetric'),
    granularity: options.granularity ?? 'tensor',
    axis: options.axis ?? 0,
    percentile: options.percentile ?? 99.99,
    averagingConstant: options.averagingConstant ?? 0.01,
    restrictRange: options.restrictRange ?? true,
    bins,
  };
  if (!['tensor', 'channel'].includes(normalized.granularity)) throw new QwasmArgumentError(`granularity: observers support 'tensor' and 'channel', got '${normalized.granularity}'`);
  const oc = core as ObserverCore;
  const raw = checked(core, () => oc.ObserverHandle.create(normalized));
  if (!raw) throw new QwasmArgumentError('createObserver: the core returned no observer');
  return new Observer(oc, raw);
}

/** @internal */
export function loadObserver(core: RawCore, bytes: Uint8Array): Observer {
  if (!(bytes instanceof Uint8Array)) throw new QwasmArgumentError('loadObserver: bytes must be a Uint8Array');
  const oc = core as ObserverCore;
  const raw = withHeapCopy(core, bytes, (ptr) => checked(core, () => oc.ObserverHandle.load(ptr, bytes.length)));
  if (!raw) throw new QwasmArgumentError('loadObserver: the core returned no observer');
  return new Observer(oc, raw);
}
