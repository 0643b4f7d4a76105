/**
 * Post-training quantization of a whole model, in the browser:
 *
 * ```ts
 * const qm = await qw.quantizeModel(model, {
 *   mode: 'static',                       // 'weight-only' | 'dynamic' | 'static'
 *   calibration: samples,                 // [{ input: { data, shape } }, ...]
 *   onProgress: (f, msg) => bar.value = f,
 * });
 * qm.report.layers;                       // per layer: dtype, SQNR, bytes
 * const onnx = qm.toONNX();               // standard QDQ model, runs in onnxruntime
 * ```
 * @module
 */
import { checked, copyFromHeap, type EmbindHandle, type RawCore } from './core.js';
import { QwasmArgumentError } from './errors.js';
import { WasmObject } from './wasm-object.js';
import { Model, runHandle, stageFeeds, type RawModel, type RunnableHandle, type TensorInfo, type TensorValue } from './model.js';

/** Weight quantization settings (the tensor options of `qw.quantize`). */
export interface PtqWeightOptions {
  /** Weight-only: `'int8'` (default), `'uint8'`, `'int4'`, `'uint4'`. Dynamic and static always use int8. */
  dtype?: 'int8' | 'uint8' | 'int4' | 'uint4';
  /** Default: symmetric for signed types, asymmetric for unsigned. */
  scheme?: 'symmetric' | 'asymmetric';
  /** `'channel'` (default: per output channel), `'tensor'`, or `'group'` (weight-only; blocks along K). */
  granularity?: 'tensor' | 'channel' | 'group';
  /** Block size for `'group'` (default 32). */
  groupSize?: number;
  /** Symmetric restricted range [-(2^(b-1)-1), 2^(b-1)-1] (default true). */
  restrictRange?: boolean;
  /**
   * 7-bit int8 weights ([-63, 63]), as ONNX Runtime's `reduce_range`
   * (default false). Use it when the exported model will run in
   * onnxruntime-node on x86 CPUs without VNNI, whose u8s8 kernels saturate
   * with full-range weights; qwasm itself and onnxruntime-web are exact either way.
   */
  reduceRange?: boolean;
}

/** Activation quantization settings (static mode). */
export interface PtqActivationOptions {
  /** `'uint8'` (default, asymmetric) or `'int8'`. */
  dtype?: 'uint8' | 'int8';
  scheme?: 'symmetric' | 'asymmetric';
  /** How the calibration data's range is chosen (default `'minmax'`). */
  range?: 'minmax' | 'percentile' | 'mse' | 'entropy';
  /** For `range: 'percentile'` (default 99.99). */
  percentile?: number;
}

/** Options of {@link Qwasm.quantizeModel}. */
export interface QuantizeModelOptions {
  mode: 'weight-only' | 'dynamic' | 'static';
  weights?: PtqWeightOptions;
  activations?: PtqActivationOptions;
  /** Sample inputs, keyed by input name. Required for static; used by every mode for the report's output SQNR. */
  calibration?: Array<Record<string, TensorValue>>;
  /** Node or weight names to keep in float32. */
  exclude?: string[];
  /** Per-layer settings by node name (mixed precision). */
  overrides?: Record<string, { skip?: boolean; dtype?: 'int8' | 'uint8' | 'int4' | 'uint4' }>;
  /** Called with a fraction in [0, 1] and what is being done. */
  onProgress?: (fraction: number, message: string) => void;
}

/** One layer of the report. */
export interface LayerReport {
  node: string;
  op: string;
  weight: string;
  quantized: boolean;
  /** Weight format used (`'fp32'` when kept). */
  dtype: string;
  /** Why a layer was kept in float32, or a remark. */
  note: string;
  /** Weights vs their dequantized codes (dB). */
  weightSqnrDb: number;
  /** The layer's output vs float32 on the calibration data (dB; 0 without calibration data). */
  outputSqnrDb: number;
  bytesBefore: number;
  bytesAfter: number;
  parameters: number;
}

/** What quantization did and cost. */
export interface QuantizationReport {
  layers: LayerReport[];
  /** Constant bytes of the float32 and the quantized model. */
  bytesBefore: number;
  bytesAfter: number;
  /** Model outputs vs float32 on the calibration data (dB, Infinity if exact). */
  outputSqnrDb: number;
  /** Static mode: calibrated [lo, hi] per activation. */
  activationRanges: Record<string, [number, number]>;
  /**
   * Conv/Gemm/MatMul layers that run in integers (int8 weights, quantized
   * inputs, fused bias + ReLU + requantization): static int8 models chain them
   * without dequantizing in between.
   */
  integerLayers: number;
}

/** A layer's sensitivity: the model's output SQNR with only that layer quantized. */
export interface LayerSensitivity {
  node: string;
  outputSqnrDb: number;
}

interface RawQuantized extends EmbindHandle, RunnableHandle {
  report(): QuantizationReport;
  inputs(): TensorInfo[];
  outputs(): TensorInfo[];
  toOnnx(): number;
  toSafetensors(): number;
  bufferPtr(): number;
  releaseBuffer(): void;
}

interface PtqCore extends RawCore {
  ptqAddCalibrationSample(model: RawModel): void;
  ptqClearCalibration(model: RawModel): void;
  ptqQuantize(model: RawModel, options: object, progress?: (f: number, m: string) => void): RawQuantized | null;
  ptqSensitivity(model: RawModel, options: object, progress?: (f: number, m: string) => void): LayerSensitivity[];
}

const MODES = ['weight-only', 'dynamic', 'static'];

