/**
 * Training and quantization-aware training (QAT) of a loaded ONNX model, in
 * the wasm core (reverse-mode gradients for Gemm/MatMul, Conv, ReLU, GELU,
 * pooling, Flatten/Reshape, Add/Sub/Mul/Div; softmax cross-entropy; SGD with
 * momentum or Adam; seeded, deterministic mini-batches).
 *
 * ```ts
 * const trained = await qw.train(model, { data: { inputs, labels }, epochs: 1,
 *   onProgress: (p) => console.log(p.step, p.loss), signal: controller.signal });
 * const q = await qw.qat(trained.model, { data, epochs: 1, weights: { dtype: 'int4' } });
 * const qm = await qw.quantizeModel(q.model, q.quantizeOptions);   // exact (weight-only QAT)
 * q.evaluate(testSet).accuracy; q.dispose(); trained.dispose();
 * ```
 *
 * Training runs in chunks on the calling thread and yields to the event loop
 * between them (every `yieldEveryMs`), so a Web Worker stays responsive and
 * an `AbortSignal` is honoured between batches: the engine state (data,
 * activations, gradients, optimizer moments) is freed and the promise
 * rejects with the signal's reason.
 * @module
 */
import { checked, copyFromHeap, withHeapCopy, type EmbindHandle, type RawCore } from './core.js';
import { QwasmArgumentError } from './errors.js';
import { loadModel, Model, type RawModel } from './model.js';
import type { QuantizeModelOptions } from './ptq.js';
import { WasmObject } from './wasm-object.js';

/** A labelled data set. */
export interface TrainData {
  /** Samples, row-major, `count × prod(sampleShape)` values. A Uint8Array holds bytes scaled by `inputScale` (images). */
  inputs: Float32Array | Uint8Array;
  /** One class index per sample. */
  labels: Int32Array | Uint8Array | ArrayLike<number>;
  /** Shape of one sample; default: the model input's shape without the batch axis. */
  sampleShape?: number[];
  /** Uint8Array inputs: value = byte × inputScale (default 1/255). */
  inputScale?: number;
}

/** Reported after every batch. Loss and accuracy are running means over the current epoch. */
export interface TrainProgress {
  epoch: number;
  batch: number;
  batchesPerEpoch: number;
  step: number;
  totalSteps: number;
  loss: number;
  accuracy: number;
  batchLoss: number;
  done: boolean;
  /** Milliseconds since training started. */
  elapsedMs: number;
}

export interface TrainOptions {
  data: TrainData;
  /** Default 1. */
  epochs?: number;
  /** Default 64. */
  batchSize?: number;
  /** Default `'adam'`. */
  optimizer?: 'adam' | 'sgd';
  /** Default 1e-3 (Adam) / 1e-2 (SGD). */
  learningRate?: number;
  /** SGD momentum, default 0.9. */
  momentum?: number;
  /** L2 weight decay on weights (not biases), default 0. */
  weightDecay?: number;
  /** Learning-rate schedule, default `'constant'`. */
  schedule?: 'constant' | 'cosine';
  /** Seed of the batch order (deterministic), default 1. */
  seed?: number;
  /** Shuffle each epoch, default true. */
  shuffle?: boolean;
  onProgress?: (progress: TrainProgress) => void;
  /** Cancels between batches; the promise rejects with `signal.reason`. */
  signal?: AbortSignal;
  /** Yield to the event loop at least this often (ms), default 16. */
  yieldEveryMs?: number;
}

/** Weight fake quantization. */
export interface QatWeightOptions {
  /** Any integer dtype of 2..8 bits: `'int8'`, `'int4'`, `'int2'`, `'uint4'`, … */
  dtype: string;
  /** Default `'channel'` (per output channel). */
  granularity?: 'tensor' | 'channel';
  /** Default symmetric for signed, asymmetric for unsigned dtypes. */
  scheme?: 'symmetric' | 'asymmetric';
  /** Default true (int4: [-7, 7]). */
  restrictRange?: boolean;
  /** Learn the weight ranges (LSQ). Not reproduced by quantizeModel's min/max scales. Default false. */
  lsq?: boolean;
}

/** Activation fake quantization (in front of every Gemm/MatMul/Conv input, as static PTQ). */
export interface QatActivationOptions {
  /** Default `'uint8'`; `'int8'` too. Other integer dtypes train but do not convert. */
  dtype?: string;
  scheme?: 'symmetric' | 'asymmetric';
  /** Observer steps before the ranges freeze, default 200. */
  freezeAfter?: number;
  /** Moving-average constant of the observer, default 0.01. */
  averaging?: number;
  /** Learn the ranges after the warm-up (LSQ, parametrised by the range: converts exactly). Default false. */
  lsq?: boolean;
}

