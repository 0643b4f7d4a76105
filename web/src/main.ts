// The playground page: wires the controls to the worker and renders results.
// All model work runs in the worker (core.worker.ts); this thread only draws.
import { CoreClient, proxy } from './core-client';
import { EXPORTABLE_WEIGHT_DTYPES, type ActivationHistogram, type Histogram, type ModelInfo, type PtqSettings, type QatProgress, type QatSettings, type QuantizationReport } from './worker-api';
import { bytes, db, el, num, table } from './format';
import { renderMemoryTable } from './views/memory-calculator';
import { parseMatrix, renderLab } from './views/tensor-lab';
import { DrawPad } from './views/draw';
import { renderHistogram } from './views/histogram';
import { renderSqnrChart } from './views/sqnr-chart';
import './style.css';

const $ = <T extends HTMLElement = HTMLElement>(id: string) => document.getElementById(id) as T;

interface TestSetEntry { name?: string; images: string; labels: string; count: number; dataset?: string }
interface Manifest {
  /** The default test set (dropped files and models without their own). */
  testSet: TestSetEntry;
  /** Per-model test sets, by key (models[].testSet). */
  testSets?: Record<string, TestSetEntry>;
  /** Class names per dataset. */
  classes?: Record<string, string[]>;
  models: Array<{ id: string; name: string; file: string; testSet?: string; accuracy?: number }>;
}

const state: {
  manifest: Manifest | null;
  modelBytes: Uint8Array | null;
  modelName: string;
  info: ModelInfo | null;
  report: QuantizationReport | null;
  testSet: { images: Uint8Array; labels: Uint8Array; count: number; key: string; name: string; dataset: string } | null;
  calibrationFiles: File[];
  busy: boolean;
  /** The core's reason when the result is a simulation (format not exported), else null. */
  simulated: string | null;
  weightHistogram: Histogram | null;
  activationHistogram: ActivationHistogram | null;
} = {
  manifest: null, modelBytes: null, modelName: '', info: null, report: null, testSet: null, calibrationFiles: [], busy: false,
  simulated: null, weightHistogram: null, activationHistogram: null,
};

const client = new CoreClient(() => void restoreAfterRestart());

// ------------------------------------------------------------------ errors
function showError(err: unknown): void {
  const msg = err instanceof Error ? err.message : String(err);
  $('error-text').textContent = msg;
  $('error').hidden = false;
}
$('error-close').addEventListener('click', () => { $('error').hidden = true; });

async function guarded<T>(fn: () => Promise<T>): Promise<T | undefined> {
  try {
    $('error').hidden = true;
    return await fn();
  } catch (err) {
    showError(err);
    return undefined;
  }
}

// ------------------------------------------------------------------ status
client.api.status().then(
  (s) => {
    const status = $('core-status');
    status.dataset.state = 'ready';
    status.dataset.simd = String(s.simd);
    status.textContent = `qwasm ${s.version} · ${s.isa} · ${s.simd ? 'SIMD on' : 'SIMD off'} · Web Worker, ready in ${s.loadMs.toFixed(0)} ms`;
  },
  (err: unknown) => {
    $('core-status').dataset.state = 'error';
    $('core-status').textContent = `The WebAssembly core failed to load: ${err instanceof Error ? err.message : String(err)}`;
  },
);

// ------------------------------------------------------------------ model in
async function fetchBytes(path: string): Promise<Uint8Array> {
  const res = await fetch(path);
  if (!res.ok) throw new Error(`Could not fetch ${path}: HTTP ${res.status}`);
  return new Uint8Array(await res.arrayBuffer());
}

async function loadManifest(): Promise<void> {
  const res = await fetch('samples/manifest.json');
  state.manifest = (await res.json()) as Manifest;
  const select = $<HTMLSelectElement>('sample-select');
  select.replaceChildren(...state.manifest.models.map((m) => el('option', { value: m.id }, m.name)));
  await useTestSet('');
}

/** Makes the test set `key` of the manifest ('' = the default) the one the worker evaluates on. */
async function useTestSet(key: string): Promise<void> {
  const m = state.manifest!;
  const entry = (key && m.testSets?.[key]) || m.testSet;
  const k = key && m.testSets?.[key] ? key : '';
  if (state.testSet && state.testSet.key === k) return;
  const [images, labels] = await Promise.all([fetchBytes(`samples/${entry.images}`), fetchBytes(`samples/${entry.labels}`)]);
  await client.api.setTestSet(images, labels, entry.count);
  state.testSet = { images, labels, count: entry.count, key: k, name: entry.name ?? entry.images, dataset: entry.dataset ?? 'mnist' };
}

