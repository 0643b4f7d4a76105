/**
 * Models: load an ONNX or safetensors file, inspect it, run it.
 *
 * ```ts
 * const model = await qw.loadModel(bytes);
 * model.inputs;  // [{ name: 'input', shape: ['batch', 784], dtype: 'float32' }]
 * const out = model.run({ input: { data: pixels, shape: [1, 784] } });
 * out.logits.data; // Float32Array
 * model.dispose();
 * ```
 * @module
 */
import { checked, copyFromHeap, withHeapCopy, type EmbindHandle, type RawCore } from './core.js';
import { QwasmArgumentError } from './errors.js';
import { WasmObject } from './wasm-object.js';

/** A declared model input or output. Symbolic dimensions are strings (`'batch'`), unknown ones `'?'`. */
export interface TensorInfo {
  name: string;
  /** Declared shape, or `null` when the file does not declare one. */
  shape: Array<number | string> | null;
  /** `'float32'`, `'uint8'`, `'int8'`, `'int32'`, `'int64'`, ... */
  dtype: string;
}

/** Typed arrays the executor accepts and returns. */
export type TensorArray = Float32Array | Uint8Array | Int8Array | Int32Array | BigInt64Array | Uint16Array | Int16Array | Float64Array;

/** A tensor passed to or returned by {@link Model.run}. */
export interface TensorValue<A extends TensorArray = TensorArray> {
  data: A;
  shape: number[];
  /** Set on outputs; inputs infer it from the array type. */
  dtype?: string;
}

/** One node of the executed graph (after constant and BatchNorm folding). */
export interface GraphNode {
  name: string;
  op: string;
  inputs: string[];
  outputs: string[];
  /** Shape of each output, -1 where it follows the batch (absent if it cannot be inferred). */
  outputShapes?: (number[] | null)[];
}

/** What a model is made of. */
export interface ModelSummary {
  format: 'onnx' | 'safetensors';
  /** Op type → count, after folding (ONNX only). */
  ops?: Record<string, number>;
  nodeCount?: number;
  nodes?: GraphNode[];
  parameterCount: number;
  parameterBytes: number;
  foldedNodes?: number;
  foldedBatchNorms?: number;
  /** Conv/Gemm/MatMul of a static QDQ graph fused to run in integers (op `QwasmIntegerLayer`). */
  integerLayers?: number;
  opset?: number;
  producer?: string;
  tensorCount?: number;
}

/** A constant tensor of the model (ONNX initializer or safetensors entry). */
export interface StoredTensorInfo {
  name: string;
  shape: number[];
  dtype: string;
  byteLength: number;
}

/** @internal What model-like handles share for running. */
export interface RunnableHandle {
  clearFeeds(): void;
  setFeed(name: string, ptr: number, shape: number[], elemType: number): void;
  run(): Array<{ name: string; shape: number[]; dtype: string; ptr: number; byteLength: number }>;
  releaseOutputs(): void;
}

/** @internal Copies feeds into the handle (throws naming a bad input). */
export function stageFeeds(core: RawCore, raw: RunnableHandle, feeds: Record<string, TensorValue>, what: string): void {
  if (feeds === null || typeof feeds !== 'object') throw new QwasmArgumentError(`${what}: feeds must be an object of { data, shape } by input name`);
  raw.clearFeeds();
  for (const [name, value] of Object.entries(feeds)) {
    if (!value || !ArrayBuffer.isView(value.data) || !Array.isArray(value.shape)) {
      throw new QwasmArgumentError(`${what}: inputs['${name}'] must be { data: TypedArray, shape: number[] }`);
    }
    const dtype = dtypeOfArray(value.data);
    if (!dtype) throw new QwasmArgumentError(`${what}: inputs['${name}'].data has an unsupported array type`);
    if (!value.shape.every((d) => Number.isInteger(d) && d >= 0)) throw new QwasmArgumentError(`${what}: inputs['${name}'].shape must hold non-negative integers, got [${value.shape}]`);
    const count = value.shape.reduce((a, b) => a * b, 1);
    if (count !== value.data.length) {
      throw new QwasmArgumentError(`${what}: inputs['${name}'] has ${value.data.length} values but shape [${value.shape}] needs ${count}`);
    }
    withHeapCopy(core, value.data as Float32Array, (ptr) => checked(core, () => raw.setFeed(name, ptr, value.shape, ELEM_TYPES[dtype].code)));
  }
}

/** @internal Runs a handle on feeds and copies the outputs out. */
export function runHandle(core: RawCore, raw: RunnableHandle, feeds: Record<string, TensorValue>): Record<string, TensorValue> {
  try {
    stageFeeds(core, raw, feeds, 'run');
    const outs = checked(core, () => raw.run());
    const result: Record<string, TensorValue> = {};
    for (const o of outs) {
      const kind = ELEM_TYPES[o.dtype];
      const data = kind
        ? copyFromHeap(core, kind.ctor, o.ptr, o.byteLength / kind.ctor.BYTES_PER_ELEMENT)
        : copyFromHeap(core, Uint8Array, o.ptr, o.byteLength);
      result[o.name] = { data, shape: o.shape, dtype: o.dtype };
    }
    return result;
  } finally {
    raw.releaseOutputs();
  }
}

