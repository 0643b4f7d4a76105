// Quantized convolutions (NCHW, uint8 activations, per-channel int8 weights,
// int32 bias, uint8 requantized output = ONNX QLinearConv semantics): qwasm's
// packed-GEMM / direct-depthwise kernels vs onnxruntime-web QLinearConv and
// Conv fp32, and TF.js wasm conv2d / depthwiseConv2d fp32. Single thread,
// same process. qwasm runs through the bench kernel module
// (bash bench/lib/build-kernel-bench.sh); without it its rows are skipped.
// Also reports whether qwasm's uint8 outputs equal ORT's QLinearConv outputs.
import { loadKernelBench } from '../lib/kernel-bench.mjs';
import { TYPES, attrInt, attrInts, model, node, tensor, valueInfo } from '../lib/onnx-builder.mjs';

// The sample CNN (cnn_bn, MNIST) and typical MobileNet / ResNet layers.
const SHAPES = [
  { name: 'cnn_bn conv1 1→8 3x3 p1 28²', C: 1, H: 28, W: 28, OC: 8, k: 3, s: 1, p: 1 },
  { name: 'cnn_bn conv2 8→16 3x3 p1 14²', C: 8, H: 14, W: 14, OC: 16, k: 3, s: 1, p: 1 },
  { name: 'stem 3→32 3x3 s2 p1 224²', C: 3, H: 224, W: 224, OC: 32, k: 3, s: 2, p: 1 },
  { name: 'dw 32 3x3 p1 112²', C: 32, H: 112, W: 112, OC: 32, k: 3, s: 1, p: 1, g: 32 },
  { name: 'pw 32→64 1x1 112²', C: 32, H: 112, W: 112, OC: 64, k: 1, s: 1, p: 0 },
  { name: 'dw 64 3x3 s2 p1 112²', C: 64, H: 112, W: 112, OC: 64, k: 3, s: 2, p: 1, g: 64 },
  { name: 'pw 128→128 1x1 56²', C: 128, H: 56, W: 56, OC: 128, k: 1, s: 1, p: 0 },
  { name: 'resnet 64→64 3x3 p1 56²', C: 64, H: 56, W: 56, OC: 64, k: 3, s: 1, p: 1 },
  { name: 'resnet 128→128 3x3 p1 28²', C: 128, H: 28, W: 28, OC: 128, k: 3, s: 1, p: 1 },
  { name: 'dilated 64→64 3x3 d2 p2 28²', C: 64, H: 28, W: 28, OC: 64, k: 3, s: 1, p: 2, d: 2 },
  { name: 'grouped 64→64 g4 3x3 p1 28²', C: 64, H: 28, W: 28, OC: 64, k: 3, s: 1, p: 1, g: 4 },
];

function rng(seed) {
  let s = seed >>> 0;
  return () => ((s = (s * 1664525 + 1013904223) >>> 0) + 0.5) / 4294967296;
}

function problem(sh) {
  const g = sh.g ?? 1, d = sh.d ?? 1, Cg = sh.C / g, K = Cg * sh.k * sh.k;
  const OH = Math.floor((sh.H + 2 * sh.p - d * (sh.k - 1) - 1) / sh.s) + 1, OW = Math.floor((sh.W + 2 * sh.p - d * (sh.k - 1) - 1) / sh.s) + 1;
  const r = rng(7);
  const x = Uint8Array.from({ length: sh.C * sh.H * sh.W }, () => Math.floor(r() * 256));
  const w = Int8Array.from({ length: sh.OC * K }, () => Math.floor(r() * 255) - 127);
  const wScale = Float32Array.from({ length: sh.OC }, (_, i) => 0.01 * (1 + 0.1 * (i % 4)));
  const bias = Int32Array.from({ length: sh.OC }, () => Math.floor(r() * 20000) - 10000);
  const xScale = 0.02, xZero = 128;
  const yScale = (xScale * 0.01 * 5400 * Math.sqrt(K)) / 40, yZero = 120;
  return { ...sh, g, d, Cg, K, OH, OW, x, w, wScale, bias, xScale, xZero, yScale, yZero, ops: 2 * sh.OC * OH * OW * K };
}

