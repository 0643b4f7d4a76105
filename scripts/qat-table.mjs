#!/usr/bin/env node
// fp32 vs PTQ vs QAT on the sample models (web/public/samples, made by
// `npm run train-samples`): weight-only int8 / int4 / int2, per tensor and per
// output channel. PTQ = quantizeModel of the fp32 model; QAT = one epoch of
// quantization-aware fine-tuning (qw.qat, same weight format) converted by
// quantizeModel with the options QAT returns (exact conversion). Accuracy on
// the held-out test split shipped with each model; size = the quantized
// model's constants (int2 codes travel in ONNX INT4 containers).
// Writes the table between the qat-table markers of README.md and docs/training.md.
//   node scripts/qat-table.mjs [model-name ...]     (QWASM_DIST=... for another build)
import { readFileSync, writeFileSync } from 'node:fs';

const dist = process.env.QWASM_DIST ? new URL(`../${process.env.QWASM_DIST}/index.js`, import.meta.url) : new URL('../dist/index.js', import.meta.url);
const { init } = await import(dist.href);
const root = new URL('..', import.meta.url);
const samples = new URL('web/public/samples/', root);
const manifest = JSON.parse(readFileSync(new URL('samples.json', samples), 'utf8'));
const only = process.argv.slice(2);
const qw = await init();

const argmax = (d) => Array.from({ length: d.length / 10 }, (_, r) => { let b = 0; for (let c = 1; c < 10; c++) if (d[r * 10 + c] > d[r * 10 + b]) b = c; return b; });
const formats = [];
for (const dtype of ['int8', 'int4', 'int2']) for (const granularity of ['tensor', 'channel']) formats.push({ dtype, granularity });
const kb = (b) => `${(b / 1024).toFixed(1)} KB`;
const pct = (a) => `${(100 * a).toFixed(2)}%`;

// Training data for the QAT fine-tuning: the training splits train-samples used.
const loaders = await import(new URL('scripts/train-samples.mjs', root).href);
const trainSet = (dataset) => (dataset === 'fashion' ? loaders.loadFashion() : loaders.loadMnist()).train;

// Results of models not re-run this time are kept (qat-results.json).
const resultsFile = new URL('qat-results.json', samples);
let results = {};
try { results = JSON.parse(readFileSync(resultsFile, 'utf8')); } catch { /* first run */ }
for (const [name, info] of Object.entries(manifest)) {
  if (only.length && !only.includes(name)) continue;
  const model = await qw.loadModel(readFileSync(new URL(info.file, samples)));
  const x = Float32Array.from(readFileSync(new URL(info.testImages, samples)), (v) => v / 255);
  const y = readFileSync(new URL(info.testLabels, samples));
  const n = y.length;
  const accOf = (m) => argmax(m.run({ input: { data: x, shape: [n, 784] } }).logits.data).filter((p, i) => p === y[i]).length / n;
  const fp32 = accOf(model);
  const train = trainSet(info.dataset);
  results[name] = { fp32, bytes: model.summary().parameterBytes, testSamples: n, formats: [] };
  for (const f of formats) {
    const ptq = await qw.quantizeModel(model, { mode: 'weight-only', weights: f });
    const ptqAcc = accOf(ptq);
    const t0 = performance.now();
    const q = await qw.qat(model, { data: train, epochs: 1, batchSize: 64, learningRate: f.dtype === 'int2' ? 1e-3 : 2e-4, schedule: 'cosine', seed: 1, weights: f });
    const qatMs = performance.now() - t0;
    const converted = await qw.quantizeModel(q.model, q.quantizeOptions);
    const qatAcc = accOf(converted);
    const fake = q.evaluate({ inputs: x, labels: y }).accuracy;
    if (Math.abs(fake - qatAcc) > 1 / n) console.warn(`[${name} ${f.dtype} ${f.granularity}] converted ${pct(qatAcc)} vs fake-quant ${pct(fake)}`);
    results[name].formats.push({ ...f, ptq: ptqAcc, qat: qatAcc, fakeQuant: fake, bytes: ptq.report.bytesAfter, qatMs: Math.round(qatMs) });
    console.log(`[${name}] ${f.dtype} per-${f.granularity}: PTQ ${pct(ptqAcc)}, QAT ${pct(qatAcc)} (QAT ${(qatMs / 1000).toFixed(1)} s)`);
    ptq.dispose();
    converted.dispose();
    q.dispose();
  }
  model.dispose();
}
const lines = ['| model | format | fp32 | PTQ | QAT | QAT − PTQ | size (PTQ = QAT) |', '| --- | --- | --- | --- | --- | --- | --- |'];
for (const name of Object.keys(manifest)) {
  const r = results[name];
  if (!r) continue;
  lines.push(`| ${name} | fp32 | ${pct(r.fp32)} | | | | ${kb(r.bytes)} |`);
  for (const f of r.formats) {
    const d = f.qat - f.ptq;
    lines.push(`| ${name} | ${f.dtype} per-${f.granularity} | | ${pct(f.ptq)} | ${pct(f.qat)} | ${d >= 0 ? '+' : ''}${(100 * d).toFixed(2)} | ${kb(f.bytes)} |`);
  }
}
const table = lines.join('\n');
for (const file of ['README.md', 'docs/training.md']) {
  const url = new URL(file, root);
  let text;
  try { text = readFileSync(url, 'utf8'); } catch { continue; }
  const start = '<!-- qat-table:start -->', end = '<!-- qat-table:end -->';
  if (text.includes(start) && text.includes(end)) writeFileSync(url, text.slice(0, text.indexOf(start) + start.length) + '\n' + table + '\n' + text.slice(text.indexOf(end)));
}
writeFileSync(resultsFile, JSON.stringify(results, null, 2) + '\n');
console.log(table);
