// A bench-only wasm module over the quantized kernels (packed GEMM and
// convolution), for bench/suites/conv.mjs and gemm.mjs until the package
// exposes them. Plain C exports; build with bench/lib/build-kernel-bench.sh.
#include <emscripten/emscripten.h>

#include <cstdint>

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

}  // extern "C"