export interface QatOptions extends TrainOptions {
  weights: QatWeightOptions;
  /** Quantize activations too (static W·A8 conversion). Default: weights only. */
  activations?: QatActivationOptions;
  /** Node names kept in float. */
  exclude?: string[];
}

export interface Evaluation {
  loss: number;
  accuracy: number;
  correct: number;
  count: number;
}

/** @internal */
interface RawTrainSession extends EmbindHandle {
  setData(xPtr: number, isBytes: boolean, count: number, sampleShape: number[], labelsPtr: number, byteScale: number): void;
  sampleShape(): number[];
  step(maxBatches: number): Array<Omit<TrainProgress, 'elapsedMs'>>;
  cancel(): void;
  evaluate(xPtr: number, isBytes: boolean, count: number, sampleShape: number[], labelsPtr: number, byteScale: number, batchSize: number): Evaluation;
  predict(xPtr: number, count: number): number;
  exportOnnx(): number;
  exportQuantizedOnnx(): number;
  quantizeOptions(): QuantizeModelOptions & { activations?: { ranges: Record<string, [number, number]> } };
  parameterCount(): number;
  bufferPtr(): number;
  releaseBuffer(): void;
}

interface TrainCore extends RawCore {
  TrainSession: { create(model: RawModel, options: object): RawTrainSession | null };
  trainBuildModel(spec: object): Uint8Array | undefined;
}

/** A network to train from scratch: an MLP, or a small CNN (conv3x3 → ReLU → maxpool2 per stage, then a linear layer). */
export type ModelSpec =
  | { kind: 'mlp'; inputs: number; hidden: number[]; classes: number; activation?: 'relu' | 'gelu'; seed?: number }
  | { kind: 'cnn'; height: number; width: number; channels: number[]; classes: number; seed?: number };

/**
 * ONNX bytes of a freshly initialised network (He-normal weights, zero
 * biases, seeded), input `[batch, features]` (the CNN reshapes it to
 * `[batch, 1, height, width]`); load it with `qw.loadModel` and train it.
 */
export function buildModel(qw: { core: RawCore }, spec: ModelSpec): Uint8Array {
  const core = qw.core as TrainCore;
  const full = spec.kind === 'mlp' ? { activation: 'relu', seed: 1, ...spec } : { seed: 1, ...spec };
  const bytes = checked(core, () => core.trainBuildModel(full));
  if (!bytes) throw new QwasmArgumentError('buildModel: the core returned no model');
  return bytes;
}

/**
 * The result of {@link Qwasm.train} / {@link Qwasm.qat}: the trained model
 * (a regular {@link Model}), the training statistics and, for QAT, how to
 * convert it exactly. `dispose()` frees the engine and `model`.
 */
export class TrainedModel extends WasmObject<RawTrainSession> {
  #core: TrainCore;
  /** The trained float32 model (for QAT: the float "latent" weights). Disposed with this object. */
  readonly model: Model;
  /** Progress at the end of each epoch. */
  readonly history: TrainProgress[];
  /** Wall-clock training time (ms), batches run and time per epoch. */
  readonly stats: { timeMs: number; steps: number; epochs: number; msPerEpoch: number };
  /**
   * QAT: options under which `qw.quantizeModel(this.model, quantizeOptions)`
   * computes the same weight codes and scales (weight-only QAT). With
   * quantized activations they also carry the frozen ranges
   * (`activations.ranges`); {@link toQuantizedONNX} applies them. Null
   * for plain training and for QAT settings quantizeModel cannot reproduce
   * exactly (LSQ weights).
   */
  readonly quantizeOptions: QuantizeModelOptions | null;

  /** @internal */
  constructor(core: TrainCore, raw: RawTrainSession, history: TrainProgress[], stats: TrainedModel['stats'], isQat: boolean) {
    super(raw, 'TrainedModel');
    this.#core = core;
    this.history = history;
    this.stats = stats;
    this.quantizeOptions = null;
    if (isQat) {
      try {
        this.quantizeOptions = checked(core, () => raw.quantizeOptions());
      } catch {
        // Settings quantizeModel cannot reproduce exactly (e.g. LSQ weights): no options.
      }
    }
    this.model = loadModel(core, this.toONNX());
  }

  #export(size: number): Uint8Array {
    const raw = this.raw;
    try {
      return copyFromHeap(this.#core, Uint8Array, raw.bufferPtr(), size);
    } finally {
      raw.releaseBuffer();
    }
  }

  /** The trained float32 model as ONNX (opset 13): Gemm, Conv, … with the trained weights. */
  toONNX(): Uint8Array {
    const raw = this.raw;
    return this.#export(checked(this.#core, () => raw.exportOnnx()));
  }

