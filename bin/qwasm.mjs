#!/usr/bin/env node
// The qwasm command line: the same wasm core as the browser, under Node.
//   npx qwasm inspect model.onnx
//   npx qwasm quantize model.onnx -o model.int8.onnx --mode static --calib samples/ [options]
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, extname } from 'node:path';
import { calibrationInputs } from './calibration-inputs.mjs';
import { init } from '../dist/index.js';

const HELP = `qwasm — quantize ONNX models with the qwasm WebAssembly core

usage:
  qwasm inspect <model.onnx|model.safetensors>
  qwasm quantize <model.onnx> -o <out.onnx|out.safetensors> [options]

quantize options:
  --mode <weight-only|dynamic|static>   default static
  --dtype <int8|uint8|int4|uint4>       weight dtype (weight-only), default int8
  --granularity <channel|tensor|group>  default channel
  --group-size <n>                      default 32
  --act-range <minmax|percentile|mse|entropy>   static activations, default minmax
  --percentile <p>                      default 99.99
  --calib <dir|file>                    calibration inputs for a single-input model:
                                        .npy files (float32, one batch each) and/or
                                        images (.png, .pgm, .ppm), resized to the
                                        input's C,H,W and scaled to [0, 1]
  --image-shape <C,H,W>                 where images go (default: from the input shape;
                                        [N, F] inputs take square grayscale images)
  --mean <m[,m,m]> --std <s[,s,s]>      image normalisation (x - mean) / std, default 0 / 1
  --batch-size <n>                      images per calibration batch, default 32
  --exclude <name,name,...>             layers to keep in float32
  --reduce-range                        7-bit weights (onnxruntime-node on x86 without VNNI)
  --report <file.json>                  write the per-layer report
`;

function fail(msg) {
  process.stderr.write(`qwasm: ${msg}\n`);
  process.exit(1);
}

function parseArgs(argv) {
  const out = { _: [] };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '-o' || a === '--output') out.output = argv[++i];
    else if (a === '--reduce-range') out.reduceRange = true;
    else if (a === '-h' || a === '--help') out.help = true;
    else if (a.startsWith('--')) {
      const v = argv[i + 1];
      if (v === undefined) fail(`${a} needs a value`);
      out[a.slice(2)] = v;
      i++;
    } else out._.push(a);
  }
  return out;
}

function progressBar(fraction, message) {
  if (!process.stderr.isTTY) return;
  const width = 30, filled = Math.round(fraction * width);
  process.stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(fraction * 100).toFixed(0).padStart(3)}% ${message.padEnd(30).slice(0, 30)}`);
  if (fraction >= 1) process.stderr.write('\n');
}

const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
const db = (v) => (v === Infinity ? 'exact' : `${v.toFixed(1)} dB`);

async function main() {
  const args = parseArgs(process.argv.slice(2));
  const [command, file] = args._;
  if (args.help || !command) { process.stdout.write(HELP); return; }
  if (!file) fail(`${command}: which model? (see qwasm --help)`);
  const qw = await init();
  let model;
  try {
    model = await qw.loadModel(readFileSync(file));
  } catch (e) {
    fail(`${file}: ${e.message}`);
  }
  if (command === 'inspect') {
    const s = model.summary();
    console.log(`${basename(file)}: ${s.format}, ${s.parameterCount.toLocaleString()} parameters, ${kb(s.parameterBytes)}`);
    for (const i of model.inputs) console.log(`  input  ${i.name} [${(i.shape ?? []).join(', ')}] ${i.dtype}`);
    for (const o of model.outputs) console.log(`  output ${o.name} [${(o.shape ?? []).join(', ')}] ${o.dtype}`);
    if (s.ops) console.log(`  ops: ${Object.entries(s.ops).map(([k, v]) => `${k}×${v}`).join(', ')}`);
    if (s.foldedBatchNorms) console.log(`  folded ${s.foldedBatchNorms} BatchNormalization into Conv`);
    if (s.integerLayers) console.log(`  ${s.integerLayers} layers run in integers (static/dynamic QDQ)`);
    if (s.nodes?.some((n) => n.outputShapes)) {
      console.log('  nodes (output shapes, N = batch):');
      const dims = (sh) => (sh ? `[${sh.map((d) => (d === -1 ? 'N' : d)).join(', ')}]` : '?');
      for (const n of s.nodes) console.log(`    ${n.op.padEnd(18)} ${n.name.padEnd(32)} ${(n.outputShapes ?? []).map(dims).join(' ')}`);
    }
    if (s.format === 'onnx' && model.inputs.length === 1) {
      const qm = await qw.quantizeModel(model, { mode: 'weight-only' });
      console.log('  layers (int8 per-channel weight SQNR):');
      for (const l of qm.report.layers) console.log(`    ${l.node.padEnd(32)} ${l.op.padEnd(7)} ${String(l.parameters).padStart(9)} params  ${db(l.weightSqnrDb)}`);
      qm.dispose();
    } else if (s.format === 'safetensors') {
      for (const t of model.tensors()) console.log(`  ${t.name} [${t.shape.join(', ')}] ${t.dtype}`);
    }
  } else if (command === 'quantize') {
    if (!args.output) fail('quantize: give the output file with -o');
    const mode = args.mode ?? 'static';
    const list = (v) => (v === undefined ? undefined : v.split(',').map(Number));
    let calibration;
    try {
      calibration = calibrationInputs(args.calib, model.inputs[0] ?? { name: 'input' }, {
        batchSize: Number(args['batch-size'] ?? 32), imageShape: args['image-shape'], mean: list(args.mean), std: list(args.std),
      });
    } catch (e) {
      fail(e.message);
    }
    if (mode === 'static' && !calibration.length) fail('quantize: static mode needs --calib <dir of .npy files or images>');
    const t0 = performance.now();
    let qm;
    try {
      qm = await qw.quantizeModel(model, {
        mode,
        weights: { dtype: args.dtype ?? 'int8', granularity: args.granularity ?? 'channel', groupSize: Number(args['group-size'] ?? 32), reduceRange: !!args.reduceRange },
        activations: { range: args['act-range'] ?? 'minmax', percentile: Number(args.percentile ?? 99.99) },
        calibration,
        exclude: args.exclude ? args.exclude.split(',') : [],
        onProgress: progressBar,
      });
    } catch (e) {
      fail(e.message);
    }
    const out = extname(args.output) === '.safetensors' ? qm.toSafetensors() : qm.toONNX();
    writeFileSync(args.output, out);
    const r = qm.report;
    console.log(`${basename(file)} -> ${args.output} (${mode}) in ${((performance.now() - t0) / 1000).toFixed(2)} s: ${kb(r.bytesBefore)} -> ${kb(r.bytesAfter)}${calibration.length ? `, output SQNR ${db(r.outputSqnrDb)}` : ''}`);
    for (const l of r.layers) console.log(`  ${l.node.padEnd(32)} ${l.dtype.padEnd(5)} weight ${db(l.weightSqnrDb).padStart(9)}  output ${db(l.outputSqnrDb).padStart(9)}  ${kb(l.bytesBefore)} -> ${kb(l.bytesAfter)}${l.note ? '  (' + l.note + ')' : ''}`);
    if (args.report) writeFileSync(args.report, JSON.stringify(r, null, 2));
    qm.dispose();
  } else {
    fail(`unknown command '${command}' (inspect, quantize)`);
  }
  model.dispose();
}

await main();