/** Class names of the current test set's dataset (digits by default). */
function classNames(): string[] {
  return state.manifest?.classes?.[state.testSet?.dataset ?? 'mnist'] ?? ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9'];
}

async function loadModelBytes(bytesIn: Uint8Array, name: string): Promise<void> {
  const info = await client.api.loadModel(bytesIn.slice(), name);
  state.modelBytes = bytesIn;
  state.modelName = name;
  state.info = info;
  state.report = null;
  state.simulated = null;
  state.weightHistogram = null;
  state.activationHistogram = null;
  renderModel(info);
  renderResults(null);
  renderQat(null);
  $('prediction').textContent = info.mnistCompatible
    ? (state.testSet?.dataset === 'fashion' ? 'Draw something: this Fashion-MNIST model names one of its 10 clothing classes.' : 'Draw a digit.')
    : 'Drawing needs an MNIST model (one [batch, 784] input).';
  if (info.mnistCompatible) await evaluateNow();
}

function renderModel(info: ModelInfo): void {
  const s = $('model-summary');
  s.dataset.loaded = 'true';
  s.dataset.format = info.format;
  const ops = Object.entries(info.ops).sort((a, b) => b[1] - a[1]).map(([op, n]) => `${op} ×${n}`).join(', ');
  s.replaceChildren(
    el('p', {}, el('strong', {}, info.name), ` · ${info.format.toUpperCase()} · ${info.parameterCount.toLocaleString()} parameters · ${bytes(info.parameterBytes)}`),
    el('p', {}, info.format === 'onnx'
      ? `Inputs: ${info.inputs.map((i) => `${i.name} [${(i.shape ?? ['?']).join(', ')}] ${i.dtype}`).join('; ')} · ${info.nodeCount} nodes: ${ops}`
      : `${info.tensors.length} tensors (safetensors hold weights, no graph: quantize an ONNX model to run it).`),
    ...(info.quantizedOps ? [el('p', { class: 'note' }, `This model is already quantized (${info.quantizedOps} QDQ / integer ops): it runs as is.`)] : []),
  );
  const layerSelect = $<HTMLSelectElement>('hist-layer');
  layerSelect.replaceChildren(...info.layers.map((l) => el('option', { value: l.weight, 'data-node': l.node }, `${l.node} (${l.op} [${l.shape.join('×')}])`)));
  renderLayerTable(info);
  const canQuantize = info.format === 'onnx' && info.layers.length > 0;
  $<HTMLButtonElement>('quantize').disabled = !canQuantize;
  $<HTMLButtonElement>('auto').disabled = !canQuantize || !info.mnistCompatible;
  $<HTMLButtonElement>('qat').disabled = state.busy || !canFineTune();
  if (info.layers.length) void drawHistogram();
}

function renderLayerTable(info: ModelInfo): void {
  const rows = info.layers.map((l) => {
    const select = el('select', { 'data-node': l.node, 'aria-label': `Format for ${l.node}` },
      el('option', { value: '' }, 'default'), el('option', { value: 'skip' }, 'keep fp32'),
      el('optgroup', { label: 'exported' }, ...EXPORTABLE_WEIGHT_DTYPES.map((d) => el('option', { value: d }, d))),
      el('optgroup', { label: 'simulated (weight-only)' }, ...SIMULATED_WEIGHT_DTYPES.map((d) => el('option', { value: d }, d))));
    return [l.node, l.op, l.shape.join('×'), select];
  });
  $('layer-table-wrap').replaceChildren(table(['layer', 'op', 'weight', 'override'], rows, 'Per-layer overrides'));
}

// While a model loads, Quantize would act on the previous one: hold it.
async function whileLoading(fn: () => Promise<void>): Promise<void> {
  for (const id of ['quantize', 'auto']) $<HTMLButtonElement>(id).disabled = true;
  try {
    await fn();
  } finally {
    const canQuantize = !!state.info && state.info.format === 'onnx' && state.info.layers.length > 0 && !state.busy;
    $<HTMLButtonElement>('quantize').disabled = !canQuantize;
    $<HTMLButtonElement>('auto').disabled = !canQuantize || !state.info?.mnistCompatible;
    $<HTMLButtonElement>('qat').disabled = state.busy || !canFineTune();
  }
}

$('load-sample').addEventListener('click', () => guarded(() => whileLoading(async () => {
  const id = $<HTMLSelectElement>('sample-select').value;
  const m = state.manifest!.models.find((x) => x.id === id)!;
  const [modelBytes] = await Promise.all([fetchBytes(`samples/${m.file}`), useTestSet(m.testSet ?? '')]);
  await loadModelBytes(modelBytes, m.name);
})));