function ortModels(q) {
  const attrs = [attrInts('kernel_shape', [q.k, q.k]), attrInts('strides', [q.s, q.s]), attrInts('pads', [q.p, q.p, q.p, q.p]),
    attrInts('dilations', [q.d, q.d]), attrInt('group', q.g)];
  const wDims = [q.OC, q.Cg, q.k, q.k];
  const qlinear = model({
    nodes: [node('QLinearConv', ['x', 'xs', 'xz', 'w', 'ws', 'wz', 'ys', 'yz', 'b'], ['y'], attrs)],
    initializers: [
      tensor('xs', TYPES.float, [], Float32Array.of(q.xScale)), tensor('xz', TYPES.uint8, [], Uint8Array.of(q.xZero)),
      tensor('w', TYPES.int8, wDims, q.w), tensor('ws', TYPES.float, [q.OC], q.wScale), tensor('wz', TYPES.int8, [q.OC], new Int8Array(q.OC)),
      tensor('ys', TYPES.float, [], Float32Array.of(q.yScale)), tensor('yz', TYPES.uint8, [], Uint8Array.of(q.yZero)),
      tensor('b', TYPES.int32, [q.OC], q.bias),
    ],
    inputs: [valueInfo('x', TYPES.uint8, [1, q.C, q.H, q.W])], outputs: [valueInfo('y', TYPES.uint8, [1, q.OC, q.OH, q.OW])],
  });
  const wf = Float32Array.from(q.w, (v, i) => v * q.wScale[Math.floor(i / q.K)]);
  const bf = Float32Array.from(q.bias, (v, i) => v * q.xScale * q.wScale[i]);
  const fp32 = model({
    nodes: [node('Conv', ['x', 'w', 'b'], ['y'], attrs)],
    initializers: [tensor('w', TYPES.float, wDims, wf), tensor('b', TYPES.float, [q.OC], bf)],
    inputs: [valueInfo('x', TYPES.float, [1, q.C, q.H, q.W])], outputs: [valueInfo('y', TYPES.float, [1, q.OC, q.OH, q.OW])],
  });
  return { qlinear, fp32, xf: Float32Array.from(q.x, (v) => (v - q.xZero) * q.xScale), wf, bf };
}

