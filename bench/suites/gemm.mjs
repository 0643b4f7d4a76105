// Linear layers y = x·Wᵀ: qwasm createLinear (fp32 / int8 dynamic / int4
// per-group) vs onnxruntime-web (MatMul, DynamicQuantizeLinear+MatMulInteger,
// MatMulNBits) vs TF.js wasm (matMul), single thread, same process.
import { TYPES, attrInt, model, node, tensor, valueInfo } from '../lib/onnx-builder.mjs';

const SHAPES = [];
for (const M of [1, 16, 128]) for (const [K, N] of [[512, 512], [1024, 1024], [4096, 1024]]) SHAPES.push({ M, K, N });

function normal(n, seed) {
  let s = seed >>> 0;
  const r = () => ((s = (s * 1664525 + 1013904223) >>> 0) + 0.5) / 4294967296;
  return Float32Array.from({ length: n }, () => Math.sqrt(-2 * Math.log(r())) * Math.cos(2 * Math.PI * r()));
}

function ortModels(K, N, w) {
  // W as [K, N] for MatMul.
  const wkn = new Float32Array(K * N);
  for (let n = 0; n < N; n++) for (let k = 0; k < K; k++) wkn[k * N + n] = w[n * K + k];
  const fp32 = model({
    nodes: [node('MatMul', ['x', 'w'], ['y'])],
    initializers: [tensor('w', TYPES.float, [K, N], wkn)],
    inputs: [valueInfo('x', TYPES.float, ['M', K])], outputs: [valueInfo('y', TYPES.float, ['M', N])],
  });
  // Per-tensor int8 weights (MatMulInteger takes a scalar or per-column zero point).
  let amax = 0;
  for (const v of wkn) amax = Math.max(amax, Math.abs(v));
  const ws = amax / 127;
  const wq = Int8Array.from(wkn, (v) => Math.max(-127, Math.min(127, Math.round(v / ws))));
  const int8 = model({
    nodes: [
      node('DynamicQuantizeLinear', ['x'], ['xq', 'xs', 'xz']),
      node('MatMulInteger', ['xq', 'wq', 'xz', 'wz'], ['acc']),
      node('Cast', ['acc'], ['accf'], [attrInt('to', TYPES.float)]),
      node('Mul', ['xs', 'ws'], ['s']),
      node('Mul', ['accf', 's'], ['y']),
    ],
    initializers: [tensor('wq', TYPES.int8, [K, N], wq), tensor('wz', TYPES.int8, [], Int8Array.of(0)), tensor('ws', TYPES.float, [], Float32Array.of(ws))],
    inputs: [valueInfo('x', TYPES.float, ['M', K])], outputs: [valueInfo('y', TYPES.float, ['M', N])],
  });
  // MatMulNBits: B [N, K/32, 16] uint8 (4-bit, block 32), scales [N * K/32], zero point 8 (default).
  const blocks = K / 32;
  const packed = new Uint8Array(N * blocks * 16);
  const scales = new Float32Array(N * blocks);
  for (let n = 0; n < N; n++) for (let b = 0; b < blocks; b++) {
    let m = 0;
    for (let i = 0; i < 32; i++) m = Math.max(m, Math.abs(w[n * K + b * 32 + i]));
    const s = m / 7 || 1;
    scales[n * blocks + b] = s;
    for (let i = 0; i < 32; i++) {
      const q = Math.max(-8, Math.min(7, Math.round(w[n * K + b * 32 + i] / s))) + 8;
      packed[(n * blocks + b) * 16 + (i >> 1)] |= (i & 1) ? q << 4 : q;
    }
  }
  const nbits = model({
    nodes: [node('MatMulNBits', ['x', 'wq', 'scales'], ['y'], [attrInt('K', K), attrInt('N', N), attrInt('bits', 4), attrInt('block_size', 32)], 'com.microsoft')],
    initializers: [tensor('wq', TYPES.uint8, [N, blocks, 16], packed), tensor('scales', TYPES.float, [N * blocks], scales)],
    inputs: [valueInfo('x', TYPES.float, ['M', K])], outputs: [valueInfo('y', TYPES.float, ['M', N])],
    msOpset: 1,
  });
  return { fp32, int8, nbits };
}

export default {
  name: 'gemm',
  async run({ qw, report, peers, time }) {
    for (const { M, K, N } of SHAPES) {
      const w = normal(N * K, 1), x = normal(M * K, 2);
      const ops = 2 * M * N * K;
      const caseName = `M=${M} K=${K} N=${N}`;
      const rec = (impl, ms) => report({ suite: 'gemm', case: caseName, impl, ms, gops: ops / ms / 1e6 });
      for (const dtype of ['fp32', 'int8', 'int4']) {
        const lin = qw.createLinear(w, { shape: [N, K], dtype, groupSize: 32 });
        rec(`qwasm ${dtype}`, await time(() => lin.forward(x, M)));
        lin.dispose();
      }
      if (peers.ort) {
        const models = ortModels(K, N, w);
        for (const [impl, bytes] of [['ort-web fp32 MatMul', models.fp32], ['ort-web int8 DynQ+MatMulInteger', models.int8], ['ort-web int4 MatMulNBits', models.nbits]]) {
          try {
            const sess = await peers.ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
            const feed = { x: new peers.ort.Tensor('float32', x, [M, K]) };
            rec(impl, await time(() => sess.run(feed)));
            await sess.release();
          } catch (e) {
            report({ suite: 'gemm', case: caseName, impl, ms: NaN, error: String(e.message ?? e).slice(0, 120) });
          }
        }
      }
      if (peers.tf) {
        const tf = peers.tf;
        // Weights as [K, N]: TF.js's matMul with transposeB copies B on every call.
        const wkn = new Float32Array(K * N);
        for (let n = 0; n < N; n++) for (let k = 0; k < K; k++) wkn[k * N + n] = w[n * K + k];
        const tw = tf.tensor2d(wkn, [K, N]), tx = tf.tensor2d(x, [M, K]);
        rec('tfjs-wasm fp32 matMul', await time(() => { const y = tf.matMul(tx, tw); y.dataSync(); y.dispose(); }));
        tw.dispose();
        tx.dispose();
      }
    }
  },
};
