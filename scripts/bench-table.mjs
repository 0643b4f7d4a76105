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
// Convolutions and whole models: ms per run and peer / qwasm ratios.
const msOf = (suite, c, impl) => bench.rows.find((r) => r.suite === suite && r.case === c && r.impl.startsWith(impl))?.ms;
const ms = (v) => (Number.isFinite(v) ? v.toFixed(3) : 'n/a');
const rat = (peer, ours) => (Number.isFinite(peer) && Number.isFinite(ours) ? `${(peer / ours).toFixed(2)}×` : 'n/a');
const convCases = [...new Set(bench.rows.filter((r) => r.suite === 'conv').map((r) => r.case))];
const conv = ['| conv | qwasm int8 ms | vs ORT QLinearConv | vs ORT fp32 Conv | vs TF.js fp32 |', '| --- | --- | --- | --- | --- |',
  ...convCases.map((c) => {
    const q = msOf('conv', c, 'qwasm int8 conv (u8→u8)');
    return `| ${c.replace(/^conv /, '')} | ${ms(q)} | ${rat(msOf('conv', c, 'ort-web QLinearConv'), q)} | ${rat(msOf('conv', c, 'ort-web fp32 Conv'), q)} | ${rat(msOf('conv', c, 'tfjs-wasm fp32'), q)} |`;
  })];
const modelCases = [...new Set(bench.rows.filter((r) => r.suite === 'models').map((r) => r.case))];
const models = ['| model | qwasm fp32 ms | qwasm static int8 ms | qwasm dynamic int8 ms | ORT-web fp32 ms | ORT-web QDQ int8 ms | static int8 vs ORT QDQ |', '| --- | --- | --- | --- | --- | --- | --- |',
  ...modelCases.map((c) => {
    const st = msOf('models', c, 'qwasm static int8');
    return `| ${c} | ${ms(msOf('models', c, 'qwasm fp32'))} | ${ms(st)} | ${ms(msOf('models', c, 'qwasm dynamic int8'))} | ${ms(msOf('models', c, 'onnxruntime-web fp32'))} | ${ms(msOf('models', c, 'onnxruntime-web QDQ int8'))} | ${rat(msOf('models', c, 'onnxruntime-web QDQ int8'), st)} |`;
  })];
// GOPS of every GEMM implementation (2·M·N·K operations per call).
const gemmImpls = [['qwasm int8', 'qwasm int8'], ['qwasm int8 static', 'qwasm int8 static (u8→u8)'], ['ORT QLinearMatMul', 'ort-web QLinearMatMul (u8→u8)'],
  ['ORT DynQ+MatMulInteger', 'ort-web int8 DynQ+MatMulInteger'], ['qwasm int4', 'qwasm int4'], ['qwasm uint4', 'qwasm uint4'], ['ORT MatMulNBits', 'ort-web int4 MatMulNBits'],
  ['qwasm fp32', 'qwasm fp32'], ['ORT fp32', 'ort-web fp32 MatMul'], ['TF.js fp32', 'tfjs-wasm fp32 matMul']];
const gops = (c, impl) => bench.rows.find((r) => r.suite === 'gemm' && r.case === c && r.impl === impl)?.gops;
const gemmGops = [`| shape | ${gemmImpls.map(([h]) => h).join(' | ')} |`, `| --- | ${gemmImpls.map(() => '---').join(' | ')} |`,
  ...bench.summary.map((s) => `| ${s.case} | ${gemmImpls.map(([, impl]) => (Number.isFinite(gops(s.case, impl)) ? gops(s.case, impl).toFixed(1) : 'n/a')).join(' | ')} |`)];
const ceiling = bench.rows.find((r) => r.suite === 'gemm' && r.case === 'SIMD128 int8 ceiling');
const ceilingLine = ceiling ? `The SIMD128 int8 ceiling on this engine, measured in the same run (\`kb_dot_ceiling\`: the 4×8 \`dot_i16x8_s\` + \`add\` register tile alone, int16 operands in L1, no output stage): ${ceiling.gops.toFixed(1)} GOPS.\n\n` : '';
const table = `Node ${bench.node}, one thread, ${bench.date.slice(0, 10)}, best of ${bench.bestOf ?? 1} runs per row, the contenders of a shape timed interleaved; peer time / qwasm time (> 1 means qwasm is faster):\n\n${gemm.join('\n')}\n\n` +
  `GOPS (2·M·N·K per call):\n\n${gemmGops.join('\n')}\n\n` + ceilingLine +
  (convCases.length ? `Convolutions (uint8 in, uint8 out, ONNX QLinearConv semantics):\n\n${conv.join('\n')}\n\n` : '') +
  (modelCases.length ? `Whole sample models (\`bench/suites/models.mjs\`; static int8 runs its layers in integers):\n\n${models.join('\n')}\n\n` : '') +
  `Tensor quantization through \`qw.quantize\` (GB/s of float32 input, including the copies in and out of the wasm heap):\n\n${qt.join('\n')}`;
const readme = new URL('../README.md', import.meta.url);
const text = readFileSync(readme, 'utf8');
const start = '<!-- bench-table:start -->', end = '<!-- bench-table:end -->';
writeFileSync(readme, text.slice(0, text.indexOf(start) + start.length) + '\n' + table + '\n' + text.slice(text.indexOf(end)));
console.log(table);