function normalize(options: QuantizeModelOptions) {
  if (!options || typeof options !== 'object') throw new QwasmArgumentError('quantizeModel: options must be an object with a mode');
  if (!MODES.includes(options.mode)) throw new QwasmArgumentError(`mode: unknown mode '${String(options.mode)}' (valid: ${MODES.join(', ')})`);
  const w = options.weights ?? {};
  const a = options.activations ?? {};
  const weightDtype = w.dtype ?? 'int8';
  const groupSize = w.groupSize ?? 32;
  if (!Number.isInteger(groupSize) || groupSize < 1) throw new QwasmArgumentError(`weights.groupSize must be an integer >= 1, got ${groupSize}`);
  const activationDtype = a.dtype ?? 'uint8';
  const percentile = a.percentile ?? 99.99;
  if (!(percentile > 0 && percentile <= 100)) throw new QwasmArgumentError(`activations.percentile must be in (0, 100], got ${percentile}`);
  if (options.calibration !== undefined && !Array.isArray(options.calibration)) throw new QwasmArgumentError('calibration must be an array of input records');
  if (options.mode === 'static' && !(options.calibration && options.calibration.length > 0)) {
    throw new QwasmArgumentError('calibration: static quantization needs at least one calibration input');
  }
  const overrides: Record<string, { skip: boolean; dtype?: string }> = {};
  for (const [name, ov] of Object.entries(options.overrides ?? {})) overrides[name] = { skip: !!ov.skip, dtype: ov.dtype };
  return {
    mode: options.mode,
    weightDtype,
    weightScheme: w.scheme ?? (weightDtype.startsWith('u') ? 'asymmetric' : 'symmetric'),
    weightGranularity: w.granularity ?? 'channel',
    groupSize,
    restrictRange: w.restrictRange ?? true,
    reduceRange: w.reduceRange ?? false,
    activationDtype,
    activationScheme: a.scheme ?? (activationDtype === 'uint8' ? 'asymmetric' : 'symmetric'),
    activationMethod: a.range ?? 'minmax',
    percentile,
    exclude: [...(options.exclude ?? [])],
    overrides,
  };
}

function stageCalibration(core: PtqCore, raw: RawModel, samples: Array<Record<string, TensorValue>> | undefined): void {
  core.ptqClearCalibration(raw);
  (samples ?? []).forEach((sample, i) => {
    try {
      stageFeeds(core, raw, sample, `calibration[${i}]`);
    } catch (e) {
      raw.clearFeeds();
      core.ptqClearCalibration(raw);
      throw e;
    }
    core.ptqAddCalibrationSample(raw);
  });
}

/** A quantized model: run it, read its report, export it. Free it with {@link QuantizedModel.dispose}. */
export class QuantizedModel extends WasmObject<RawQuantized> {
  #core: PtqCore;
  /** Per-layer report and totals. */
  readonly report: QuantizationReport;
  readonly inputs: TensorInfo[];
  readonly outputs: TensorInfo[];

  /** @internal */
  constructor(core: PtqCore, raw: RawQuantized) {
    super(raw, 'QuantizedModel');
    this.#core = core;
    this.report = raw.report();
    this.inputs = raw.inputs();
    this.outputs = raw.outputs();
  }

  /** Runs the quantized model (same form as {@link Model.run}). */
  run(feeds: Record<string, TensorValue>): Record<string, TensorValue> {
    return runHandle(this.#core, this.raw, feeds);
  }

  #export(size: number): Uint8Array {
    const raw = this.raw;
    try {
      return copyFromHeap(this.#core, Uint8Array, raw.bufferPtr(), size);
    } finally {
      raw.releaseBuffer();
    }
  }

  /** The standard QDQ ONNX model (opset 13, or 21 for int4 / blocked weights). */
  toONNX(): Uint8Array {
    const raw = this.raw;
    return this.#export(checked(this.#core, () => raw.toOnnx()));
  }

  /**
   * Codes, scales and zero-points as safetensors: `<weight>.qweight`,
   * `<weight>.scales`, `<weight>.zero_points`; float tensors under their own
   * names; each quantized weight's layout (dtype, axis, block_size) in the
   * `qwasm.quantization` metadata entry (JSON).
   */
  toSafetensors(): Uint8Array {
    const raw = this.raw;
    return this.#export(checked(this.#core, () => raw.toSafetensors()));
  }

}

/** @internal */
export function quantizeModel(core: RawCore, model: Model, options: QuantizeModelOptions): QuantizedModel {
  if (!(model instanceof Model)) throw new QwasmArgumentError('quantizeModel: model must come from qw.loadModel()');
  const opts = normalize(options);
  const pc = core as PtqCore;
  const raw = model.raw as RawModel;
  stageCalibration(pc, raw, options.calibration);
  const q = checked(core, () => pc.ptqQuantize(raw, opts, options.onProgress));
  if (!q) throw new QwasmArgumentError('quantizeModel: the core returned no model');
  return new QuantizedModel(pc, q);
}

/** @internal */
export function analyzeSensitivity(core: RawCore, model: Model, options: QuantizeModelOptions): LayerSensitivity[] {
  if (!(model instanceof Model)) throw new QwasmArgumentError('sensitivity: model must come from qw.loadModel()');
  const opts = normalize(options);
  if (!(options.calibration && options.calibration.length > 0)) throw new QwasmArgumentError('calibration: sensitivity analysis needs calibration inputs');
  const pc = core as PtqCore;
  const raw = model.raw as RawModel;
  stageCalibration(pc, raw, options.calibration);
  return checked(core, () => pc.ptqSensitivity(raw, opts, options.onProgress));
}