export default {
  name: 'conv',
  async run({ report, peers, timeAll }) {
    const kb = await loadKernelBench();
    if (!kb) console.warn('conv: build/kernel-bench/kernel_bench.cjs missing (bash bench/lib/build-kernel-bench.sh); qwasm rows skipped');
    for (const sh of SHAPES) {
      const q = problem(sh);
      const caseName = `conv ${q.name}`;
      const rec = (impl, ms, extra = {}) => report({ suite: 'conv', case: caseName, impl, ms, gops: q.ops / ms / 1e6, ...extra });
      const outLen = q.OC * q.OH * q.OW;
      // Every contender of the shape is set up first, then timed interleaved.
      const entries = [], cleanup = [], extras = {};
      let ours = null;
      if (kb) {
        const h = kb.convCreate({ C: q.C, H: q.H, W: q.W, OC: q.OC, kh: q.k, kw: q.k, sh: q.s, sw: q.s, dh: q.d, dw: q.d, pads: [q.p, q.p, q.p, q.p], groups: q.g },
          q.w, q.wScale, q.bias);
        const px = kb.put(q.x), py = kb.alloc(outLen * 4);
        const runU8 = () => kb.convRun(h, px, 1, q.xScale, q.xZero, py, 'u8', q.yScale, q.yZero);
        runU8();
        ours = kb.view(Uint8Array, py, outLen).slice();
        entries.push(['qwasm int8 conv (u8→u8)', runU8]);
        entries.push(['qwasm int8 conv (u8→f32)', () => kb.convRun(h, px, 1, q.xScale, q.xZero, py, 'f32', 1, 0)]);
        cleanup.push(() => { kb.free(px); kb.free(py); kb.convFree(h); });
      }
      const m = ortModels(q);
      if (peers.ort) {
        for (const [impl, bytes, feed] of [
          ['ort-web QLinearConv', m.qlinear, () => new peers.ort.Tensor('uint8', q.x, [1, q.C, q.H, q.W])],
          ['ort-web fp32 Conv', m.fp32, () => new peers.ort.Tensor('float32', m.xf, [1, q.C, q.H, q.W])],
        ]) {
          try {
            const sess = await peers.ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
            const f = { x: feed() };
            if (impl === 'ort-web QLinearConv' && ours) {
              const y = (await sess.run(f)).y.data;
              let diff = 0, maxDiff = 0;
              for (let i = 0; i < outLen; i++) { const e = Math.abs(y[i] - ours[i]); if (e) diff++; maxDiff = Math.max(maxDiff, e); }
              extras[impl] = { mismatches: diff };
              console.log(`  ${caseName}: qwasm vs ORT QLinearConv outputs: ${diff} of ${outLen} differ (max |Δ| ${maxDiff})`);
            }
            entries.push([impl, () => sess.run(f)]);
            cleanup.push(() => sess.release());
          } catch (e) {
            report({ suite: 'conv', case: caseName, impl, ms: NaN, error: String(e.message ?? e).slice(0, 120) });
          }
        }
      }
      if (peers.tf && (q.g === 1 || (q.g === q.C && q.OC === q.C))) {
        const tf = peers.tf;
        const xh = new Float32Array(q.H * q.W * q.C);
        for (let c = 0; c < q.C; c++) for (let i = 0; i < q.H * q.W; i++) xh[i * q.C + c] = m.xf[c * q.H * q.W + i];
        const tx = tf.tensor4d(xh, [1, q.H, q.W, q.C]);
        const pad = [[0, 0], [q.p, q.p], [q.p, q.p], [0, 0]];
        let tw, run;
        if (q.g === 1) {
          const f = new Float32Array(q.k * q.k * q.C * q.OC);  // [kh, kw, C, OC]
          for (let o = 0; o < q.OC; o++) for (let c = 0; c < q.C; c++) for (let i = 0; i < q.k * q.k; i++) f[(i * q.C + c) * q.OC + o] = m.wf[(o * q.C + c) * q.k * q.k + i];
          tw = tf.tensor4d(f, [q.k, q.k, q.C, q.OC]);
          run = () => tf.conv2d(tx, tw, q.s, pad, 'NHWC', q.d);
        } else {
          const f = new Float32Array(q.k * q.k * q.C);  // [kh, kw, C, 1]
          for (let c = 0; c < q.C; c++) for (let i = 0; i < q.k * q.k; i++) f[i * q.C + c] = m.wf[c * q.k * q.k + i];
          tw = tf.tensor4d(f, [q.k, q.k, q.C, 1]);
          run = () => tf.depthwiseConv2d(tx, tw, q.s, pad, 'NHWC', q.d);
        }
        try {
          run().dispose();
          entries.push(['tfjs-wasm fp32 conv2d (NHWC)', () => { const y = run(); y.dataSync(); y.dispose(); }]);
        } catch (e) {
          report({ suite: 'conv', case: caseName, impl: 'tfjs-wasm fp32 conv2d (NHWC)', ms: NaN, error: String(e.message ?? e).slice(0, 120) });
        }
        cleanup.push(() => { tw.dispose(); tx.dispose(); });
      }
      const times = await timeAll(entries, { minMs: 400 });
      for (const [impl] of entries) rec(impl, times.get(impl), extras[impl]);
      for (const c of cleanup) await c();
    }
  },
};
