// Runs the qwasm core off the main thread; the page talks to it through Comlink.
import * as Comlink from 'comlink';
import { init, type Model, type QuantizedModel, type QuantizeOptions, type Qwasm } from 'qwasm';
import { EXPORTABLE_WEIGHT_DTYPES, type ActivationHistogram, type CoreWorkerApi, type Evaluation, type QatProgress, type QatResult, type QatSettings, type Histogram, type ModelInfo, type PtqSettings, type TensorLabResult, type WorkerStatus } from './worker-api';
import { simulateWeightOnly } from './simulate';
import { activationHistogram, binValues } from './activation-histogram';

const t0 = performance.now();
const ready = init();

let model: Model | null = null;
let quantized: QuantizedModel | null = null;
// A weight-only result in a format the QDQ export does not carry: the fp32
// graph run on dequantized weights (see simulate.ts). At most one of
// `quantized` and `simulated` is set.
let simulated: Model | null = null;
let simulatedReason = '';
let layers: ModelInfo['layers'] = [];

/** Whichever quantized model there is (exported or simulated). */
function current(): { run: Model['run'] } | null {
  return quantized ?? simulated;
}

function dropQuantized(): void {
  quantized?.dispose();
  quantized = null;
  simulated?.dispose();
  simulated = null;
}
let inputName = 'input';
let testImages: Float32Array | null = null;
let testLabels: Uint8Array | null = null;
let testBytes: Uint8Array | null = null;  // the test images as bytes (training data for QAT)
let qatController: AbortController | null = null;
let testCount = 0;
let userCalibration: Float32Array | null = null;  // [n, 784] from the user's images

function argmax(d: ArrayLike<number>, rows: number, cols: number): number[] {
  const out: number[] = [];
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let c = 1; c < cols; c++) if (d[r * cols + c] > d[r * cols + best]) best = c;
    out.push(best);
  }
  return out;
}

