// The contract between the page and the worker that runs the qwasm core.
// Everything heavy happens in the worker; the page only renders.
import type { DType, ErrorMetrics, LayerReport, PtqWeightOptions, QuantizationReport, QuantizeModelOptions, QuantizeOptions } from 'qwasm';

export interface WorkerStatus {
  version: string;
  simd: boolean;
  isa: string;
  loadMs: number;
}

export interface ModelInfo {
  name: string;
  format: 'onnx' | 'safetensors';
  inputs: Array<{ name: string; shape: Array<number | string> | null; dtype: string }>;
  outputs: Array<{ name: string; shape: Array<number | string> | null; dtype: string }>;
  ops: Record<string, number>;
  nodeCount: number;
  parameterCount: number;
  parameterBytes: number;
  /** Weights that can be quantized: name, shape, node. */
  layers: Array<{ node: string; op: string; weight: string; shape: number[]; input: string; output: string }>;
  tensors: Array<{ name: string; shape: number[]; dtype: string; byteLength: number }>;
  /** True when the model takes one [batch, 784] float input (MNIST-style): evaluation and drawing work. */
  mnistCompatible: boolean;
  /** Set when the file is a model qwasm quantized (QDQ ops present). */
  quantizedOps: number;
}

/** What the page asks for; weight formats beyond the exported ones are simulated by the worker. */
export type PtqSettings = Omit<QuantizeModelOptions, 'calibration' | 'onProgress' | 'weights' | 'overrides'> & {
  weights: Omit<PtqWeightOptions, 'dtype'> & { dtype: DType };
  overrides: Record<string, { skip?: boolean; dtype?: DType }>;
  calibrationCount: number;
};

export interface QuantizeResult {
  report: QuantizationReport;
  ms: number;
  /**
   * Set when the core's QDQ export does not carry the chosen weight format:
   * the core's message, and the result is a simulation (weights quantized
   * and dequantized, run in float32; no downloads).
   */
  simulated: string | null;
}

/** Weight formats the core quantizes a model to and exports as QDQ ONNX. */
export const EXPORTABLE_WEIGHT_DTYPES = ['int8', 'uint8', 'int4', 'uint4'] as const;

export interface Evaluation {
  count: number;
  fp32Accuracy: number;
  quantAccuracy: number | null;
  agreement: number | null;
  fp32MsPerImage: number;
  quantMsPerImage: number | null;
}

export interface Prediction {
  fp32: number[];
  quant: number[] | null;
}

export interface Histogram {
  edges: number[];
  counts: number[];
  /** Dequantized levels of the chosen format that fall in the range (for the grid overlay). */
  levels: number[];
  /** Clip thresholds per range method: [lo, hi]. */
  clips: Record<string, [number, number]>;
  sqnrDb: Record<string, number>;
}

/** A layer's input activations over the calibration images, with each range method's clipping. */
export interface ActivationHistogram extends Histogram {
  node: string;
  /** The value histogrammed (the layer's input). */
  value: string;
  /** Calibration images run and values seen. */
  images: number;
  values: number;
  dtype: 'uint8' | 'int8';
  /** The method whose grid is drawn. */
  gridMethod: string;
}

export interface ActivationOptions {
  dtype: 'uint8' | 'int8';
  gridMethod: 'minmax' | 'percentile' | 'mse' | 'entropy';
  percentile: number;
  calibrationCount: number;
}

export interface TensorLabResult {
  scales: number[];
  zeroPoints: number[];
  scaleShape: number[];
  codes: number[];
  dequantized: number[];
  metrics: ErrorMetrics;
  bytes: number;
  bitsPerElement: number;
}

/** Fine-tuning with quantization-aware training (qw.qat) on the first part of the test split. */
export interface QatSettings {
  /** Integer weight dtype of 2..8 bits (int8, int4, int2, uint4, …). */
  dtype: string;
  granularity: 'tensor' | 'channel';
  /** Also fake-quantize activations (uint8, as static quantization). */
  activations: boolean;
  /** Images of the test split used for training (the first ones); the rest evaluate. */
  trainCount: number;
  epochs: number;
  batchSize: number;
  learningRate: number;
}

export interface QatProgress {
  fraction: number;
  epoch: number;
  epochs: number;
  step: number;
  totalSteps: number;
  loss: number;
  accuracy: number;
  elapsedMs: number;
}

export interface QatResult {
  dtype: string;
  granularity: string;
  activations: boolean;
  trainCount: number;
  /** Images evaluated (the test split after the training images). */
  evalCount: number;
  fp32Accuracy: number;
  /** The current PTQ result (same format) on the same images, null if there is none. */
  ptqAccuracy: number | null;
  qatAccuracy: number;
  epochs: number;
  steps: number;
  ms: number;
  msPerEpoch: number;
}

export interface CoreWorkerApi {
  /** QAT of the loaded model; rejects with an AbortError when cancelQat() is called. */
  qat(settings: QatSettings, onProgress: (p: QatProgress) => void): Promise<QatResult>;
  /** Aborts a running qat() between batches (true if one was running). */
  cancelQat(): Promise<boolean>;
  status(): Promise<WorkerStatus>;
  loadModel(bytes: Uint8Array, name: string): Promise<ModelInfo>;
  setTestSet(images: Uint8Array, labels: Uint8Array, count: number): Promise<void>;
  /** Decodes the user's images to 28×28 grayscale (MNIST style) and calibrates on them; [] returns to the bundled digits. */
  setCalibrationImages(files: Blob[]): Promise<number>;
  quantize(settings: PtqSettings, onProgress: (fraction: number, message: string) => void): Promise<QuantizeResult>;
  sensitivity(settings: PtqSettings, onProgress: (fraction: number, message: string) => void): Promise<Array<{ node: string; outputSqnrDb: number }>>;
  evaluate(limit: number): Promise<Evaluation>;
  predict(pixels: Float32Array): Promise<Prediction>;
  exportModel(format: 'onnx' | 'safetensors'): Promise<Uint8Array>;
  weightHistogram(weight: string, options: Omit<QuantizeOptions, 'shape'>, bins: number): Promise<Histogram>;
  /** The input activations of `node` on the calibration images (fp32 model), with observers' clipping per method. */
  activationHistogram(node: string, options: ActivationOptions, bins: number): Promise<ActivationHistogram>;
  tensorLab(values: Float32Array, options: QuantizeOptions): Promise<TensorLabResult>;
}

export type { LayerReport, QuantizationReport };
