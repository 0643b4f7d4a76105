/**
 * Tensors: quantize a Float32Array into any format of SPEC §1 and back.
 *
 * ```ts
 * const qt = qw.quantize(weights, { shape: [64, 128], dtype: 'int4', granularity: 'group', groupSize: 32 });
 * qt.data;          // packed codes (Uint8Array)
 * qt.scales;        // Float32Array, row-major [64, 4]
 * qt.dequantize();  // Float32Array
 * qt.dispose();
 * ```
 * @module
 */
import { checked, copyFromHeap, withHeapCopy, type EmbindHandle, type RawCore } from './core.js';
import { QwasmArgumentError, errorFromCore } from './errors.js';
import { WasmObject } from './wasm-object.js';

/** Every format name of SPEC §1. */
export const DTYPES = [
  'int1', 'int2', 'int3', 'int4', 'int5', 'int6', 'int7', 'int8',
  'uint2', 'uint3', 'uint4', 'uint5', 'uint6', 'uint7', 'uint8',
  'fp16', 'bf16', 'fp8-e4m3', 'fp8-e5m2', 'nf4',
] as const;
export type DType = (typeof DTYPES)[number];

/** Options of {@link Qwasm.quantize}. */
export interface QuantizeOptions {
  /** Shape of the tensor; its product must equal the array length. */
  shape: number[];
  dtype: DType;
  /** Default: symmetric for signed and float types, asymmetric for unsigned. */
  scheme?: 'symmetric' | 'asymmetric';
  /** Default `'tensor'` (`nf4`: blocks of `groupSize`, default 64). */
  granularity?: 'tensor' | 'channel' | 'group';
  /** Channel axis (default 0; negative counts from the end). */
  axis?: number;
  /** Group size along the last axis (default 32; nf4 64). */
  groupSize?: number;
  /** Symmetric: [-(2^(b-1)-1), 2^(b-1)-1] (default true); false gives PyTorch's full range. */
  restrictRange?: boolean;
  /** How each slice's range is chosen (default `'minmax'`). */
  range?: 'minmax' | 'percentile' | 'mse' | 'entropy';
  /** For `range: 'percentile'` (default 99.99). */
  percentile?: number;
  /** Float formats: scale each slice so its absmax maps to the format's max (e.g. fp8 s = amax / 448). */
  scaled?: boolean;
}

/** Error metrics of SPEC §1 (double precision). */
export interface ErrorMetrics {
  mse: number;
  rmse: number;
  maxAbs: number;
  /** 10·log10(Σx² / Σ(x − x')²); Infinity when exact. */
  sqnrDb: number;
  cosine: number;
}

/** Memory a quantized tensor takes, next to float32. */
export interface MemoryAccounting {
  /** Bytes of the packed codes. */
  codeBytes: number;
  /** Bytes of scales (0 for unscaled float formats). */
  scaleBytes: number;
  /** Bytes of zero-points (0 when all are zero). */
  zeroPointBytes: number;
  /** codes + scales + zero-points. */
  totalBytes: number;
  /** totalBytes × 8 / elements. */
  bitsPerElement: number;
  /** float32 bytes / totalBytes. */
  compressionRatio: number;
}

interface RawQuantizedTensor extends EmbindHandle {
  info(): {
    dtype: DType; shape: number[]; scaleShape: number[]; granularity: string; axis: number; groupSize: number;
    scheme: string; byteLength: number; codeBytes: number; zeroPointBytes: number; bitsPerElement: number; elements: number;
  };
  dataPtr(): number;
  dataSize(): number;
  scalesPtr(): number;
  zeroPointsPtr(): number;
  paramCount(): number;
  codesInto(ptr: number): void;
  dequantizeInto(ptr: number): void;
}

interface TensorCore extends RawCore {
  QuantizedTensorHandle: { quantize(ptr: number, length: number, shape: number[], options: object): RawQuantizedTensor | null };
  tensorFakeQuantize(inPtr: number, length: number, shape: number[], options: object, outPtr: number): void;
  tensorMetrics(refPtr: number, approxPtr: number, n: number): ErrorMetrics;
}

/**
 * Runs `fill(ptr)` on `length` fresh elements of wasm memory and copies them
 * into a new JS array once (no copy in: the core writes every element).
 */