function softmax(v: ArrayLike<number>): number[] {
  const m = Math.max(...Array.from(v));
  const e = Array.from(v, (x) => Math.exp(x - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
}

function calibrationSet(count: number) {
  if (userCalibration) {
    const n = userCalibration.length / 784;
    return [{ [inputName]: { data: userCalibration, shape: [n, 784] } }];
  }
  if (!testImages) throw new Error('No calibration data: load the sample test set first.');
  // Calibrate on the last images; evaluation uses all of them (documented in the page).
  const n = Math.min(count, testCount);
  const batch = 32;
  const out = [];
  for (let start = testCount - n; start < testCount; start += batch) {
    const end = Math.min(start + batch, testCount);
    out.push({ [inputName]: { data: testImages.slice(start * 784, end * 784), shape: [end - start, 784] } });
  }
  return out;
}

function firstOutput(result: Record<string, { data: unknown }>): ArrayLike<number> {
  const data = Object.values(result)[0].data;
  if (!(data instanceof Float32Array)) throw new Error('The model\'s first output is not float32.');
  return data;
}

const api: CoreWorkerApi = {
  async status(): Promise<WorkerStatus> {
    const qw = await ready;
    const info = qw.buildInfo;
    return { version: info.version, simd: info.simd, isa: info.isa, loadMs: performance.now() - t0 };
  },

  async loadModel(bytes: Uint8Array, name: string): Promise<ModelInfo> {
    const qw = await ready;
    const next = await qw.loadModel(bytes);  // throws on bad files; the previous model stays loaded
    model?.dispose();
    dropQuantized();
    model = next;
    const s = model.summary();
    const tensors = model.tensors();
    const byName = new Map(tensors.map((t) => [t.name, t]));
    const layers_ = (s.nodes ?? [])
      .filter((n) => ['Gemm', 'MatMul', 'Conv'].includes(n.op) && byName.has(n.inputs[1]) && byName.get(n.inputs[1])!.dtype === 'float32')
      .map((n) => ({ node: n.name, op: n.op, weight: n.inputs[1], shape: byName.get(n.inputs[1])!.shape, input: n.inputs[0], output: n.outputs[0] }));
    const input = model.inputs[0];
    inputName = input?.name ?? 'input';
    const mnistCompatible = model.inputs.length === 1 && !!input?.shape && input.shape.length === 2 && input.shape[1] === 784 && input.dtype === 'float32';
    const qdqOps = ['QuantizeLinear', 'DequantizeLinear', 'DynamicQuantizeLinear', 'MatMulInteger', 'QLinearMatMul', 'QLinearConv', 'ConvInteger', 'QwasmIntegerLayer'];
    return {
      name,
      format: model.format,
      inputs: model.inputs,
      outputs: model.outputs,
      ops: s.ops ?? {},
      nodeCount: s.nodeCount ?? 0,
      parameterCount: s.parameterCount,
      parameterBytes: s.parameterBytes,
      layers: (layers = layers_),
      tensors,
      mnistCompatible,
      quantizedOps: qdqOps.reduce((a, op) => a + (s.ops?.[op] ?? 0), 0),
    };
  },

  async setTestSet(images: Uint8Array, labels: Uint8Array, count: number): Promise<void> {
    testImages = Float32Array.from(images.subarray(0, count * 784), (v) => v / 255);
    testBytes = images.slice(0, count * 784);
    testLabels = labels.subarray(0, count);
    testCount = count;
  },

  async setCalibrationImages(files: Blob[]): Promise<number> {
    if (files.length === 0) {
      userCalibration = null;
      return 0;
    }
    const out = new Float32Array(files.length * 784);
    const canvas = new OffscreenCanvas(28, 28);
    const ctx = canvas.getContext('2d', { willReadFrequently: true })!;
    for (let i = 0; i < files.length; i++) {
      let bitmap: ImageBitmap;
      try {
        bitmap = await createImageBitmap(files[i]);
      } catch {
        throw new Error(`Calibration image ${i + 1} could not be decoded (is it an image?).`);
      }
      ctx.clearRect(0, 0, 28, 28);
      ctx.drawImage(bitmap, 0, 0, 28, 28);
      bitmap.close();
      const px = ctx.getImageData(0, 0, 28, 28).data;
      const gray = new Float32Array(784);
      let mean = 0;
      for (let k = 0; k < 784; k++) {
        gray[k] = (0.299 * px[4 * k] + 0.587 * px[4 * k + 1] + 0.114 * px[4 * k + 2]) / 255;
        mean += gray[k] / 784;
      }
      // MNIST digits are light on dark: invert photos of dark ink on paper.
      for (let k = 0; k < 784; k++) out[i * 784 + k] = mean > 0.5 ? 1 - gray[k] : gray[k];
    }
    userCalibration = out;
    return files.length;
  },

  async quantize(settings: PtqSettings, onProgress) {
    const qw = await ready;
    if (!model) throw new Error('Load a model first.');
    const { calibrationCount, ...options } = settings;
    const t = performance.now();
    const calibration = calibrationSet(calibrationCount);
    const exportable = (d: string | undefined) => d === undefined || (EXPORTABLE_WEIGHT_DTYPES as readonly string[]).includes(d);
    const allExportable = options.mode !== 'weight-only'
      || (exportable(options.weights.dtype) && Object.values(options.overrides).every((o) => o.skip || exportable(o.dtype)));
    let reason: string;
    try {
      const next = await qw.quantizeModel(model, { ...options, calibration, onProgress } as Parameters<Qwasm['quantizeModel']>[1]);
      dropQuantized();
      quantized = next;
      return { report: quantized.report, ms: performance.now() - t, simulated: null };
    } catch (err) {
      // A weight format the core cannot export: say why, and measure the
      // format by simulation instead.
      if (allExportable) throw err;
      reason = err instanceof Error ? err.message : String(err);
    }
    const sim = await simulateWeightOnly(qw, model, layers, options, calibration, onProgress);
    dropQuantized();
    simulated = sim.model;
    simulatedReason = reason;
    return { report: sim.report, ms: performance.now() - t, simulated: simulatedReason };
  },

  async sensitivity(settings: PtqSettings, onProgress) {
    const qw = await ready;
    if (!model) throw new Error('Load a model first.');
    const { calibrationCount, ...options } = settings;
    return qw.sensitivity(model, { ...options, calibration: calibrationSet(Math.min(calibrationCount, 64)), onProgress } as Parameters<Qwasm['sensitivity']>[1]);
  },

  async evaluate(limit: number): Promise<Evaluation> {
    if (!model || !testImages || !testLabels) throw new Error('Load a model and the test set first.');
    const n = Math.min(limit, testCount);
    const x = testImages.subarray(0, n * 784);
    const time = (fn: () => ArrayLike<number>) => {
      const t = performance.now();
      const out = fn();
      return { out, ms: (performance.now() - t) / n };
    };
    const ref = time(() => firstOutput(model!.run({ [inputName]: { data: x, shape: [n, 784] } })));
    const refPred = argmax(ref.out, n, 10);
    const acc = (p: number[]) => (100 * p.filter((v, i) => v === testLabels![i]).length) / n;
    const result: Evaluation = { count: n, fp32Accuracy: acc(refPred), quantAccuracy: null, agreement: null, fp32MsPerImage: ref.ms, quantMsPerImage: null };
    const qm = current();
    if (qm) {
      const q = time(() => firstOutput(qm.run({ [inputName]: { data: x, shape: [n, 784] } })));
      const qPred = argmax(q.out, n, 10);
      result.quantAccuracy = acc(qPred);
      result.agreement = (100 * qPred.filter((v, i) => v === refPred[i]).length) / n;
      result.quantMsPerImage = q.ms;
    }
    return result;
  },

  async qat(s: QatSettings, onProgress: (p: QatProgress) => void): Promise<QatResult> {
    const qw = await ready;
    if (!model || !testBytes || !testLabels || !testImages) throw new Error('Load a model and its test set first.');
    if (!/^u?int[2-8]$/.test(s.dtype)) throw new Error(`QAT trains integer weights of 2 to 8 bits; '${s.dtype}' is not one.`);
    // No training split ships with the playground: train on the first images
    // of the test split and evaluate on the others (at least half stay held out).
    const nTrain = Math.max(1, Math.min(Math.floor(s.trainCount), Math.floor(testCount / 2)));
    const nEval = testCount - nTrain;
    const train = { inputs: testBytes.subarray(0, nTrain * 784), labels: testLabels.subarray(0, nTrain) };
    const held = { inputs: testBytes.subarray(nTrain * 784, testCount * 784), labels: testLabels.subarray(nTrain, testCount) };
    qatController?.abort();
    const controller = new AbortController();
    qatController = controller;
    let lastReport = 0;
    let trained: Awaited<ReturnType<Qwasm['qat']>>;
    try {
      trained = await qw.qat(model, {
        data: train, epochs: s.epochs, batchSize: s.batchSize, learningRate: s.learningRate, optimizer: 'adam', schedule: 'cosine',
        weights: { dtype: s.dtype, granularity: s.granularity },
        ...(s.activations ? { activations: { dtype: 'uint8' } } : {}),
        signal: controller.signal,
        onProgress: (p) => {
          // Per batch, but at most ~10 messages a second to the page.
          const now = performance.now();
          if (!p.done && now - lastReport < 100) return;
          lastReport = now;
          void onProgress({ fraction: p.step / p.totalSteps, epoch: p.epoch, epochs: s.epochs, step: p.step, totalSteps: p.totalSteps, loss: p.loss, accuracy: p.accuracy, elapsedMs: p.elapsedMs });
        },
      });
    } finally {
      if (qatController === controller) qatController = null;
    }
    try {
      const qatAccuracy = 100 * trained.evaluate(held).accuracy;
      const x = testImages.subarray(nTrain * 784, testCount * 784);
      const labels = held.labels;
      const acc = (out: ArrayLike<number>) => (100 * argmax(out, nEval, 10).filter((v, i) => v === labels[i]).length) / nEval;
      const fp32Accuracy = acc(firstOutput(model.run({ [inputName]: { data: x, shape: [nEval, 784] } })));
      const qm = current();
      const ptqAccuracy = qm ? acc(firstOutput(qm.run({ [inputName]: { data: x, shape: [nEval, 784] } }))) : null;
      return {
        dtype: s.dtype, granularity: s.granularity, activations: s.activations, trainCount: nTrain, evalCount: nEval,
        fp32Accuracy, ptqAccuracy, qatAccuracy, epochs: s.epochs, steps: trained.stats.steps, ms: trained.stats.timeMs, msPerEpoch: trained.stats.msPerEpoch,
      };
    } finally {
      trained.dispose();
    }
  },

  async cancelQat(): Promise<boolean> {
    if (!qatController) return false;
    qatController.abort(new DOMException('Fine-tuning was cancelled.', 'AbortError'));
    qatController = null;
    return true;
  },

  async predict(pixels: Float32Array) {
    if (!model) throw new Error('Load a model first.');
    const feeds = { [inputName]: { data: pixels, shape: [1, 784] } };
    return {
      fp32: softmax(firstOutput(model.run(feeds))),
      quant: current() ? softmax(firstOutput(current()!.run(feeds))) : null,
    };
  },

  async exportModel(format) {
    if (simulated) throw new Error(`This result is a simulation, which has no file to download: ${simulatedReason}`);
    if (!quantized) throw new Error('Quantize the model first.');
    const bytes = format === 'onnx' ? quantized.toONNX() : quantized.toSafetensors();
    return Comlink.transfer(bytes, [bytes.buffer]);
  },

  async weightHistogram(weight, options, bins): Promise<Histogram> {
    const qw = await ready;
    if (!model) throw new Error('Load a model first.');
    const w = model.getTensor(weight).data as Float32Array;
    const { edges, counts } = binValues([w], bins);
    const clips: Record<string, [number, number]> = {};
    const sqnrDb: Record<string, number> = {};
    let levels: number[] = [];
    for (const range of ['minmax', 'percentile', 'mse', 'entropy'] as const) {
      try {
        const q = qw.quantize(w, { ...options, shape: [w.length], granularity: 'tensor', range } as QuantizeOptions);
        const deq = q.dequantize();
        let a = Infinity, b = -Infinity;
        for (const v of deq) { a = Math.min(a, v); b = Math.max(b, v); }
        clips[range] = [a, b];
        sqnrDb[range] = qw.metrics(w, deq).sqnrDb;
        if (range === 'minmax') levels = [...new Set(Array.from(deq))].sort((x, y) => x - y).slice(0, 512);
        q.dispose();
      } catch {
        // A range method the core does not offer for this format: left out of the overlay.
      }
    }
    return { edges, counts, levels, clips, sqnrDb };
  },

  async activationHistogram(node, options, bins): Promise<ActivationHistogram> {
    const qw = await ready;
    if (!model) throw new Error('Load a model first.');
    const layer = layers.find((l) => l.node === node);
    if (!layer) throw new Error(`No quantizable layer named '${node}'.`);
    return activationHistogram(qw, model, layer, calibrationSet(options.calibrationCount), options, bins);
  },

  async tensorLab(values, options): Promise<TensorLabResult> {
    const qw = await ready;
    const q = qw.quantize(values, options);
    try {
      const deq = q.dequantize();
      return {
        scales: Array.from(q.scales),
        zeroPoints: Array.from(q.zeroPoints),
        scaleShape: q.scaleShape,
        codes: Array.from(q.values()),
        dequantized: Array.from(deq),
        metrics: qw.metrics(values, deq),
        bytes: q.byteLength,
        bitsPerElement: q.memory.bitsPerElement,
      };
    } finally {
      q.dispose();
    }
  },
};

Comlink.expose(api);
