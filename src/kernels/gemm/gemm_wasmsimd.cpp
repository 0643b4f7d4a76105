// wasm SIMD128 versions of the GEMM kernels, and the dispatching entry
// points (the references elsewhere).
//  - f32: 4 rows of A × 4 rows of B per step, 16 f32x4 dot-product
//    accumulators over K, horizontal sums at the end (wasm has no FMA: mul+add).
//  - per-row int8 quantization of activations (the dynamic int8 Linear).
// The packed GEMMs that inference runs on live in kernels/qgemm, fgemm, q4gemm.
#include <algorithm>
#include <cmath>

#include "kernels/gemm/gemm.h"

#if defined(__wasm_simd128__)
#include <wasm_simd128.h>
#endif

namespace qwasm::kernels {

#if defined(__wasm_simd128__)

namespace {

inline float hsum(v128_t v) {
  return wasm_f32x4_extract_lane(v, 0) + wasm_f32x4_extract_lane(v, 1) + wasm_f32x4_extract_lane(v, 2) + wasm_f32x4_extract_lane(v, 3);
}

// Dot products of up to 4 A rows with up to 4 B rows.
template <int MR, int NR>
inline void f32Tile(const float* a, const float* b, float* c, size_t N, size_t K, size_t lda) {
  v128_t acc[MR][NR];
  for (int i = 0; i < MR; ++i) for (int j = 0; j < NR; ++j) acc[i][j] = wasm_f32x4_splat(0.0f);
  size_t k = 0;
  for (; k + 4 <= K; k += 4) {
    v128_t bv[NR];
    for (int j = 0; j < NR; ++j) bv[j] = wasm_v128_load(b + j * K + k);
    for (int i = 0; i < MR; ++i) {
      const v128_t av = wasm_v128_load(a + i * lda + k);
      for (int j = 0; j < NR; ++j) acc[i][j] = wasm_f32x4_add(acc[i][j], wasm_f32x4_mul(av, bv[j]));
    }
  }
  for (int i = 0; i < MR; ++i)
    for (int j = 0; j < NR; ++j) {
      float s = hsum(acc[i][j]);
      for (size_t kk = k; kk < K; ++kk) s += a[i * lda + kk] * b[j * K + kk];
      c[i * N + j] = s;
    }
}

template <int MR>
inline void f32Rows(const float* a, const float* b, float* c, size_t N, size_t K) {
  size_t n = 0;
  for (; n + 4 <= N; n += 4) f32Tile<MR, 4>(a, b + n * K, c + n, N, K, K);
  for (; n < N; ++n) f32Tile<MR, 1>(a, b + n * K, c + n, N, K, K);
}

}  // namespace

void gemm_f32(const float* a, const float* b, float* c, size_t M, size_t N, size_t K) {
  size_t m = 0;
  for (; m + 4 <= M; m += 4) f32Rows<4>(a + m * K, b, c + m * N, N, K);
  for (; m < M; ++m) f32Rows<1>(a + m * K, b, c + m * N, N, K);
}

namespace {

// Per-row symmetric int8 quantization; codes stored as int8, or widened to
// int16 rows of length ld (k >= K zeroed). pmin/pmax are single minps/maxps
// (f32x4.min/max lower to ~8 instructions for their NaN rules), and the
// "magic bias" add rounds half to even exactly like nearbyint once |v| <= 127,
// so this matches the reference bit for bit (NaN maps to -127 in both).
template <typename Out>
void quantizeRows(const float* x, Out* q, size_t ld, float* scale, size_t M, size_t K) {
  for (size_t m = 0; m < M; ++m) {
    const float* row = x + m * K;
    v128_t vmax = wasm_f32x4_splat(0.0f);
    size_t k = 0;
    for (; k + 4 <= K; k += 4) vmax = wasm_f32x4_pmax(vmax, wasm_f32x4_abs(wasm_v128_load(row + k)));
    float amax = std::max(std::max(wasm_f32x4_extract_lane(vmax, 0), wasm_f32x4_extract_lane(vmax, 1)),
                          std::max(wasm_f32x4_extract_lane(vmax, 2), wasm_f32x4_extract_lane(vmax, 3)));
    for (; k < K; ++k) amax = std::max(amax, std::fabs(row[k]));
    const float s = amax > 0.0f ? amax / 127.0f : 1.0f;
    const float inv = 1.0f / s;
    scale[m] = s;
    const v128_t vinv = wasm_f32x4_splat(inv), lo = wasm_f32x4_splat(-127.0f), hi = wasm_f32x4_splat(127.0f);
    const v128_t magic = wasm_f32x4_splat(12582912.0f), magicBits = wasm_i32x4_splat(0x4B400000);
    Out* out = q + m * ld;
    k = 0;
    for (; k + 16 <= K; k += 16) {
      v128_t r[4];
      for (int j = 0; j < 4; ++j) {
        // pmax(lo, v) keeps lo for NaN (as std::max(-127, NaN) does), then pmin clamps the top.
        const v128_t v = wasm_f32x4_pmin(hi, wasm_f32x4_pmax(lo, wasm_f32x4_mul(wasm_v128_load(row + k + 4 * j), vinv)));
        r[j] = wasm_i32x4_sub(wasm_f32x4_add(v, magic), magicBits);
      }
      const v128_t s01 = wasm_i16x8_narrow_i32x4(r[0], r[1]), s23 = wasm_i16x8_narrow_i32x4(r[2], r[3]);
      if constexpr (sizeof(Out) == 1) {
        wasm_v128_store(out + k, wasm_i8x16_narrow_i16x8(s01, s23));
      } else {
        wasm_v128_store(out + k, s01);
        wasm_v128_store(out + k + 8, s23);
      }
    }
    for (; k < K; ++k) {
      float v = std::nearbyintf(row[k] * inv);
      v = std::min(127.0f, std::max(-127.0f, v));
      out[k] = static_cast<Out>(v);
    }
    for (; k < ld; ++k) out[k] = 0;
  }
}

}  // namespace

void quantize_rows_s8(const float* x, int8_t* q, float* scale, size_t M, size_t K) { quantizeRows(x, q, K, scale, M, K); }

void quantize_rows_s16(const float* x, int16_t* q, size_t ld, float* scale, size_t M, size_t K) { quantizeRows(x, q, ld, scale, M, K); }

#else

void gemm_f32(const float* a, const float* b, float* c, size_t M, size_t N, size_t K) { gemm_f32_ref(a, b, c, M, N, K); }
void quantize_rows_s8(const float* x, int8_t* q, float* scale, size_t M, size_t K) { quantize_rows_s8_ref(x, q, scale, M, K); }
void quantize_rows_s16(const float* x, int16_t* q, size_t ld, float* scale, size_t M, size_t K) {
  quantize_rows_s16_ref(x, q, ld, scale, M, K);
}

#endif

}  // namespace qwasm::kernels
