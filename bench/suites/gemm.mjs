// Linear layers y = x·Wᵀ: qwasm createLinear (fp32 / int8 dynamic / int4 and
// uint4 per-group 32) vs onnxruntime-web (MatMul, DynamicQuantizeLinear+MatMulInteger,
// MatMulNBits) vs TF.js wasm (matMul), single thread, same process. With the
// bench kernel module built (bash bench/lib/build-kernel-bench.sh), also the
// static int8 GEMM (uint8 → uint8, QLinearMatMul semantics) vs ORT's
// QLinearMatMul, and whether their outputs are identical. The contenders of
// a shape are timed interleaved (run.mjs timeAll), so drift hits them alike.
import { loadKernelBench } from '../lib/kernel-bench.mjs';
import { TYPES, attrInt, model, node, tensor, valueInfo } from '../lib/onnx-builder.mjs';

const SHAPES = [];
for (const M of [1, 16, 128]) for (const [K, N] of [[512, 512], [1024, 1024], [4096, 1024]]) SHAPES.push({ M, K, N });
// QWASM_GEMM_SHAPES=16x512x512,128x1024x1024 (MxKxN) runs only those shapes.
const only = (globalThis.process?.env?.QWASM_GEMM_SHAPES ?? '').split(',').filter(Boolean);
if (only.length) SHAPES.splice(0, SHAPES.length, ...only.map((s) => { const [M, K, N] = s.split('x').map(Number); return { M, K, N }; }));

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
  // QLinearMatMul: uint8 x (zero-point 128), per-column int8 weights, uint8 y.
  const colScale = new Float32Array(N), wq8 = new Int8Array(K * N);
  for (let n = 0; n < N; n++) {
    let m = 0;
    for (let k = 0; k < K; k++) m = Math.max(m, Math.abs(wkn[k * N + n]));
    colScale[n] = m / 127 || 1;
    for (let k = 0; k < K; k++) wq8[k * N + n] = Math.max(-127, Math.min(127, Math.round(wkn[k * N + n] / colScale[n])));
  }
  const st = staticParams(K);
  const qlinear = model({
    nodes: [node('QLinearMatMul', ['x', 'xs', 'xz', 'w', 'ws', 'wz', 'ys', 'yz'], ['y'])],
    initializers: [tensor('xs', TYPES.float, [], Float32Array.of(st.xScale)), tensor('xz', TYPES.uint8, [], Uint8Array.of(st.xZero)),
      tensor('w', TYPES.int8, [K, N], wq8), tensor('ws', TYPES.float, [N], colScale), tensor('wz', TYPES.int8, [N], new Int8Array(N)),
      tensor('ys', TYPES.float, [], Float32Array.of(st.yScale)), tensor('yz', TYPES.uint8, [], Uint8Array.of(st.yZero))],
    inputs: [valueInfo('x', TYPES.uint8, ['M', K])], outputs: [valueInfo('y', TYPES.uint8, ['M', N])],
  });
  return { fp32, int8, nbits, qlinear, wq8, colScale };
}

// Activation / output quantization of the static case: x ~ N(0, 1) on uint8.
function staticParams(K) {
  return { xScale: 4 / 127, xZero: 128, yScale: Math.sqrt(K) * 4 / 127, yZero: 128 };
}

