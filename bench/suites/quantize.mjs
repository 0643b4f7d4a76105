// Tensor quantization throughput in GB/s of float32 input, SIMD kernels vs
// the scalar references (same wasm module; `_setKernelPath` is internal).
const CASES = [
  ['int8 per-tensor', { dtype: 'int8' }],
  ['int8 per-channel', { dtype: 'int8', granularity: 'channel' }],
  ['int4 per-group 32', { dtype: 'int4', granularity: 'group', groupSize: 32 }],
  ['fp16', { dtype: 'fp16' }],
  ['fp8-e4m3', { dtype: 'fp8-e4m3' }],
];

export default {
  name: 'quantize',
  async run({ qw, report, time }) {
    const rows = 1024, cols = 1024;
    const x = Float32Array.from({ length: rows * cols }, (_, i) => Math.sin(i * 0.37) * (1 + (i % 13)));
    for (const [name, opts] of CASES) {
      for (const path of ['simd', 'scalar']) {
        qw.core._setKernelPath(path);
        const ms = await time(() => qw.quantize(x, { shape: [rows, cols], ...opts }).dispose());
        report({ suite: 'quantize', case: `quantize ${name} [${rows}x${cols}]`, impl: `qwasm ${path}`, ms, gbps: (x.byteLength / 1e9) / (ms / 1e3) });
      }
    }
    qw.core._setKernelPath('simd');
  },
};