async function loadFile(file: File): Promise<void> {
  await guarded(() => whileLoading(async () => {
    if (file.size > 512 * 1024 * 1024) throw new Error(`${file.name} is ${bytes(file.size)}; the playground takes models up to 512 MB.`);
    await loadModelBytes(new Uint8Array(await file.arrayBuffer()), file.name);
  }));
}

$<HTMLInputElement>('file-input').addEventListener('change', (e) => {
  const f = (e.target as HTMLInputElement).files?.[0];
  if (f) void loadFile(f);
  (e.target as HTMLInputElement).value = '';
});
const drop = $('dropzone');
drop.addEventListener('dragover', (e) => { e.preventDefault(); drop.classList.add('over'); });
drop.addEventListener('dragleave', () => drop.classList.remove('over'));
drop.addEventListener('drop', (e) => {
  e.preventDefault();
  drop.classList.remove('over');
  const f = e.dataTransfer?.files?.[0];
  if (f) void loadFile(f);
});
drop.addEventListener('keydown', (e) => { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); $('file-input').click(); } });

// ------------------------------------------------------------------ quantize
// Every weight format of SPEC §1. The core's QDQ export carries the first
// group; the others are measured by simulation (see simulate.ts).
const SIMULATED_WEIGHT_DTYPES = ['int7', 'int6', 'int5', 'int3', 'int2', 'int1', 'uint7', 'uint6', 'uint5', 'uint3', 'uint2', 'fp16', 'bf16', 'fp8-e4m3', 'fp8-e5m2', 'nf4'];
function bitsOf(dtype: string): number {
  if (dtype === 'fp16' || dtype === 'bf16') return 16;
  if (dtype.startsWith('fp8')) return 8;
  if (dtype === 'nf4') return 4;
  return Number(dtype.replace(/\D/g, ''));
}
const isExportable = (dtype: string) => (EXPORTABLE_WEIGHT_DTYPES as readonly string[]).includes(dtype);
$<HTMLSelectElement>('weight-dtype').replaceChildren(
  el('optgroup', { label: 'exported as QDQ ONNX' }, ...EXPORTABLE_WEIGHT_DTYPES.map((d) => el('option', { value: d }, `${d} · ${bitsOf(d)} bit`))),
  el('optgroup', { label: 'simulated (no ONNX export)' }, ...SIMULATED_WEIGHT_DTYPES.map((d) => el('option', { value: d }, `${d} · ${bitsOf(d)} bit`))),
);

function updateDtypeHint(): void {
  const weightOnly = $<HTMLSelectElement>('mode').value === 'weight-only';
  const select = $<HTMLSelectElement>('weight-dtype');
  select.disabled = !weightOnly;
  const d = select.value;
  const scales = d === 'fp16' || d === 'bf16' ? 'no scales' : d === 'nf4' ? '+ one fp32 scale per block' : '+ fp32 scales';
  $('weight-dtype-hint').textContent = !weightOnly
    ? 'dynamic and static quantization use int8 weights (per channel)'
    : isExportable(d)
      ? `${bitsOf(d)} bits per weight ${scales} · runs and exports as QDQ ONNX`
      : `${bitsOf(d)} bits per weight ${scales} · the QDQ export does not carry ${d}: accuracy and size are simulated (weights quantized, then run in float32)`;
}
$('mode').addEventListener('change', updateDtypeHint);
$('weight-dtype').addEventListener('change', updateDtypeHint);
updateDtypeHint();

function settings(): PtqSettings {
  const mode = $<HTMLSelectElement>('mode').value as PtqSettings['mode'];
  const overrides: NonNullable<PtqSettings['overrides']> = {};
  for (const sel of document.querySelectorAll<HTMLSelectElement>('#layer-table-wrap select')) {
    if (sel.value === 'skip') overrides[sel.dataset.node!] = { skip: true };
    else if (sel.value) overrides[sel.dataset.node!] = { dtype: sel.value as PtqSettings['weights']['dtype'] };
  }
  return {
    mode,
    weights: {
      dtype: $<HTMLSelectElement>('weight-dtype').value as PtqSettings['weights']['dtype'],
      granularity: $<HTMLSelectElement>('granularity').value as 'channel',
      groupSize: Number($<HTMLInputElement>('group-size').value),
      reduceRange: $<HTMLInputElement>('reduce-range').checked,
    },
    activations: { range: $<HTMLSelectElement>('act-range').value as 'minmax', percentile: Number($<HTMLInputElement>('percentile').value) },
    overrides,
    calibrationCount: Number($<HTMLInputElement>('calib-count').value),
  };
}