export default {
  name: 'gemm',
  async run({ qw, report, peers, timeAll }) {
    const kb = await loadKernelBench();
    if (kb) {
      // What any int8 GEMM on SIMD128 can reach here (kernel-bench.cpp,
      // kb_dot_ceiling): the register tile alone, operands in L1.
      const tiles = 2000, ops = tiles * 2 * 4 * 8 * 256;
      const times = await timeAll([['4x8 int16 tile in L1, no memory traffic', () => kb.dotCeiling(tiles)]], { minMs: 600 });
      for (const [impl, ms] of times) report({ suite: 'gemm', case: 'SIMD128 int8 ceiling', impl, ms, gops: ops / ms / 1e6 });
    }
    for (const { M, K, N } of SHAPES) {
      const w = normal(N * K, 1), x = normal(M * K, 2);
      const ops = 2 * M * N * K;
      const caseName = `M=${M} K=${K} N=${N}`;
      const rec = (impl, ms, error) => report({ suite: 'gemm', case: caseName, impl, ms, gops: ops / ms / 1e6, ...(error ? { error } : {}) });
      // Every contender of the case is set up first, then timed interleaved.
      const entries = [], cleanup = [];
      for (const dtype of ['fp32', 'int8', 'int4', 'uint4']) {
        const lin = qw.createLinear(w, { shape: [N, K], dtype, groupSize: 32 });
        entries.push([`qwasm ${dtype}`, () => lin.forward(x, M)]);
        cleanup.push(() => lin.dispose());
      }
      const models = peers.ort || kb ? ortModels(K, N, w) : null;
      const st = staticParams(K);
      const xq = Uint8Array.from(x, (v) => Math.max(0, Math.min(255, Math.round(v / st.xScale) + st.xZero)));
      let ours = null;
      if (kb) {
        const wnk = new Int8Array(N * K);
        for (let n = 0; n < N; n++) for (let k = 0; k < K; k++) wnk[n * K + k] = models.wq8[k * N + n];
        const h = kb.gemmCreate(wnk, N, K, models.colScale, new Int32Array(N));
        const pa = kb.put(xq), py = kb.alloc(M * N);
        const run = () => kb.gemmRun(h, pa, M, 1, st.xScale, st.xZero, py, 'u8', st.yScale, st.yZero);
        run();
        ours = kb.view(Uint8Array, py, M * N).slice();
        entries.push(['qwasm int8 static (u8→u8)', run]);
        cleanup.push(() => { kb.free(pa); kb.free(py); kb.gemmFree(h); });
      }
      if (peers.ort) {
        const xf = new peers.ort.Tensor('float32', x, [M, K]);
        for (const [impl, bytes, feed] of [
          ['ort-web QLinearMatMul (u8→u8)', models.qlinear, { x: new peers.ort.Tensor('uint8', xq, [M, K]) }],
          ['ort-web fp32 MatMul', models.fp32, { x: xf }],
          ['ort-web int8 DynQ+MatMulInteger', models.int8, { x: xf }],
          ['ort-web int4 MatMulNBits', models.nbits, { x: xf }],
        ]) {
          try {
            const sess = await peers.ort.InferenceSession.create(bytes, { executionProviders: ['wasm'] });
            if (ours && impl.includes('QLinearMatMul')) {
              const y = (await sess.run(feed)).y.data;
              let diff = 0;
              for (let i = 0; i < y.length; i++) if (y[i] !== ours[i]) diff++;
              console.log(`  ${caseName}: qwasm vs ORT QLinearMatMul outputs: ${diff} of ${y.length} differ`);
            }
            entries.push([impl, () => sess.run(feed)]);
            cleanup.push(() => sess.release());
          } catch (e) {
            rec(impl, NaN, String(e.message ?? e).slice(0, 120));
          }
        }
      }
      if (peers.tf) {
        const tf = peers.tf;
        // Weights as [K, N]: TF.js's matMul with transposeB copies B on every call.
        const wkn = new Float32Array(K * N);
        for (let n = 0; n < N; n++) for (let k = 0; k < K; k++) wkn[k * N + n] = w[n * K + k];
        const tw = tf.tensor2d(wkn, [K, N]), tx = tf.tensor2d(x, [M, K]);
        entries.push(['tfjs-wasm fp32 matMul', () => { const y = tf.matMul(tx, tw); y.dataSync(); y.dispose(); }]);
        cleanup.push(() => { tw.dispose(); tx.dispose(); });
      }
      const times = await timeAll(entries, { minMs: 600 });
      for (const [impl] of entries) rec(impl, times.get(impl));
      for (const c of cleanup) await c();
    }
  },
};
