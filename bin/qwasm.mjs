#!/usr/bin/env node
// The qwasm command line: the same wasm core as the browser, under Node.
//   npx qwasm inspect model.onnx
//   npx qwasm quantize model.onnx -o model.int8.onnx --mode static --calib samples/ [options]
import { readFileSync, writeFileSync, readdirSync, statSync } from 'node:fs';
import { basename, extname, join } from 'node:path';
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
  --calib <dir|file>                    calibration inputs: .npy files (float32, one batch
                                        each) for a single-input model
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

// Minimal .npy reader: float32 little-endian, C order.
function readNpy(path) {
  const buf = readFileSync(path);
  if (buf.subarray(0, 6).toString('latin1') !== '\x93NUMPY') fail(`${path}: not a .npy file`);
  const major = buf[6];
  const headerLen = major === 1 ? buf.readUInt16LE(8) : buf.readUInt32LE(8);
  const start = major === 1 ? 10 : 12;
  const header = buf.subarray(start, start + headerLen).toString('latin1');
  const descr = /'descr':\s*'([^']+)'/.exec(header)?.[1];
  const fortran = /'fortran_order':\s*True/.test(header);
  const shape = (/'shape':\s*\(([^)]*)\)/.exec(header)?.[1] ?? '').split(',').map((s) => s.trim()).filter(Boolean).map(Number);
  if (descr !== '<f4') fail(`${path}: dtype ${descr}; qwasm reads float32 ('<f4') .npy files`);
  if (fortran) fail(`${path}: Fortran-order arrays are not supported`);
  const data = new Float32Array(buf.buffer.slice(buf.byteOffset + start + headerLen, buf.byteOffset + buf.length));
  if (data.length !== shape.reduce((a, b) => a * b, 1)) fail(`${path}: data does not match shape [${shape}]`);
  return { data, shape };
}

function calibrationInputs(path, inputName) {
  if (!path) return [];
  const files = statSync(path).isDirectory() ? readdirSync(path).filter((f) => f.endsWith('.npy')).sort().map((f) => join(path, f)) : [path];
  if (!files.length) fail(`${path}: no .npy files`);
  return files.map((f) => ({ [inputName]: readNpy(f) }));
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
    const calibration = calibrationInputs(args.calib, model.inputs[0]?.name ?? 'input');
    if (mode === 'static' && !calibration.length) fail('quantize: static mode needs --calib <dir of .npy files>');
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