  /**
   * QAT: the quantized QDQ ONNX model, made by quantizeModel with the
   * QAT's weight settings and frozen activation ranges: its outputs match
   * {@link predict} (the fake-quant model) up to float rounding.
   */
  toQuantizedONNX(): Uint8Array {
    const raw = this.raw;
    return this.#export(checked(this.#core, () => raw.exportQuantizedOnnx()));
  }

  /** Accuracy and loss of the trained network (QAT: with fake quantization) on a data set. */
  evaluate(data: TrainData, batchSize = 256): Evaluation {
    const d = normalizeData(data, this.raw.sampleShape());
    return withData(this.#core, d, (xPtr, labelsPtr) =>
      checked(this.#core, () => this.raw.evaluate(xPtr, d.isBytes, d.count, d.sampleShape, labelsPtr, d.scale, batchSize)));
  }

  /** Logits of the trained network (QAT: the fake-quant network) for `count` float samples. */
  predict(inputs: Float32Array, count: number): Float32Array {
    const raw = this.raw;
    return withHeapCopy(this.#core, inputs, (ptr) => {
      const n = checked(this.#core, () => raw.predict(ptr, count));
      try {
        return copyFromHeap(this.#core, Float32Array, raw.bufferPtr(), n);
      } finally {
        raw.releaseBuffer();
      }
    });
  }

  override dispose(): void {
    if (!this.disposed) this.model.dispose();
    super.dispose();
  }
}

interface NormalizedData {
  inputs: Float32Array | Uint8Array;
  isBytes: boolean;
  labels: Int32Array;
  count: number;
  sampleShape: number[];
  scale: number;
}

function normalizeData(data: TrainData, defaultShape: number[]): NormalizedData {
  if (!data || typeof data !== 'object') throw new QwasmArgumentError('data must be { inputs, labels }');
  const { inputs } = data;
  if (!(inputs instanceof Float32Array) && !(inputs instanceof Uint8Array)) throw new QwasmArgumentError('data.inputs must be a Float32Array or Uint8Array');
  if (!data.labels || typeof (data.labels as ArrayLike<number>).length !== 'number') throw new QwasmArgumentError('data.labels must be an array of class indices');
  const labels = data.labels instanceof Int32Array ? data.labels : Int32Array.from(data.labels as ArrayLike<number>);
  const sampleShape = data.sampleShape ?? defaultShape;
  const per = sampleShape.reduce((a, b) => a * b, 1);
  if (labels.length === 0) throw new QwasmArgumentError('data: no samples');
  if (inputs.length !== labels.length * per) {
    throw new QwasmArgumentError(`data: ${inputs.length} input values for ${labels.length} labels of samples [${sampleShape.join(', ')}] (expected ${labels.length * per})`);
  }
  const scale = data.inputScale ?? 1 / 255;
  return { inputs, isBytes: inputs instanceof Uint8Array, labels, count: labels.length, sampleShape, scale };
}

function withData<T>(core: RawCore, d: NormalizedData, fn: (xPtr: number, labelsPtr: number) => T): T {
  return withHeapCopy(core, d.inputs, (xPtr) => withHeapCopy(core, d.labels, (labelsPtr) => fn(xPtr, labelsPtr)));
}

function positiveInt(v: number | undefined, dflt: number, name: string): number {
  const x = v ?? dflt;
  if (!Number.isInteger(x) || x < 1) throw new QwasmArgumentError(`${name} must be an integer >= 1, got ${x}`);
  return x;
}

function engineOptions(o: TrainOptions, qat: object | null) {
  const optimizer = o.optimizer ?? 'adam';
  if (optimizer !== 'adam' && optimizer !== 'sgd') throw new QwasmArgumentError(`optimizer: unknown optimizer '${String(optimizer)}' (valid: adam, sgd)`);
  const schedule = o.schedule ?? 'constant';
  if (schedule !== 'constant' && schedule !== 'cosine') throw new QwasmArgumentError(`schedule: unknown schedule '${String(schedule)}' (valid: constant, cosine)`);
  const learningRate = o.learningRate ?? (optimizer === 'adam' ? 1e-3 : 1e-2);
  if (!(learningRate > 0)) throw new QwasmArgumentError(`learningRate must be > 0, got ${learningRate}`);
  const seed = o.seed ?? 1;
  if (!Number.isInteger(seed) || seed < 0) throw new QwasmArgumentError(`seed must be a non-negative integer, got ${seed}`);
  return {
    epochs: positiveInt(o.epochs, 1, 'epochs'),
    batchSize: positiveInt(o.batchSize, 64, 'batchSize'),
    optimizer,
    learningRate,
    momentum: o.momentum ?? 0.9,
    weightDecay: o.weightDecay ?? 0,
    cosine: schedule === 'cosine',
    shuffle: o.shuffle ?? true,
    seed,
    qat,
  };
}

function qatConfig(o: QatOptions) {
  if (!o.weights || typeof o.weights.dtype !== 'string') throw new QwasmArgumentError('qat: weights.dtype is required (e.g. { dtype: "int4" })');
  const wd = o.weights.dtype;
  const a = o.activations;
  const ad = a?.dtype ?? 'uint8';
  return {
    weightDtype: wd,
    weightScheme: o.weights.scheme ?? (wd.startsWith('u') ? 'asymmetric' : 'symmetric'),
    weightGranularity: o.weights.granularity ?? 'channel',
    restrictRange: o.weights.restrictRange ?? true,
    weightLsq: o.weights.lsq ?? false,
    quantizeActivations: !!a,
    activationDtype: ad,
    activationScheme: a?.scheme ?? (ad.startsWith('u') ? 'asymmetric' : 'symmetric'),
    freezeAfter: a?.freezeAfter ?? 200,
    averaging: a?.averaging ?? 0.01,
    activationLsq: a?.lsq ?? false,
    exclude: [...(o.exclude ?? [])],
  };
}

/** Resolves on the next turn of the event loop (setImmediate in Node, a MessageChannel in browsers/workers). */
function yieldToEventLoop(): Promise<void> {
  const g = globalThis as { setImmediate?: (cb: () => void) => void };
  if (typeof g.setImmediate === 'function') return new Promise((resolve) => g.setImmediate!(resolve));
  if (typeof MessageChannel !== 'undefined') {
    return new Promise((resolve) => {
      const ch = new MessageChannel();
      ch.port1.onmessage = () => {
        ch.port1.close();
        resolve();
      };
      ch.port2.postMessage(0);
    });
  }
  return new Promise((resolve) => setTimeout(resolve, 0));
}

function abortReason(signal: AbortSignal): unknown {
  return signal.reason ?? new DOMException('training was aborted', 'AbortError');
}

async function run(core: RawCore, model: Model, options: TrainOptions, qat: object | null): Promise<TrainedModel> {
  if (!(model instanceof Model)) throw new QwasmArgumentError('train: model must come from qw.loadModel()');
  if (!options || typeof options !== 'object') throw new QwasmArgumentError('train: options must be an object with data');
  const opts = engineOptions(options, qat);
  const signal = options.signal;
  if (signal?.aborted) throw abortReason(signal);
  const tc = core as TrainCore;
  const raw = checked(core, () => tc.TrainSession.create(model.raw as RawModel, opts));
  if (!raw) throw new QwasmArgumentError('train: the core returned no session');
  let owned: RawTrainSession | null = raw;
  try {
    const d = normalizeData(options.data, raw.sampleShape());
    withData(core, d, (xPtr, labelsPtr) => checked(core, () => raw.setData(xPtr, d.isBytes, d.count, d.sampleShape, labelsPtr, d.scale)));
    const yieldEvery = options.yieldEveryMs ?? 16;
    const history: TrainProgress[] = [];
    const start = performance.now();
    let lastYield = start;
    let last: TrainProgress | null = null;
    while (!last?.done) {
      if (signal?.aborted) throw abortReason(signal);
      const batch = checked(core, () => raw.step(1));
      if (batch.length === 0) break;
      for (const p of batch) {
        last = { ...p, elapsedMs: performance.now() - start };
        if (last.batch === last.batchesPerEpoch) history.push(last);
        options.onProgress?.(last);
      }
      if (performance.now() - lastYield >= yieldEvery) {
        await yieldToEventLoop();
        lastYield = performance.now();
      }
    }
    const timeMs = performance.now() - start;
    const epochs = opts.epochs;
    const result = new TrainedModel(tc, raw, history, { timeMs, steps: last?.step ?? 0, epochs, msPerEpoch: timeMs / epochs }, qat !== null);
    owned = null;
    return result;
  } finally {
    if (owned) {
      owned.cancel();
      owned.delete();
    }
  }
}

/** @internal */
export function train(core: RawCore, model: Model, options: TrainOptions): Promise<TrainedModel> {
  return run(core, model, options, null);
}

/** @internal */
export function qat(core: RawCore, model: Model, options: QatOptions): Promise<TrainedModel> {
  if (!options || typeof options !== 'object') return Promise.reject(new QwasmArgumentError('qat: options must be an object with weights and data'));
  let cfg;
  try {
    cfg = qatConfig(options);
  } catch (e) {
    return Promise.reject(e);
  }
  return run(core, model, options, cfg);
}
