// Loads the bench-only kernel module (bench/lib/kernel-bench.cpp, built by
// bench/lib/build-kernel-bench.sh) and wraps its C exports; null when it
// has not been built, and in the browser (bench/browser.html imports the
// suites too: Node modules are loaded only when needed).
export async function loadKernelBench() {
  if (typeof window !== 'undefined') return null;
  const { existsSync, readFileSync } = await import('node:fs');
  const { createRequire } = await import('node:module');
  const { dirname, join } = await import('node:path');
  const { fileURLToPath } = await import('node:url');
  const root = join(dirname(fileURLToPath(import.meta.url)), '../..');
  const file = process.env.QWASM_KERNEL_BENCH ?? join(root, 'build/kernel-bench/kernel_bench.cjs');
  if (!existsSync(file)) return null;
  // wasmBinary: Emscripten 3.1.6's loader would try Node's fetch on a file path.
  const mod = await createRequire(import.meta.url)(file)({ wasmBinary: readFileSync(file.replace(/\.cjs$/, '.wasm')) });
  // Copies a typed array into the wasm heap; returns the pointer.
  const put = (arr) => {
    const p = mod._malloc(Math.max(arr.byteLength, 1));
    new Uint8Array(mod.HEAPU8.buffer, p, arr.byteLength).set(new Uint8Array(arr.buffer, arr.byteOffset, arr.byteLength));
    return p;
  };
  const OUT = { f32: 0, s8: 1, u8: 2 };
  return {
    put,
    alloc: (bytes) => mod._malloc(bytes),
    free: (p) => mod._free(p),
    view: (Type, p, n) => new Type(mod.HEAPU8.buffer, p, n),
    // conv: { C, H, W, OC, kh, kw, sh, sw, dh, dw, pads: [t, l, b, r], groups }; w Int8Array; scales Float32Array; bias Int32Array.
    convCreate(s, w, scales, bias) {
      const dims = Int32Array.of(s.C, s.H, s.W, s.OC, s.kh, s.kw, s.sh, s.sw, s.dh, s.dw, ...s.pads, s.groups);
      const pd = put(dims), pw = put(w), ps = put(scales), pb = put(bias);
      const h = mod._kb_conv_create(pd, pw, ps, scales.length, pb);
      [pd, pw, ps, pb].forEach((p) => mod._free(p));
      return h;
    },
    convRun: (h, px, xUnsigned, xScale, xZero, py, out, yScale, yZero, relu = 0) =>
      mod._kb_conv_run(h, px, xUnsigned, xScale, xZero, py, OUT[out], yScale, yZero, relu),
    convFree: (h) => mod._kb_conv_free(h),
    gemmCreate(w, N, K, scales, bias) {
      const pw = put(w), ps = put(scales), pb = put(bias);
      const h = mod._kb_gemm_create(pw, N, K, ps, scales.length, pb);
      [pw, ps, pb].forEach((p) => mod._free(p));
      return h;
    },
    gemmRun: (h, pa, M, aUnsigned, aScale, aZero, py, out, yScale, yZero, relu = 0) =>
      mod._kb_gemm_run(h, pa, M, aUnsigned, aScale, aZero, py, OUT[out], yScale, yZero, relu),
    gemmFree: (h) => mod._kb_gemm_free(h),
    dotCeiling: (tiles) => mod._kb_dot_ceiling(tiles),
  };
}
