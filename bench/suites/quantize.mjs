// Tensor quantization throughput in GB/s of float32 (input for quantize and
// fakeQuantize, output for dequantize), SIMD kernels vs the scalar references
// of the same wasm module (`_setKernelPath` is internal, for benchmarks).
// Times include the copies into and out of the wasm heap that the public API
// makes. The SIMD row carries `ratio` = scalar ms / SIMD ms.
const CASES = [
  ['int8 per-tensor', { dtype: 'int8' }],
  ['int8 per-channel', { dtype: 'int8', granularity: 'channel' }],
  ['uint8 per-channel asym', { dtype: 'uint8', granularity: 'channel' }],
  ['int4 per-group 32', { dtype: 'int4', granularity: 'group', groupSize: 32 }],
  ['fp16', { dtype: 'fp16' }],
  ['bf16', { dtype: 'bf16' }],
  ['fp8-e4m3', { dtype: 'fp8-e4m3' }],
  ['fp8-e4m3 scaled per-channel', { dtype: 'fp8-e4m3', granularity: 'channel', scaled: true }],
  ['nf4 block 64', { dtype: 'nf4' }],
];
const EXTRA = new Set(['int8 per-channel', 'int4 per-group 32', 'fp16', 'fp8-e4m3']);

export default {
  name: 'quantize',
  async run({ qw, report, time }) {
    const rows = 1024, cols = 1024;
    const shape = [rows, cols];
    const x = Float32Array.from({ length: rows * cols }, (_, i) => Math.sin(i * 0.37) * (1 + (i % 13)));
    const gb = x.byteLength / 1e9;
    const measure = async (kind, name, fn) => {
      const ms = {};
      for (const path of ['scalar', 'simd']) {
        qw.core._setKernelPath(path);
        ms[path] = await time(fn);
      }
      qw.core._setKernelPath('simd');
      const c = `${kind} ${name} [${rows}x${cols}]`;
      report({ suite: 'quantize', case: c, impl: 'qwasm simd', ms: ms.simd, gbps: gb / (ms.simd / 1e3), ratio: ms.scalar / ms.simd });
      report({ suite: 'quantize', case: c, impl: 'qwasm scalar', ms: ms.scalar, gbps: gb / (ms.scalar / 1e3) });
    };
    for (const [name, opts] of CASES) {
      await measure('quantize', name, () => qw.quantize(x, { shape, ...opts }).dispose());
    }
    for (const [name, opts] of CASES) {
      if (!EXTRA.has(name)) continue;
      const qt = qw.quantize(x, { shape, ...opts });
      await measure('dequantize()', name, () => qt.dequantize());
      qt.dispose();
      await measure('fakeQuantize', name, () => qw.fakeQuantize(x, { shape, ...opts }));
    }
  },
};