function setBusy(busy: boolean, message = ''): void {
  state.busy = busy;
  $<HTMLButtonElement>('quantize').disabled = busy || !state.info?.layers.length;
  $<HTMLButtonElement>('auto').disabled = busy || !state.info?.mnistCompatible;
  $<HTMLButtonElement>('qat').disabled = busy || !canFineTune();
  $('cancel').hidden = !busy;
  $('progress').hidden = !busy;
  $<HTMLProgressElement>('progress').value = 0;
  $('progress-text').textContent = message;
}

const onProgress = proxy((fraction: number, message: string) => {
  $<HTMLProgressElement>('progress').value = fraction;
  $('progress-text').textContent = `${message} (${Math.round(fraction * 100)}%)`;
});

/** Finished quantizations (lets tests and scripts wait for the next result). */
let quantizeRuns = 0;
/** The settings of the last finished quantization (QAT compares against it). */
let lastQuantizedSettings = '';

async function quantizeNow(): Promise<void> {
  if (!state.info) return;
  setBusy(true, 'starting…');
  try {
    await guarded(async () => {
      const r = await client.api.quantize(settings(), onProgress);
      state.report = r.report;
      state.simulated = r.simulated;
      quantizeRuns++;
      lastQuantizedSettings = JSON.stringify(settings());
      $('progress-text').textContent = `${r.simulated ? 'simulated' : 'quantized'} in ${r.ms.toFixed(0)} ms`;
      await evaluateNow();
      void drawActivations();
    });
  } finally {
    setBusy(false, $('progress-text').textContent ?? '');
  }
}

$('quantize').addEventListener('click', () => void quantizeNow());

$('auto').addEventListener('click', () => void (async () => {
  if (!state.info) return;
  setBusy(true, 'ranking layers…');
  try {
    await guarded(async () => {
      const ranking = await client.api.sensitivity(settings(), onProgress);
      const keep = ranking.slice(0, Math.max(1, Math.floor(ranking.length / 4)));
      for (const sel of document.querySelectorAll<HTMLSelectElement>('#layer-table-wrap select')) {
        sel.value = keep.some((k) => k.node === sel.dataset.node) ? 'skip' : '';
      }
      $('progress-text').textContent = `most sensitive: ${keep.map((k) => `${k.node} (${db(k.outputSqnrDb)})`).join(', ')} — kept in fp32`;
    });
  } finally {
    setBusy(false, $('progress-text').textContent ?? '');
  }
  await quantizeNow();
})());

$('cancel').addEventListener('click', () => {
  client.cancel();
  setBusy(false, 'cancelled');
});

async function restoreAfterRestart(): Promise<void> {
  await guarded(async () => {
    if (state.testSet) await client.api.setTestSet(state.testSet.images, state.testSet.labels, state.testSet.count);
    if (state.calibrationFiles.length) await client.api.setCalibrationImages(state.calibrationFiles);
    if (state.modelBytes) {
      state.info = await client.api.loadModel(state.modelBytes.slice(), state.modelName);
      state.report = null;
      state.simulated = null;
      renderResults(null);
    }
  });
}

// ------------------------------------------------------------------ fine-tune (QAT)
function canFineTune(): boolean {
  return !!state.info && state.info.format === 'onnx' && state.info.layers.length > 0 && state.info.mnistCompatible && !!state.testSet;
}

/** What QAT trains for the page's current quantization settings. */
function qatSettings(): QatSettings {
  const s = settings();
  const dtype = s.mode === 'weight-only' ? s.weights.dtype : 'int8';
  if (!/^u?int[2-8]$/.test(dtype)) throw new Error(`Fine-tuning (QAT) trains integer weights of 2 to 8 bits (int8 … int2, uint8 … uint2); pick one of those instead of ${dtype}.`);
  return {
    dtype,
    // QAT quantizes per tensor or per output channel; groups train per channel.
    granularity: s.weights.granularity === 'tensor' ? 'tensor' : 'channel',
    activations: s.mode === 'static',
    trainCount: Math.max(32, Number($<HTMLInputElement>('qat-samples').value) || 1000),
    epochs: Math.max(1, Math.floor(Number($<HTMLInputElement>('qat-epochs').value) || 3)),
    batchSize: 32,
    learningRate: 1e-3,
  };
}

let qatRunning = false;
let qatRuns = 0;