/** @internal */
export interface RawModel extends EmbindHandle, RunnableHandle {
  format(): string;
  inputs(): TensorInfo[];
  outputs(): TensorInfo[];
  summary(): ModelSummary;
  tensorList(): StoredTensorInfo[];
  tensorData(name: string): number;
}

interface ModelCore extends RawCore {
  ModelHandle: { load(ptr: number, size: number): RawModel | null };
}

// ONNX TensorProto.DataType numbers.
const ELEM_TYPES: Record<string, { code: number; ctor: { new (b: ArrayBufferLike, o: number, n: number): TensorArray; BYTES_PER_ELEMENT: number } }> = {
  float32: { code: 1, ctor: Float32Array },
  uint8: { code: 2, ctor: Uint8Array },
  int8: { code: 3, ctor: Int8Array },
  uint16: { code: 4, ctor: Uint16Array },
  int16: { code: 5, ctor: Int16Array },
  int32: { code: 6, ctor: Int32Array },
  int64: { code: 7, ctor: BigInt64Array },
  bool: { code: 9, ctor: Uint8Array },
  float64: { code: 11, ctor: Float64Array },
};

function dtypeOfArray(data: unknown): string | undefined {
  if (data instanceof Float32Array) return 'float32';
  if (data instanceof Uint8Array) return 'uint8';
  if (data instanceof Int8Array) return 'int8';
  if (data instanceof Int32Array) return 'int32';
  if (data instanceof BigInt64Array) return 'int64';
  if (data instanceof Uint16Array) return 'uint16';
  if (data instanceof Int16Array) return 'int16';
  if (data instanceof Float64Array) return 'float64';
  return undefined;
}

/** A loaded model. Free it with {@link Model.dispose} (or `using`). */
export class Model extends WasmObject<RawModel> {
  /** @internal */
  readonly core: ModelCore;
  /** `'onnx'` or `'safetensors'`. */
  readonly format: 'onnx' | 'safetensors';
  /** Graph inputs (excluding initializers). Empty for safetensors. */
  readonly inputs: TensorInfo[];
  /** Graph outputs. Empty for safetensors. */
  readonly outputs: TensorInfo[];

  /** @internal Use `qw.loadModel()`. */
  constructor(core: ModelCore, raw: RawModel) {
    super(raw, 'Model');
    this.core = core;
    this.format = raw.format() as 'onnx' | 'safetensors';
    this.inputs = raw.inputs();
    this.outputs = raw.outputs();
  }

  /** Op histogram, node list, parameter count and bytes. */
  summary(): ModelSummary {
    return checked(this.core, () => this.raw.summary());
  }

  /** The model's constant tensors (weights). */
  tensors(): StoredTensorInfo[] {
    return this.raw.tensorList();
  }

  /** A copy of one constant tensor. Throws if there is none of that name. */
  getTensor(name: string): TensorValue {
    const info = this.raw.tensorList().find((t) => t.name === name);
    if (!info) throw new QwasmArgumentError(`getTensor: no tensor named '${name}'`);
    const kind = ELEM_TYPES[info.dtype];
    const ptr = this.raw.tensorData(name);
    if (!kind) return { data: copyFromHeap(this.core, Uint8Array, ptr, info.byteLength), shape: info.shape, dtype: info.dtype };
    const n = info.byteLength / kind.ctor.BYTES_PER_ELEMENT;
    return { data: copyFromHeap(this.core, kind.ctor, ptr, n), shape: info.shape, dtype: info.dtype };
  }

  /**
   * Runs the model. Every input must be given, as `{ data, shape }` with a
   * typed array matching the input's dtype (Float32Array for float32).
   * Returns the outputs by name (copies; safe to keep).
   */
  run(feeds: Record<string, TensorValue>): Record<string, TensorValue> {
    return runHandle(this.core, this.raw, feeds);
  }

}

/** @internal Loads model bytes (ONNX or safetensors, sniffed). */
export function loadModel(core: RawCore, bytes: Uint8Array | ArrayBuffer): Model {
  const view = bytes instanceof ArrayBuffer ? new Uint8Array(bytes) : bytes;
  if (!(view instanceof Uint8Array)) throw new QwasmArgumentError('loadModel: bytes must be a Uint8Array or ArrayBuffer');
  const mc = core as ModelCore;
  const raw = withHeapCopy(core, view, (ptr) => checked(core, () => mc.ModelHandle.load(ptr, view.byteLength)));
  if (!raw) throw new QwasmArgumentError('loadModel: the core returned no model');
  return new Model(mc, raw);
}
