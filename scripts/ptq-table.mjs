#!/usr/bin/env node
// Accuracy and size of post-training quantization on the MNIST fixtures,
// for the README (between its ptq-table markers) and docs/results.md.
//   node scripts/ptq-table.mjs            (after npm run build)
import { readFileSync, writeFileSync } from 'node:fs';
import { init } from '../dist/index.js';

const qw = await init();
const data = new URL('../tests/data/', import.meta.url);
const N = 2000;
const images = readFileSync(new URL('mnist/test-images.u8', data));
const labels = readFileSync(new URL('mnist/test-labels.u8', data));
const x = Float32Array.from(images.subarray(0, N * 784), (v) => v / 255);
const calibration = Array.from({ length: 8 }, (_, b) => ({ input: { data: x.slice(b * 32 * 784, (b + 1) * 32 * 784), shape: [32, 784] } }));
const argmax = (d) => Array.from({ length: d.length / 10 }, (_, r) => { let b = 0; for (let c = 1; c < 10; c++) if (d[r * 10 + c] > d[r * 10 + b]) b = c; return b; });
const acc = (p) => (100 * p.filter((v, i) => v === labels[i]).length) / N;

const configs = [
  ['static int8 (per-channel weights, uint8 activations)', { mode: 'static' }],
  ['static int8, activations by entropy', { mode: 'static', activations: { range: 'entropy' } }],
  ['dynamic int8', { mode: 'dynamic' }],
  ['weight-only int8 per-channel', { mode: 'weight-only', weights: { dtype: 'int8' } }],
  ['weight-only int4 per-channel', { mode: 'weight-only', weights: { dtype: 'int4' } }],
  ['weight-only int4 per-group 32', { mode: 'weight-only', weights: { dtype: 'int4', granularity: 'group', groupSize: 32 } }],
  ['weight-only int4 per-tensor', { mode: 'weight-only', weights: { dtype: 'int4', granularity: 'tensor' } }],
];

const lines = ['| model | quantization | top-1 accuracy | Δ vs fp32 | weights + params |', '| --- | --- | --- | --- | --- |'];
for (const name of ['mlp_gelu', 'cnn_bn']) {
  const model = await qw.loadModel(readFileSync(new URL(`models/${name}.onnx`, data)));
  const fp32 = acc(argmax(model.run({ input: { data: x, shape: [N, 784] } }).logits.data));
  const bytes = model.summary().parameterBytes;
  lines.push(`| ${name} | fp32 | ${fp32.toFixed(2)}% | — | ${(bytes / 1024).toFixed(1)} KB |`);
  for (const [label, opts] of configs) {
    const qm = await qw.quantizeModel(model, { ...opts, calibration });
    const a = acc(argmax(qm.run({ input: { data: x, shape: [N, 784] } }).logits.data));
    lines.push(`| ${name} | ${label} | ${a.toFixed(2)}% | ${(a - fp32 >= 0 ? '+' : '')}${(a - fp32).toFixed(2)} | ${(qm.report.bytesAfter / 1024).toFixed(1)} KB |`);
    qm.dispose();
  }
  model.dispose();
}
const table = lines.join('\n');
const readme = new URL('../README.md', import.meta.url);
const text = readFileSync(readme, 'utf8');
const start = '<!-- ptq-table:start -->', end = '<!-- ptq-table:end -->';
if (text.includes(start)) writeFileSync(readme, text.slice(0, text.indexOf(start) + start.length) + '\n' + table + '\n' + text.slice(text.indexOf(end)));
console.log(table);