function setQatBusy(busy: boolean, message: string): void {
  qatRunning = busy;
  state.busy = busy;
  for (const id of ['quantize', 'auto', 'load-sample']) $<HTMLButtonElement>(id).disabled = busy;
  if (!busy) {
    $<HTMLButtonElement>('quantize').disabled = !state.info?.layers.length;
    $<HTMLButtonElement>('auto').disabled = !state.info?.mnistCompatible;
  }
  $<HTMLButtonElement>('qat').disabled = busy || !canFineTune();
  $('qat-cancel').hidden = !busy;
  $('qat-progress').hidden = !busy;
  $<HTMLProgressElement>('qat-progress').value = 0;
  delete $('qat-progress').dataset.step;
  $('qat-status').textContent = message;
  $('qat-section').dataset.state = busy ? 'running' : 'idle';
}

const onQatProgress = proxy((p: QatProgress) => {
  if (!qatRunning) return;
  $<HTMLProgressElement>('qat-progress').value = p.fraction;
  $('qat-progress').dataset.step = String(p.step);
  $('qat-status').textContent = `epoch ${p.epoch + 1}/${p.epochs} · batch ${p.step}/${p.totalSteps} · loss ${p.loss.toFixed(3)} · train accuracy ${(100 * p.accuracy).toFixed(1)}% · ${(p.elapsedMs / 1000).toFixed(1)} s`;
});

function renderQat(r: Awaited<ReturnType<typeof client.api.qat>> | null): void {
  const box = $('qat-results');
  if (!r) {
    box.dataset.state = 'empty';
    delete box.dataset.qatAccuracy;
    delete box.dataset.ptqAccuracy;
    box.replaceChildren();
    return;
  }
  box.dataset.state = 'done';
  box.dataset.run = String(qatRuns);
  box.dataset.qatAccuracy = r.qatAccuracy.toFixed(2);
  box.dataset.fp32Accuracy = r.fp32Accuracy.toFixed(2);
  if (r.ptqAccuracy !== null) box.dataset.ptqAccuracy = r.ptqAccuracy.toFixed(2);
  else delete box.dataset.ptqAccuracy;
  box.dataset.ms = r.ms.toFixed(0);
  const format = `${r.dtype} per ${r.granularity}${r.activations ? ' + uint8 activations' : ' weights'}`;
  const delta = r.ptqAccuracy === null ? '' : `${r.qatAccuracy - r.ptqAccuracy >= 0 ? '+' : ''}${(r.qatAccuracy - r.ptqAccuracy).toFixed(2)} points vs PTQ · `;
  box.replaceChildren(el('div', { class: 'metrics' },
    el('div', { class: 'metric' }, el('span', {}, 'fp32'), el('strong', { id: 'qat-acc-fp32' }, `${r.fp32Accuracy.toFixed(2)}%`), el('small', {}, `${r.evalCount} held-out images (not trained on)`)),
    el('div', { class: 'metric' }, el('span', {}, `PTQ ${format}`), el('strong', { id: 'qat-acc-ptq' }, r.ptqAccuracy === null ? '—' : `${r.ptqAccuracy.toFixed(2)}%`), el('small', {}, 'post-training quantization, same images')),
    el('div', { class: 'metric' }, el('span', {}, `QAT ${format}`), el('strong', { id: 'qat-acc-qat' }, `${r.qatAccuracy.toFixed(2)}%`),
      el('small', {}, `${delta}${r.epochs} epoch${r.epochs === 1 ? '' : 's'} on the first ${r.trainCount} test images, ${(r.ms / 1000).toFixed(1)} s`)),
  ));
}

$('qat').addEventListener('click', () => void (async () => {
  if (!state.info || qatRunning) return;
  const qs = await guarded(async () => qatSettings());
  if (!qs) return;
  // Compare with PTQ in the same format: quantize first unless the last result has the current settings.
  if (!state.report || lastQuantizedSettings !== JSON.stringify(settings())) {
    await quantizeNow();
    if (!state.report) return;
  }
  setQatBusy(true, 'starting fine-tuning…');
  let message = '';
  try {
    const r = await client.api.qat(qs, onQatProgress);
    qatRuns++;
    renderQat(r);
    message = `fine-tuned in ${(r.ms / 1000).toFixed(1)} s (${(r.msPerEpoch / 1000).toFixed(2)} s/epoch)`;
  } catch (err) {
    if ((err as { name?: string })?.name === 'AbortError' || /cancel|abort/i.test(String((err as Error)?.message ?? err))) message = 'fine-tuning cancelled';
    else { showError(err); message = 'fine-tuning failed'; }
  } finally {
    setQatBusy(false, message);
  }
})());

$('qat-cancel').addEventListener('click', () => {
  $('qat-status').textContent = 'cancelling…';
  void client.api.cancelQat();
});