function heapOutput<A extends Float32Array | Int32Array>(
  core: RawCore,
  ctor: { new (n: number): A; new (b: ArrayBufferLike, o: number, n: number): A; BYTES_PER_ELEMENT: number },
  length: number,
  fill: (ptr: number) => void,
): A {
  const bytes = length * ctor.BYTES_PER_ELEMENT;
  const ptr = core._malloc(Math.max(bytes, 1));
  if (!ptr) throw errorFromCore('OutOfMemory', `could not allocate ${bytes} bytes in the wasm heap`);
  try {
    fill(ptr);
    const out = new ctor(length);
    // Read the buffer after fill: the heap may have grown meanwhile.
    out.set(new ctor(core.HEAPU8.buffer, ptr, length));
    return out;
  } finally {
    core._free(ptr);
  }
}

function normalize(x: unknown, o: QuantizeOptions) {
  if (!(x instanceof Float32Array)) throw new QwasmArgumentError('x must be a Float32Array');
  if (!o || typeof o !== 'object') throw new QwasmArgumentError('options must be an object with shape and dtype');
  if (!Array.isArray(o.shape) || !o.shape.every((d) => Number.isInteger(d) && d >= 0)) {
    throw new QwasmArgumentError(`shape must be an array of non-negative integers, got ${JSON.stringify(o.shape)}`);
  }
  const count = o.shape.reduce((a, b) => a * b, 1);
  if (count !== x.length) throw new QwasmArgumentError(`shape [${o.shape}] holds ${count} elements but x has ${x.length}`);
  if (!DTYPES.includes(o.dtype)) throw new QwasmArgumentError(`dtype: unknown dtype '${String(o.dtype)}' (valid: ${DTYPES.join(', ')})`);
  const groupSize = o.groupSize ?? (o.dtype === 'nf4' ? 64 : 32);
  if (!Number.isInteger(groupSize) || groupSize < 1) throw new QwasmArgumentError(`groupSize must be an integer >= 1, got ${groupSize}`);
  const axis = o.axis ?? 0;
  if (!Number.isInteger(axis)) throw new QwasmArgumentError(`axis must be an integer, got ${axis}`);
  const percentile = o.percentile ?? 99.99;
  if (!(percentile > 0 && percentile <= 100)) throw new QwasmArgumentError(`percentile must be in (0, 100], got ${percentile}`);
  return {
    dtype: o.dtype,
    scheme: o.scheme ?? (o.dtype.startsWith('uint') ? 'asymmetric' : 'symmetric'),
    granularity: o.granularity ?? (o.dtype === 'nf4' ? 'group' : 'tensor'),
    axis,
    groupSize,
    restrictRange: o.restrictRange ?? true,
    scaled: o.scaled ?? false,
    range: o.range ?? 'minmax',
    percentile,
  };
}

/** A quantized tensor. `data`/`scales`/`zeroPoints` are copies (safe to keep), `views()` zero-copy; free the wasm side with {@link QuantizedTensor.dispose}. */
export class QuantizedTensor extends WasmObject<RawQuantizedTensor> {
  #core: TensorCore;
  readonly dtype: DType;
  readonly shape: number[];
  /** `'tensor'`, `'channel'` or `'group'`. */
  readonly granularity: string;
  /** Channel axis (channel) or last axis (group). */
  readonly axis: number;
  readonly groupSize: number;
  readonly scheme: string;
  /** Shape of `scales` / `zeroPoints`: [1], [channels] or [rows..., groups]. */
  readonly scaleShape: number[];
  #data?: Uint8Array;
  #scales?: Float32Array;
  #zeroPoints?: Int32Array;
  /** Bytes of codes + scales + zero-points. */
  readonly byteLength: number;
  /** Size next to float32. */
  readonly memory: MemoryAccounting;

  /** @internal */
  constructor(core: TensorCore, raw: RawQuantizedTensor) {
    super(raw, 'QuantizedTensor');
    this.#core = core;
    const info = raw.info();
    this.dtype = info.dtype;
    this.shape = info.shape;
    this.granularity = info.granularity;
    this.axis = info.axis;
    this.groupSize = info.groupSize;
    this.scheme = info.scheme;
    this.scaleShape = info.scaleShape;
    this.byteLength = info.byteLength;
    const scaleBytes = info.byteLength - info.codeBytes - info.zeroPointBytes;
    this.memory = {
      codeBytes: info.codeBytes,
      scaleBytes,
      zeroPointBytes: info.byteLength - info.codeBytes - scaleBytes,
      totalBytes: info.byteLength,
      bitsPerElement: info.bitsPerElement,
      compressionRatio: info.byteLength ? (info.elements * 4) / info.byteLength : 1,
    };
  }

