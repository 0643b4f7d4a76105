#!/usr/bin/env node
// Copies the results of the last full `npm run bench` (build/bench.json) into
// the README between its bench-table markers: the GEMM speed-ups and the
// quantization throughput.
import { readFileSync, writeFileSync } from 'node:fs';

const bench = JSON.parse(readFileSync(new URL('../build/bench.json', import.meta.url), 'utf8'));
if (!bench.summary.length) throw new Error('build/bench.json has no gemm results: run the full `npm run bench` first');
const cols = Object.keys(bench.summary[0]).slice(1);
const fmt = (v) => (Number.isFinite(v) ? `${v.toFixed(2)}×` : 'n/a');
const gemm = [`| shape | ${cols.join(' | ')} |`, `| --- | ${cols.map(() => '---').join(' | ')} |`,
  ...bench.summary.map((s) => `| ${s.case} | ${cols.map((c) => fmt(s[c])).join(' | ')} |`)];
const quant = bench.rows.filter((r) => r.suite === 'quantize');
const cases = [...new Set(quant.map((r) => r.case))];
const qt = ['| case | SIMD GB/s | scalar GB/s | SIMD / scalar |', '| --- | --- | --- | --- |', ...cases.map((c) => {
  const simd = quant.find((r) => r.case === c && r.impl === 'qwasm simd'), scalar = quant.find((r) => r.case === c && r.impl === 'qwasm scalar');
  return `| ${c.replace('quantize ', '')} | ${simd.gbps.toFixed(2)} | ${scalar.gbps.toFixed(2)} | ${(scalar.ms / simd.ms).toFixed(2)}× |`;
})];
const table = `Node ${bench.node}, one thread, ${bench.date.slice(0, 10)}; peer time / qwasm time (> 1 means qwasm is faster):\n\n${gemm.join('\n')}\n\n` +
  `Tensor quantization through \`qw.quantize\` (GB/s of float32 input, including the copies in and out of the wasm heap):\n\n${qt.join('\n')}`;
const readme = new URL('../README.md', import.meta.url);
const text = readFileSync(readme, 'utf8');
const start = '<!-- bench-table:start -->', end = '<!-- bench-table:end -->';
writeFileSync(readme, text.slice(0, text.indexOf(start) + start.length) + '\n' + table + '\n' + text.slice(text.indexOf(end)));
console.log(table);