$<HTMLInputElement>('calib-files').addEventListener('change', (e) => void guarded(async () => {
  const files = [...((e.target as HTMLInputElement).files ?? [])];
  const status = $('calib-files-status');
  try {
    const n = await client.api.setCalibrationImages(files);
    state.calibrationFiles = files;
    status.textContent = n ? `${n} image${n === 1 ? '' : 's'} (28×28 grayscale)` : 'none: the bundled digits are used';
    status.dataset.count = String(n);
    void drawActivations();
  } catch (err) {
    state.calibrationFiles = [];
    await client.api.setCalibrationImages([]);
    status.textContent = 'none: the bundled digits are used';
    status.dataset.count = '0';
    throw err;
  }
}));

// ------------------------------------------------------------------ results
async function evaluateNow(): Promise<void> {
  if (!state.info?.mnistCompatible || !state.testSet) {
    renderResults(null);
    return;
  }
  const ev = await client.api.evaluate(state.testSet.count);
  renderResults(ev);
}

function renderResults(ev: Awaited<ReturnType<typeof client.api.evaluate>> | null): void {
  const box = $('results');
  const r = state.report;
  for (const id of ['export-onnx', 'export-safetensors']) $<HTMLButtonElement>(id).disabled = !r || !!state.simulated;
  $<HTMLButtonElement>('export-report').disabled = !r;
  const note = $('sim-note');
  note.hidden = !(r && state.simulated);
  note.textContent = r && state.simulated
    ? `A simulation. The core's QDQ export does not take this format (“${state.simulated}”), so each layer's weights were quantized to ${state.report!.layers.find((l) => l.quantized)?.dtype ?? 'the chosen format'} with qwasm and dequantized, and the float32 graph ran on them: accuracy, SQNR and size are those of the format, but there is no QDQ file to download (int8, uint8, int4 and uint4 export).`
    : '';
  if (!ev) {
    // No stale numbers of a previous model (tests and scripts read these).
    delete box.dataset.fp32Accuracy;
    delete box.dataset.quantAccuracy;
  }
  if (!ev && !r) {
    box.dataset.state = 'empty';
    box.textContent = state.info ? 'Quantize the model to compare it with float32.' : 'Load a model to begin.';
    $('report-table').replaceChildren();
    renderSqnrChart($('sqnr-chart'), []);
    $('sqnr-title').hidden = true;
    return;
  }
  box.dataset.state = r ? 'quantized' : 'fp32';
  box.dataset.quantizeRun = String(quantizeRuns);
  box.dataset.simulated = String(!!(r && state.simulated));
  const parts: Array<Node | string> = [];
  if (ev) {
    box.dataset.fp32Accuracy = ev.fp32Accuracy.toFixed(2);
    if (ev.quantAccuracy !== null) box.dataset.quantAccuracy = ev.quantAccuracy.toFixed(2);
    parts.push(el('div', { class: 'metric' }, el('span', {}, 'fp32 accuracy'), el('strong', { id: 'acc-fp32' }, `${ev.fp32Accuracy.toFixed(2)}%`), el('small', {}, `${ev.count} images of ${state.testSet?.name ?? 'the test set'} · ${ev.fp32MsPerImage.toFixed(3)} ms/image`)));
    if (ev.quantAccuracy !== null) {
      parts.push(el('div', { class: 'metric' }, el('span', {}, 'quantized accuracy'), el('strong', { id: 'acc-quant' }, `${ev.quantAccuracy.toFixed(2)}%`), el('small', {}, `${(ev.quantAccuracy - ev.fp32Accuracy).toFixed(2)} points · ${ev.quantMsPerImage!.toFixed(3)} ms/image`)));
      parts.push(el('div', { class: 'metric' }, el('span', {}, 'top-1 agreement'), el('strong', {}, `${ev.agreement!.toFixed(2)}%`), el('small', {}, 'same prediction as fp32')));
    }
  }
  if (r) {
    box.dataset.bytesAfter = String(r.bytesAfter);
    box.dataset.bytesBefore = String(r.bytesBefore);
    parts.push(el('div', { class: 'metric' }, el('span', {}, state.simulated ? 'model size (simulated format)' : 'model size'), el('strong', { id: 'size-after' }, bytes(r.bytesAfter)), el('small', {}, `from ${bytes(r.bytesBefore)} (${(r.bytesBefore / r.bytesAfter).toFixed(2)}× smaller)`)));
    parts.push(el('div', { class: 'metric' }, el('span', {}, 'output SQNR'), el('strong', {}, db(r.outputSqnrDb)), el('small', {}, 'vs fp32 on the calibration images')));
  }
  box.replaceChildren(el('div', { class: 'metrics' }, ...parts));
  if (r) {
    const rows = r.layers.map((l) => [l.node, l.op, l.dtype, db(l.weightSqnrDb), db(l.outputSqnrDb), `${bytes(l.bytesBefore)} → ${bytes(l.bytesAfter)}`, l.note]);
    $('report-table').replaceChildren(table(['layer', 'op', 'dtype', 'weight SQNR', 'output SQNR', 'bytes', 'note'], rows, 'Per-layer report (the data of the chart above)'));
    $('sqnr-title').hidden = false;
    renderSqnrChart($('sqnr-chart'), r.layers);
  } else {
    $('report-table').replaceChildren();
    $('sqnr-title').hidden = true;
    renderSqnrChart($('sqnr-chart'), []);
  }
}

