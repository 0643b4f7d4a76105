#!/usr/bin/env node
// Regenerates the table in docs/calibration.md: quantization error of each
// range method × {int8, int4} × four distributions, per-tensor symmetric,
// through the built package (run `npm run build` first).
//   node scripts/calibration-table.mjs
import { readFileSync, writeFileSync } from 'node:fs';
import { init } from '../dist/index.js';

const qw = await init();
const N = 65536;

// Deterministic generators (LCG + Box-Muller) so the table is reproducible.
function rng(seed) {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) + 0.5) / 4294967296;
}
function gaussian(n, seed) {
  const r = rng(seed), out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.sqrt(-2 * Math.log(r())) * Math.cos(2 * Math.PI * r());
  return out;
}
function laplace(n, seed) {
  const r = rng(seed), out = new Float32Array(n);
  for (let i = 0; i < n; i++) { const u = r() - 0.5; out[i] = -Math.sign(u) * Math.log(1 - 2 * Math.abs(u)); }
  return out;
}
function withOutliers(n, seed) {
  const x = gaussian(n, seed), r = rng(seed + 1);
  for (let k = 0; k < 8; k++) x[Math.floor(r() * n)] = (r() < 0.5 ? -1 : 1) * (20 + 30 * r());
  return x;
}
async function realWeight() {
  const bytes = readFileSync(new URL('../tests/data/models/mlp_gelu.onnx', import.meta.url));
  const model = await qw.loadModel(bytes);
  const w = model.tensors().filter((t) => t.dtype === 'float32').sort((a, b) => b.byteLength - a.byteLength)[0];
  const data = model.getTensor(w.name).data;
  model.dispose();
  return { name: `mlp_gelu ${w.name} [${w.shape.join('×')}]`, data };
}

const real = await realWeight();
const datasets = [
  ['Gaussian N(0,1)', gaussian(N, 1)],
  ['Laplace b=1', laplace(N, 2)],
  ['Gaussian + 8 outliers (20–50σ)', withOutliers(N, 3)],
  [real.name, real.data],
];
const methods = ['minmax', 'percentile', 'mse', 'entropy'];
const rows = [];
for (const [name, x] of datasets) {
  for (const dtype of ['int8', 'int4']) {
    const cells = methods.map((range) => {
      const q = qw.quantize(x, { shape: [x.length], dtype, range, percentile: 99.99 });
      const m = qw.metrics(x, q.dequantize());
      q.dispose();
      return m;
    });
    const best = Math.max(...cells.map((c) => c.sqnrDb));
    rows.push(`| ${name} | ${dtype} | ${cells.map((c) => {
      const s = `${c.sqnrDb.toFixed(2)} dB / ${c.mse.toExponential(2)}`;
      return c.sqnrDb === best ? `**${s}**` : s;
    }).join(' | ')} |`);
  }
}

const table = [
  '| data | dtype | minmax | percentile (99.99) | mse | entropy |',
  '| --- | --- | --- | --- | --- | --- |',
  ...rows,
].join('\n');

const docPath = new URL('../docs/calibration.md', import.meta.url);
const doc = readFileSync(docPath, 'utf8');
const start = '<!-- table:start -->', end = '<!-- table:end -->';
const next = doc.slice(0, doc.indexOf(start) + start.length) + '\n' + table + '\n' + doc.slice(doc.indexOf(end));
writeFileSync(docPath, next);
console.log(table);
