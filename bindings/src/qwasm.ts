/**
 * The API object that `init()` resolves to. Each concept lives in its own
 * file (tensor.ts, observer.ts, linear.ts, model.ts …); this class only gives
 * them the loaded core.
 * @module
 */
import type { RawCore } from './core.js';
import { loadModel, type Model } from './model.js';
import { createLinear, type Linear, type LinearOptions } from './linear.js';
import { createObserver, loadObserver, type Observer, type ObserverOptions } from './observer.js';
import { fakeQuantize, metrics, quantize, type ErrorMetrics, type QuantizeOptions, type QuantizedTensor } from './tensor.js';
import { captureActivations, modelWithWeights } from './activations.js';
import type { TensorValue } from './model.js';
import { qat, train, type QatOptions, type TrainedModel, type TrainOptions } from './train.js';
import { analyzeSensitivity, quantizeModel, type LayerSensitivity, type QuantizeModelOptions, type QuantizedModel } from './ptq.js';

/** What this build of the core is. */
export interface BuildInfo {
  /** Package / core version. */
  version: string;
  /** `"wasm32"`. */
  target: string;
  /** True when the wasm SIMD128 kernels are compiled in and running. */
  simd: boolean;
  /** `"wasm-simd128"` or `"wasm-scalar"`. */
  isa: string;
}

/** Heap usage of the wasm instance, for leak checks. */
export interface HeapStats {
  /** Bytes handed out by malloc and not yet freed. */
  allocatedBytes: number;
  /** Total bytes of the wasm linear memory. */
  heapBytes: number;
}

export class Qwasm {
  /** @internal */
  readonly core: RawCore;

  /** @internal Use `init()`. */
  constructor(core: RawCore) {
    this.core = core;
  }

  /** Version and kernel ISA of the loaded core. */
  get buildInfo(): BuildInfo {
    return this.core.buildInfo();
  }

  /**
   * Quantizes a tensor into any format of SPEC §1 (int1..int8, uint2..uint8,
   * fp16, bf16, fp8-e4m3, fp8-e5m2, nf4), per tensor, channel or group.
   * Integer formats reject NaN/Inf naming the first bad index.
   */
  quantize(x: Float32Array, options: QuantizeOptions): QuantizedTensor {
    return quantize(this.core, x, options);
  }

  /** Quantize then dequantize in one call (what a layer sees after quantization). */
  fakeQuantize(x: Float32Array, options: QuantizeOptions): Float32Array {
    return fakeQuantize(this.core, x, options);
  }

  /** mse, rmse, maxAbs, sqnrDb and cosine of `approx` against `reference`. */
  metrics(reference: Float32Array, approx: Float32Array): ErrorMetrics {
    return metrics(this.core, reference, approx);
  }

  /** A linear layer y = x·Wᵀ + b on the SIMD kernels (fp32, int8 dynamic, int4 weight-only). */
  createLinear(weight: Float32Array, options: LinearOptions): Linear {
    return createLinear(this.core, weight, options);
  }

  /** A calibration observer (minmax, moving-average, percentile, mse, entropy). */
  createObserver(options: ObserverOptions): Observer {
    return createObserver(this.core, options);
  }

  /** Restores an observer saved with {@link Observer.save}. */
  loadObserver(bytes: Uint8Array): Observer {
    return loadObserver(this.core, bytes);
  }

  /**
   * Loads an ONNX model (or a safetensors file: tensors, no graph) from its
   * bytes. Corrupt files throw {@link QwasmFormatError} naming the byte
   * offset; unsupported ops throw {@link QwasmUnsupportedError} listing the
   * supported ones.
   */
  async loadModel(bytes: Uint8Array | ArrayBuffer): Promise<Model> {
    return loadModel(this.core, bytes);
  }

  /**
   * Post-training quantization of a loaded ONNX model: `weight-only`,
   * `dynamic` or `static` (calibrated). The result runs here and exports to a
   * standard QDQ ONNX model that onnxruntime runs.
   */
  async quantizeModel(model: Model, options: QuantizeModelOptions): Promise<QuantizedModel> {
    return quantizeModel(this.core, model, options);
  }

  /**
   * Sensitivity analysis: quantizes one layer at a time (with `options`) and
   * ranks layers by the model's output SQNR, most sensitive first. To keep
   * the worst k in float32: `exclude: ranking.slice(0, k).map((l) => l.node)`.
   */
  async sensitivity(model: Model, options: QuantizeModelOptions): Promise<LayerSensitivity[]> {
    return analyzeSensitivity(this.core, model, options);
  }

  /**
   * Runs the float32 model on `feeds` and returns copies of values inside the
   * graph by name (node outputs after constant/BatchNorm folding, as
   * `model.summary().nodes` lists them): what a layer sees, for activation
   * histograms and calibration.
   */
  activations(model: Model, feeds: Record<string, TensorValue>, names: string[]): Record<string, TensorValue> {
    return captureActivations(this.core, model, feeds, names);
  }

  /**
   * A new model: `model` with some float32 weights (names from
   * `model.tensors()`) replaced by same-sized arrays, e.g. dequantized codes
   * of a format the QDQ export cannot carry. Dispose it when done.
   */
  async withWeights(model: Model, weights: Record<string, Float32Array>): Promise<Model> {
    return modelWithWeights(this.core, model, weights);
  }

  /**
   * Trains a loaded float32 ONNX model (Gemm/MatMul, Conv, ReLU, GELU,
   * pooling, Flatten, Add …) with softmax cross-entropy, in chunks that yield
   * to the event loop; `onProgress` after every batch, `signal` cancels
   * between batches. Dispose the result (it owns `result.model`).
   */
  async train(model: Model, options: TrainOptions): Promise<TrainedModel> {
    return train(this.core, model, options);
  }

  /**
   * Quantization-aware training: fake-quantized weights (and optionally
   * activations) with the straight-through estimator. `result.model` and
   * `result.quantizeOptions` convert exactly with quantizeModel (weight-only);
   * `result.toQuantizedONNX()` also applies the frozen activation ranges.
   */
  async qat(model: Model, options: QatOptions): Promise<TrainedModel> {
    return qat(this.core, model, options);
  }

  /** Current wasm heap usage (for leak checks and memory displays). */
  heapStats(): HeapStats {
    const s = this.core.heapStats();
    return { allocatedBytes: s.allocatedBytes, heapBytes: this.core.HEAPU8.buffer.byteLength };
  }
}
