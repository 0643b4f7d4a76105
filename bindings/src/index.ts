/**
 * qwasm — quantize models and tensors in the browser, run int8 inference.
 *
 * ```ts
 * import { init } from 'qwasm';
 * const qw = await init();
 * ```
 * @module
 */
export { init } from './init.js';
export type { InitOptions } from './init.js';
export { Qwasm } from './qwasm.js';
export type { BuildInfo, HeapStats } from './qwasm.js';
export {
  QwasmError,
  QwasmArgumentError,
  QwasmUnsupportedError,
  QwasmFormatError,
  QwasmOutOfMemoryError,
  QwasmDisposedError,
} from './errors.js';
export { Model } from './model.js';
export type { TensorInfo, TensorValue, TensorArray, ModelSummary, GraphNode, StoredTensorInfo } from './model.js';
export { QuantizedModel } from './ptq.js';
export type { QuantizeModelOptions, PtqWeightOptions, PtqActivationOptions, LayerReport, QuantizationReport, LayerSensitivity } from './ptq.js';
export { QuantizedTensor, DTYPES } from './tensor.js';
export type { DType, QuantizeOptions, ErrorMetrics, MemoryAccounting } from './tensor.js';
export { Observer } from './observer.js';
export type { ObserverOptions, ObserverQParams, ObserverHistogram } from './observer.js';
export { Linear } from './linear.js';
export type { LinearOptions } from './linear.js';
export { TrainedModel, buildModel } from './train.js';
export type { TrainOptions, QatOptions, QatWeightOptions, QatActivationOptions, TrainData, TrainProgress, Evaluation, ModelSpec } from './train.js';
