// A bench-only wasm module over the quantized kernels (packed GEMM and
// convolution), for bench/suites/conv.mjs and gemm.mjs until the package
// exposes them. Plain C exports; build with bench/lib/build-kernel-bench.sh.
#include <emscripten/emscripten.h>

#include <cstdint>
#include <vector>

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#endif

#include "kernels/qconv/qconv.h"
#include "kernels/qgemm/qgemm.h"

using namespace qwasm::kernels;

namespace {

struct Conv {
  QConvShape shape;
  QPackedWeights w;
};

QOutput output(int kind, float scale, int zeroPoint, int relu) {
  QOutput o;
  o.kind = static_cast<QOutput::Kind>(kind);  // 0 f32, 1 s8, 2 u8
  o.scale = scale;
  o.zeroPoint = zeroPoint;
  if (relu) o.minValue = 0.0f;
  return o;
}

QActivation activation(int isUnsigned, float scale, int zeroPoint) {
  QActivation a;
  a.type = isUnsigned ? QType::U8 : QType::S8;
  a.scale = scale;
  a.zeroPoint = zeroPoint;
  return a;
}

}  // namespace

extern "C" {

// dims: C H W OC kh kw sh sw dh dw padTop padLeft padBottom padRight groups (15 int32).
EMSCRIPTEN_KEEPALIVE void* kb_conv_create(const int32_t* d, const int8_t* w, const float* scales, int numScales, const int32_t* bias) {
  auto* c = new Conv;
  QConvShape& s = c->shape;
  s.C = d[0]; s.H = d[1]; s.W = d[2]; s.OC = d[3]; s.kh = d[4]; s.kw = d[5]; s.sh = d[6]; s.sw = d[7];
  s.dh = d[8]; s.dw = d[9]; s.padTop = d[10]; s.padLeft = d[11]; s.padBottom = d[12]; s.padRight = d[13]; s.groups = d[14];
  c->w = packQConvWeights(w, s, scales, numScales, bias, nullptr);
  return c;
}

EMSCRIPTEN_KEEPALIVE void kb_conv_run(void* h, const void* x, int xUnsigned, float xScale, int xZero, void* y, int outKind, float yScale,
                                      int yZero, int relu) {
  auto* c = static_cast<Conv*>(h);
  qconv2d(x, 1, activation(xUnsigned, xScale, xZero), c->w, c->shape, y, output(outKind, yScale, yZero, relu));
}

EMSCRIPTEN_KEEPALIVE void kb_conv_free(void* h) { delete static_cast<Conv*>(h); }

EMSCRIPTEN_KEEPALIVE void* kb_gemm_create(const int8_t* w, int N, int K, const float* scales, int numScales, const int32_t* bias) {
  return new QPackedWeights(packQWeights(w, N, K, scales, numScales, bias, nullptr));
}

EMSCRIPTEN_KEEPALIVE void kb_gemm_run(void* h, const void* a, int M, int aUnsigned, float aScale, int aZero, void* y, int outKind, float yScale,
                                      int yZero, int relu) {
  qgemm(a, M, activation(aUnsigned, aScale, aZero), *static_cast<QPackedWeights*>(h), y, output(outKind, yScale, yZero, relu));
}

EMSCRIPTEN_KEEPALIVE void kb_gemm_free(void* h) { delete static_cast<QPackedWeights*>(h); }

#if defined(__wasm_simd128__)
// The ceiling of an int8 GEMM built on SIMD128 under this engine: the 4×8
// register tile with everything a real kernel can drop already dropped
// (weights pre-widened to int16 so no sign extension, pointer-increment
// addressing, operands resident in L1, no output stage). Per k-pair: 2 weight
// loads, 4 activation splats, 8 i32x4.dot_i16x8_s + 8 i32x4.add for 64 MACs.
// Runs `tiles` tiles over K = 256 and returns a checksum (so nothing is
// optimized away); GOPS = tiles · 2·4·8·256 / time.
EMSCRIPTEN_KEEPALIVE int32_t kb_dot_ceiling(int tiles) {
  constexpr size_t K = 256;
  static std::vector<int16_t> a(4 * K, 3), b(8 * K, -2);
  int32_t sum = 0;
  for (int t = 0; t < tiles; ++t) {
    v128_t acc[4][2];
    for (auto& row : acc) row[0] = row[1] = wasm_i32x4_splat(t);
    const int16_t* bp = b.data();
    const int16_t* ap[4] = {a.data(), a.data() + K, a.data() + 2 * K, a.data() + 3 * K};
#pragma clang loop unroll(disable)
    for (size_t k = 0; k < K; k += 2, bp += 16) {
      const v128_t b0 = wasm_v128_load(bp), b1 = wasm_v128_load(bp + 8);
      for (int i = 0; i < 4; ++i) {
        const v128_t av = wasm_v128_load32_splat(ap[i]);
        ap[i] += 2;
        acc[i][0] = wasm_i32x4_add(acc[i][0], wasm_i32x4_dot_i16x8(av, b0));
        acc[i][1] = wasm_i32x4_add(acc[i][1], wasm_i32x4_dot_i16x8(av, b1));
      }
    }
    v128_t s = wasm_i32x4_splat(0);
    for (auto& row : acc) s = wasm_i32x4_add(s, wasm_i32x4_add(row[0], row[1]));
    sum += wasm_i32x4_extract_lane(s, 0);
  }
  return sum;
}
#endif

}  // extern "C"