  /** Packed codes: sub-byte codes little-endian, element 0 in the low bits; fp16/bf16 as 2 bytes LE. A copy, made on first access (safe to keep after dispose). */
  get data(): Uint8Array {
    return (this.#data ??= copyFromHeap(this.#core, Uint8Array, this.raw.dataPtr(), this.raw.dataSize()));
  }

  /** One scale per slice, row-major in {@link QuantizedTensor.scaleShape}. A copy, made on first access. */
  get scales(): Float32Array {
    return (this.#scales ??= copyFromHeap(this.#core, Float32Array, this.raw.scalesPtr(), this.raw.paramCount()));
  }

  /** One zero-point per slice (0 for symmetric signed types). A copy, made on first access. */
  get zeroPoints(): Int32Array {
    return (this.#zeroPoints ??= copyFromHeap(this.#core, Int32Array, this.raw.zeroPointsPtr(), this.raw.paramCount()));
  }

  /**
   * Zero-copy views of codes, scales and zero-points inside the wasm heap —
   * for reading a large tensor without copying it (e.g. straight into a
   * `Blob` or a WebGPU buffer). The views are valid only until the next call
   * into qwasm (any allocation may grow the heap, which detaches them) or
   * {@link QuantizedTensor.dispose}; call `views()` again rather than keeping
   * them. Use {@link QuantizedTensor.data} etc. for copies that stay valid.
   */
  views(): { data: Uint8Array; scales: Float32Array; zeroPoints: Int32Array } {
    const raw = this.raw;
    const buffer = this.#core.HEAPU8.buffer;
    return {
      data: new Uint8Array(buffer, raw.dataPtr(), raw.dataSize()),
      scales: new Float32Array(buffer, raw.scalesPtr(), raw.paramCount()),
      zeroPoints: new Int32Array(buffer, raw.zeroPointsPtr(), raw.paramCount()),
    };
  }

  #elements(): number {
    return this.shape.reduce((a, b) => a * b, 1);
  }

  #readInto<A extends Float32Array | Int32Array>(ctor: { new (n: number): A; new (b: ArrayBufferLike, o: number, n: number): A; BYTES_PER_ELEMENT: number }, fill: (ptr: number) => void): A {
    return heapOutput(this.#core, ctor, this.#elements(), fill);
  }

  /** One integer per element: the code (signed for signed types), the raw bits for fp16/bf16/fp8, the level for nf4, 0/1 for int1. */
  values(): Int32Array {
    const raw = this.raw;
    return this.#readInto(Int32Array, (ptr) => raw.codesInto(ptr));
  }

  /** x' = (q − z)·s per element (float formats: decoded value × scale). */
  dequantize(): Float32Array {
    const raw = this.raw;
    return this.#readInto(Float32Array, (ptr) => raw.dequantizeInto(ptr));
  }

}

/** @internal */
export function quantize(core: RawCore, x: Float32Array, options: QuantizeOptions): QuantizedTensor {
  const o = normalize(x, options);
  const tc = core as TensorCore;
  const raw = withHeapCopy(core, x, (ptr) => checked(core, () => tc.QuantizedTensorHandle.quantize(ptr, x.length, options.shape, o)));
  if (!raw) throw new QwasmArgumentError('quantize: the core returned no tensor');
  return new QuantizedTensor(tc, raw);
}

/** @internal */
export function fakeQuantize(core: RawCore, x: Float32Array, options: QuantizeOptions): Float32Array {
  const o = normalize(x, options);
  const tc = core as TensorCore;
  return withHeapCopy(core, x, (inPtr) => heapOutput(core, Float32Array, x.length, (outPtr) => {
    checked(core, () => tc.tensorFakeQuantize(inPtr, x.length, options.shape, o, outPtr));
  }));
}

/** @internal */
export function metrics(core: RawCore, reference: Float32Array, approx: Float32Array): ErrorMetrics {
  if (!(reference instanceof Float32Array) || !(approx instanceof Float32Array)) throw new QwasmArgumentError('metrics: reference and approx must be Float32Arrays');
  if (reference.length !== approx.length) throw new QwasmArgumentError(`metrics: lengths differ (${reference.length} vs ${approx.length})`);
  const tc = core as TensorCore;
  return withHeapCopy(core, reference, (a) => withHeapCopy(core, approx, (b) => tc.tensorMetrics(a, b, reference.length)));
}