function download(data: Uint8Array | string, name: string, type: string): void {
  const url = URL.createObjectURL(new Blob([data as BlobPart], { type }));
  const a = el('a', { href: url, download: name });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
const baseName = () => state.modelName.replace(/\.(onnx|safetensors)$/i, '').replace(/[^\w.-]+/g, '_');
$('export-onnx').addEventListener('click', () => guarded(async () => download(await client.api.exportModel('onnx'), `${baseName()}.${settings().mode}.qdq.onnx`, 'application/octet-stream')));
$('export-safetensors').addEventListener('click', () => guarded(async () => download(await client.api.exportModel('safetensors'), `${baseName()}.${settings().mode}.safetensors`, 'application/octet-stream')));
$('export-report').addEventListener('click', () => download(JSON.stringify({ model: state.modelName, settings: settings(), report: state.report }, null, 2), `${baseName()}.report.json`, 'application/json'));

// ------------------------------------------------------------------ drawing
const pad = new DrawPad($<HTMLCanvasElement>('draw'), () => void predictNow());
$('clear-draw').addEventListener('click', () => { pad.clear(); $('prediction').textContent = 'Draw a digit.'; });

async function predictNow(): Promise<void> {
  if (!state.info?.mnistCompatible) return;
  await guarded(async () => {
    const p = await client.api.predict(pad.pixels());
    const top = (probs: number[]) => probs.indexOf(Math.max(...probs));
    const names = classNames();
    const row = (label: string, probs: number[]) => el('div', { class: 'pred-row' }, el('span', {}, label), el('strong', { 'data-digit': String(top(probs)) }, names[top(probs)] ?? String(top(probs))), el('small', {}, `${(Math.max(...probs) * 100).toFixed(1)}%`));
    $('prediction').replaceChildren(row('fp32', p.fp32), ...(p.quant ? [row('quantized', p.quant)] : []));
    $('prediction').dataset.digit = String(top(p.fp32));
  });
}

// ------------------------------------------------------------------ histograms
function selectedLayer(): ModelInfo['layers'][number] | undefined {
  const weight = $<HTMLSelectElement>('hist-layer').value;
  return state.info?.layers.find((l) => l.weight === weight);
}

function renderWeightHistogram(): void {
  const layer = selectedLayer();
  if (!state.weightHistogram || !layer) return;
  renderHistogram($('histogram'), $('histogram-legend'), state.weightHistogram, {
    xLabel: 'weight value', title: `Weight histogram of ${layer.node}`, gridLabel: `${$<HTMLSelectElement>('hist-dtype').value} grid (minmax)`,
  });
}

function renderActivationHistogram(): void {
  const h = state.activationHistogram;
  if (!h) return;
  const calibrated = state.report?.activationRanges?.[h.value];
  renderHistogram($('act-histogram'), $('act-legend'), h, {
    xLabel: `input of ${h.node}`, logCounts: true, title: `Activation histogram of the input of ${h.node}`,
    gridLabel: `${h.dtype} grid (${h.gridMethod})`,
    ...(calibrated ? { marked: { label: 'static quantization used', range: calibrated } } : {}),
  });
}

async function drawHistogram(): Promise<void> {
  const weight = $<HTMLSelectElement>('hist-layer').value;
  if (!weight) return;
  await guarded(async () => {
    const dtype = $<HTMLSelectElement>('hist-dtype').value as 'int8';
    state.weightHistogram = await client.api.weightHistogram(weight, { dtype }, 80);
    renderWeightHistogram();
  });
  await drawActivations();
}

async function drawActivations(): Promise<void> {
  const layer = selectedLayer();
  const status = $('act-status');
  const box = $('act-histogram');
  if (!layer || !state.info) return;
  if (!state.info.mnistCompatible) {
    state.activationHistogram = null;
    box.replaceChildren();
    box.dataset.state = 'unavailable';
    $('act-legend').replaceChildren();
    status.textContent = 'Activation histograms need calibration inputs: load an MNIST-style model (one [batch, 784] input).';
    return;
  }
  box.dataset.state = 'loading';
  status.textContent = `running the float32 model on the calibration images for the input of ${layer.node}…`;
  await guarded(async () => {
    const s = settings();
    try {
      const h = await client.api.activationHistogram(layer.node, {
        dtype: $<HTMLSelectElement>('act-dtype').value as 'uint8',
        gridMethod: $<HTMLSelectElement>('act-grid').value as 'minmax',
        percentile: s.activations?.percentile ?? 99.99,
        calibrationCount: s.calibrationCount,
      }, 80);
      if (selectedLayer()?.node !== h.node) return;  // the user picked another layer meanwhile
      state.activationHistogram = h;
      renderActivationHistogram();
      box.dataset.state = 'ready';
      box.dataset.node = h.node;
      status.textContent = `'${h.value}': ${h.values.toLocaleString()} values from ${h.images} calibration image${h.images === 1 ? '' : 's'}`;
    } catch (err) {
      box.dataset.state = 'error';
      status.textContent = '';
      throw err;
    }
  });
}
$('hist-layer').addEventListener('change', () => void drawHistogram());
$('hist-dtype').addEventListener('change', () => void drawHistogram());
$('act-dtype').addEventListener('change', () => void drawActivations());
$('act-grid').addEventListener('change', () => void drawActivations());

// Charts take their width from the page: draw them again when it changes.
let resizeTimer = 0;
let lastWidth = window.innerWidth;
window.addEventListener('resize', () => {
  if (window.innerWidth === lastWidth) return;
  lastWidth = window.innerWidth;
  clearTimeout(resizeTimer);
  resizeTimer = window.setTimeout(() => {
    renderWeightHistogram();
    renderActivationHistogram();
    if (state.report) renderSqnrChart($('sqnr-chart'), state.report.layers);
  }, 150);
});

// ------------------------------------------------------------------ tensor lab
const LAB_DTYPES = ['int8', 'uint8', 'int4', 'uint4', 'int3', 'int2', 'int1', 'fp16', 'bf16', 'fp8-e4m3', 'fp8-e5m2', 'nf4'];
$<HTMLSelectElement>('lab-dtype').replaceChildren(...LAB_DTYPES.map((d) => el('option', { value: d }, d)));
$<HTMLSelectElement>('lab-dtype').value = 'int4';

async function runLab(): Promise<void> {
  const out = $('lab-output');
  try {
    const { values, shape } = parseMatrix($<HTMLTextAreaElement>('lab-input').value);
    const dtype = $<HTMLSelectElement>('lab-dtype').value;
    const scheme = $<HTMLSelectElement>('lab-scheme').value;
    const r = await client.api.tensorLab(values, {
      shape, dtype: dtype as 'int8',
      ...(scheme ? { scheme: scheme as 'symmetric' } : {}),
      granularity: $<HTMLSelectElement>('lab-granularity').value as 'tensor',
      groupSize: Number($<HTMLInputElement>('lab-group').value),
      restrictRange: $<HTMLInputElement>('lab-restrict').checked,
    });
    renderLab(out, values, shape, r, dtype);
  } catch (err) {
    out.replaceChildren(el('p', { class: 'error-inline', role: 'alert' }, err instanceof Error ? err.message : String(err)));
  }
}
for (const id of ['lab-input', 'lab-dtype', 'lab-scheme', 'lab-granularity', 'lab-group', 'lab-restrict']) $(id).addEventListener('input', () => void runLab());
$('lab-random').addEventListener('click', () => {
  const rows = Array.from({ length: 4 }, () => Array.from({ length: 8 }, () => num((Math.random() * 2 - 1) * 3, 3)).join(' '));
  $<HTMLTextAreaElement>('lab-input').value = rows.join('\n');
  void runLab();
});

// ------------------------------------------------------------------ memory
function updateMemory(): void {
  renderMemoryTable($('memory-table'), Number($<HTMLInputElement>('mem-params').value), Number($<HTMLInputElement>('mem-group').value));
}
$('mem-params').addEventListener('input', updateMemory);
$('mem-group').addEventListener('input', updateMemory);

// ------------------------------------------------------------------ start
updateMemory();
void runLab();
void guarded(loadManifest);
(window as unknown as { qwasmPlayground: unknown }).qwasmPlayground = { state };
