// SIMD GEMM kernels against their scalar references (in the wasm test build
// the entry points run SIMD; natively both are the reference).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <tuple>
#include <vector>

#include "kernels/fgemm/fgemm.h"
#include "kernels/gemm/gemm.h"
#include "kernels/qgemm/qgemm.h"
#include "common/error.h"
#include "nn/linear.h"

namespace qwasm::kernels {
namespace {

const size_t kSizes[] = {1, 3, 7, 8, 15, 16, 17, 63, 64, 65};

template <class T>
std::vector<T> randomInts(size_t n, std::mt19937& rng, int lo, int hi) {
  std::uniform_int_distribution<int> d(lo, hi);
  std::vector<T> v(n);
  for (auto& x : v) x = static_cast<T>(d(rng));
  return v;
}

TEST(Gemm, QuantizeRowsMatchesReferenceBitExactly) {
  std::mt19937 rng(3);
  std::normal_distribution<float> nd(0.0f, 3.0f);
  for (size_t K : {1, 7, 15, 16, 17, 63, 64, 65, 257}) {
    std::vector<float> x(3 * K);
    for (auto& v : x) v = nd(rng);
    x[0] = 0.5f * (x[1] + x[2]);  // some arbitrary value; ties are covered by nearest-even in both
    std::vector<int8_t> q(3 * K), qr(3 * K);
    std::vector<float> s(3), sr(3);
    quantize_rows_s8(x.data(), q.data(), s.data(), 3, K);
    quantize_rows_s8_ref(x.data(), qr.data(), sr.data(), 3, K);
    ASSERT_EQ(q, qr) << K;
    ASSERT_EQ(s, sr) << K;
  }
}

TEST(Gemm, QuantizeRowsS16MatchesS8CodesAndPads) {
  std::mt19937 rng(5);
  std::normal_distribution<float> nd(0.0f, 2.0f);
  for (size_t K : {1, 7, 15, 16, 17, 63, 64, 65, 257}) {
    const size_t ld = K + 3;
    std::vector<float> x(3 * K);
    for (auto& v : x) v = nd(rng);
    std::vector<int8_t> q8(3 * K);
    std::vector<int16_t> q(3 * ld, 99), qr(3 * ld, -99);
    std::vector<float> s8(3), s(3), sr(3);
    quantize_rows_s8_ref(x.data(), q8.data(), s8.data(), 3, K);
    quantize_rows_s16(x.data(), q.data(), ld, s.data(), 3, K);
    quantize_rows_s16_ref(x.data(), qr.data(), ld, sr.data(), 3, K);
    ASSERT_EQ(q, qr) << K;
    ASSERT_EQ(s, sr) << K;
    ASSERT_EQ(s, s8) << K;
    for (size_t m = 0; m < 3; ++m)
      for (size_t k = 0; k < ld; ++k) ASSERT_EQ(q[m * ld + k], k < K ? q8[m * K + k] : 0) << K << " " << m << " " << k;
  }
}

TEST(Gemm, QuantizeRowsRoundsHalfToEvenAndMapsNaNLikeTheReference) {
  // Row max 127 makes the scale exactly 1, so x · (1/s) keeps the ties.
  std::vector<float> x = {127.0f, 0.5f, 1.5f, 2.5f, -0.5f, -1.5f, -2.5f, 126.5f, -126.5f, 3.49999f, -3.5f, std::nanf(""), -0.0f, 4.5f, 5.5f, 6.5f,
                          0.0f, 7.5f};
  const size_t K = x.size();
  std::vector<int8_t> q(K), qr(K);
  std::vector<int16_t> q16(K);
  float s = 0, sr = 0, s16 = 0;
  quantize_rows_s8(x.data(), q.data(), &s, 1, K);
  quantize_rows_s8_ref(x.data(), qr.data(), &sr, 1, K);
  quantize_rows_s16(x.data(), q16.data(), K, &s16, 1, K);
  EXPECT_EQ(sr, 1.0f);
  const std::vector<int8_t> want = {127, 0, 2, 2, 0, -2, -2, 126, -126, 3, -4, -127, 0, 4, 6, 6, 0, 8};
  EXPECT_EQ(qr, want);
  EXPECT_EQ(q, qr);
  for (size_t k = 0; k < K; ++k) EXPECT_EQ(q16[k], qr[k]) << k;
  EXPECT_EQ(s, sr);
  EXPECT_EQ(s16, sr);
}

TEST(Gemm, F32MatchesReference) {
  std::mt19937 rng(4);
  std::normal_distribution<float> nd;
  for (size_t M : {1, 4, 5}) for (size_t N : kSizes) for (size_t K : {1, 3, 4, 17, 64}) {
    std::vector<float> a(M * K), b(N * K), c(M * N), r(M * N);
    for (auto& v : a) v = nd(rng);
    for (auto& v : b) v = nd(rng);
    gemm_f32(a.data(), b.data(), c.data(), M, N, K);
    gemm_f32_ref(a.data(), b.data(), r.data(), M, N, K);
    for (size_t i = 0; i < c.size(); ++i) ASSERT_NEAR(c[i], r[i], 1e-4f * (1.0f + std::sqrt(static_cast<float>(K))));
  }
}

double sqnr(const std::vector<double>& ref, const std::vector<float>& got) {
  double s = 0, e = 0;
  for (size_t i = 0; i < ref.size(); ++i) { s += ref[i] * ref[i]; e += (ref[i] - got[i]) * (ref[i] - got[i]); }
  return 10 * std::log10(s / e);
}

TEST(Linear, Int8AndInt4SqnrAgainstFp64) {
  std::mt19937 rng(5);
  std::normal_distribution<float> nd;
  const size_t M = 16, N = 64, K = 256;
  std::vector<float> x(M * K), w(N * K), b(N);
  for (auto& v : x) v = nd(rng);
  for (auto& v : w) v = nd(rng);
  for (auto& v : b) v = nd(rng);
  std::vector<double> ref(M * N);
  for (size_t m = 0; m < M; ++m)
    for (size_t n = 0; n < N; ++n) {
      double acc = b[n];
      for (size_t k = 0; k < K; ++k) acc += static_cast<double>(x[m * K + k]) * w[n * K + k];
      ref[m * N + n] = acc;
    }
  for (auto [kind, minDb] : {std::pair{nn::LinearKind::F32, 100.0}, std::pair{nn::LinearKind::Int8, 30.0}, std::pair{nn::LinearKind::Int4, 15.0}}) {
    nn::Linear lin(w.data(), N, K, b.data(), kind, 32);
    std::vector<float> y(M * N);
    lin.forward(x.data(), M, y.data());
    EXPECT_GT(sqnr(ref, y), minDb) << static_cast<int>(kind);
  }
}

// ---- packed quantized GEMM with the fused output stage ----------------------

const size_t kAwkward[] = {1, 3, 7, 8, 15, 16, 17, 63, 64, 65, 257};

// The documented stage, written independently of the kernels: int32
// accumulation of (a − za)·w + bias, then ORT's requantization
// (nearbyint(float(acc)·((sa·sw)/so)) + zo, saturated) or the fp32 form.
struct NaiveQGemm {
  size_t M, N, K;
  QActivation aq;
  QOutput out;
  std::vector<uint8_t> a;  // raw bytes, interpreted per aq.type
  std::vector<int8_t> w;
  std::vector<float> ws, biasF;
  std::vector<int32_t> biasI;

  int32_t act(size_t i) const { return aq.type == QType::U8 ? int32_t(a[i]) : int32_t(int8_t(a[i])); }
  // Expected output element as float (exact for int outputs).
  float expected(size_t m, size_t n) const {
    int32_t acc = biasI[n];
    for (size_t k = 0; k < K; ++k) acc += (act(m * K + k) - aq.zeroPoint) * w[n * K + k];
    if (out.kind == QOutput::Kind::F32) {
      const float sa = aq.rowScale ? aq.rowScale[m] : aq.scale;
      return std::min(out.maxValue, std::max(out.minValue, static_cast<float>(acc) * (sa * ws[n]) + biasF[n]));
    }
    const float mult = aq.scale * ws[n] / out.scale;
    const float qmin = out.kind == QOutput::Kind::U8 ? 0.f : -128.f, qmax = out.kind == QOutput::Kind::U8 ? 255.f : 127.f;
    float lo = qmin, hi = qmax;
    if (std::isfinite(out.minValue)) lo = std::max(lo, out.zeroPoint + std::nearbyintf(out.minValue / out.scale));
    if (std::isfinite(out.maxValue)) hi = std::min(hi, out.zeroPoint + std::nearbyintf(out.maxValue / out.scale));
    return std::clamp(std::nearbyintf(static_cast<float>(acc) * mult) + static_cast<float>(out.zeroPoint), lo, hi);
  }
};

std::vector<float> outputsAsFloat(const void* y, QOutput::Kind kind, size_t n) {
  std::vector<float> v(n);
  for (size_t i = 0; i < n; ++i)
    v[i] = kind == QOutput::Kind::F32 ? static_cast<const float*>(y)[i]
         : kind == QOutput::Kind::S8  ? static_cast<float>(static_cast<const int8_t*>(y)[i])
                                      : static_cast<float>(static_cast<const uint8_t*>(y)[i]);
  return v;
}

// Runs qgemm and qgemm_ref on one random problem; both must equal the naive stage exactly.
void checkQGemm(size_t M, size_t N, size_t K, std::mt19937& rng, int variant) {
  NaiveQGemm t{M, N, K, {}, {}, {}, {}, {}, {}, {}};
  t.aq.type = variant % 2 ? QType::U8 : QType::S8;
  t.aq.scale = 0.02f + 0.001f * (variant % 7);
  t.aq.zeroPoint = t.aq.type == QType::U8 ? std::uniform_int_distribution<int>(0, 255)(rng) : std::uniform_int_distribution<int>(-128, 127)(rng);
  t.out.kind = static_cast<QOutput::Kind>(variant % 3);
  if (t.out.kind != QOutput::Kind::F32) {
    t.out.scale = 0.05f * std::sqrt(static_cast<float>(K));
    t.out.zeroPoint = t.out.kind == QOutput::Kind::U8 ? 100 + variant % 50 : -10 + variant % 20;
  }
  if (variant % 5 == 0) t.out.minValue = 0.0f;  // ReLU
  if (variant % 10 == 3) { t.out.minValue = -1.0f; t.out.maxValue = 2.0f; }
  t.a = randomInts<uint8_t>(M * K, rng, 0, 255);
  t.w = randomInts<int8_t>(N * K, rng, -128, 127);
  t.biasI = randomInts<int32_t>(N, rng, -5000, 5000);
  t.ws.resize(N);
  t.biasF.resize(N);
  for (size_t n = 0; n < N; ++n) { t.ws[n] = 0.001f * (1 + (n * 7) % 13); t.biasF[n] = 0.25f * ((n % 9) - 4.0f); }
  const bool perTensor = variant % 4 == 1;
  const QPackedWeights pw = packQWeights(t.w.data(), N, K, t.ws.data(), perTensor ? 1 : N, t.biasI.data(), t.biasF.data());
  if (perTensor) std::fill(t.ws.begin(), t.ws.end(), t.ws[0]);
  const size_t bytes = M * N * (t.out.kind == QOutput::Kind::F32 ? 4 : 1);
  std::vector<uint8_t> y(bytes, 0xAA), r(bytes, 0x55);
  qgemm(t.a.data(), M, t.aq, pw, y.data(), t.out);
  qgemm_ref(t.a.data(), M, t.aq, pw, r.data(), t.out);
  ASSERT_EQ(y, r) << "SIMD vs ref: M=" << M << " N=" << N << " K=" << K << " variant=" << variant;
  // The pre-widened entry points (rows of pw.Kp int16, k >= K zero) give the same bytes.
  std::vector<int16_t> a16(M * pw.Kp, 0);
  for (size_t m = 0; m < M; ++m)
    for (size_t k = 0; k < K; ++k)
      a16[m * pw.Kp + k] = t.aq.type == QType::U8 ? t.a[m * K + k] : static_cast<int8_t>(t.a[m * K + k]);
  std::vector<uint8_t> y16(bytes, 0x11), r16(bytes, 0x22);
  qgemm_a16(a16.data(), M, t.aq, pw, y16.data(), t.out);
  qgemm_a16_ref(a16.data(), M, t.aq, pw, r16.data(), t.out);
  ASSERT_EQ(y16, y) << "a16 SIMD: M=" << M << " N=" << N << " K=" << K << " variant=" << variant;
  ASSERT_EQ(r16, y) << "a16 ref: M=" << M << " N=" << N << " K=" << K << " variant=" << variant;
  const std::vector<float> got = outputsAsFloat(y.data(), t.out.kind, M * N);
  for (size_t m = 0; m < M; ++m)
    for (size_t n = 0; n < N; ++n)
      ASSERT_EQ(got[m * N + n], t.expected(m, n)) << "vs naive at (" << m << "," << n << ") M=" << M << " N=" << N << " K=" << K << " variant=" << variant;
}

TEST(QGemm, PackedPanelsHoldTheWeightsAndRowSums) {
  std::mt19937 rng(10);
  for (size_t N : {1, 7, 8, 9, 17}) for (size_t K : {1, 2, 3, 16, 17}) for (size_t groups : {size_t{1}, N}) {
    auto w = randomInts<int8_t>(N * K, rng, -128, 127);
    const float s = 0.1f;
    const QPackedWeights p = packQWeights(w.data(), N, K, &s, 1, nullptr, nullptr, groups);
    for (size_t n = 0; n < N; ++n) {
      int32_t sum = 0;
      for (size_t k = 0; k < K; ++k) { ASSERT_EQ(p.weight(n, k), w[n * K + k]); sum += w[n * K + k]; }
      ASSERT_EQ(p.rowSum[n], sum);
    }
  }
}

TEST(QGemm, SimdEqualsReferenceAndNaiveOnAwkwardShapes) {
  std::mt19937 rng(11);
  int variant = 0;
  // Each dimension over the full awkward list while the other two take a few values.
  for (size_t x : kAwkward)
    for (size_t o1 : {1, 8, 17}) for (size_t o2 : {3, 16, 65}) {
      checkQGemm(x, o1, o2, rng, variant++);
      checkQGemm(o1, x, o2, rng, variant++);
      checkQGemm(o2, o1, x, rng, variant++);
    }
  checkQGemm(64, 257, 257, rng, variant++);
  checkQGemm(65, 63, 64, rng, variant++);
}

TEST(QGemm, ExtremeValuesDoNotOverflow) {
  // K = 65536 is the documented limit: 255·128·65536 < 2^31.
  const size_t K = 65536, N = 9;
  for (auto [type, av, wv] : {std::tuple{QType::U8, 255, -128}, std::tuple{QType::U8, 0, 127}, std::tuple{QType::S8, -128, -128}, std::tuple{QType::S8, 127, -128}}) {
    for (size_t M : {1, 4}) {
      std::vector<uint8_t> a(M * K, static_cast<uint8_t>(av));
      std::vector<int8_t> w(N * K, static_cast<int8_t>(wv));
      const float one = 1.0f;
      const QPackedWeights p = packQWeights(w.data(), N, K, &one, 1, nullptr, nullptr);
      QActivation aq;
      aq.type = type;
      std::vector<float> y(M * N), r(M * N);
      qgemm(a.data(), M, aq, p, y.data(), QOutput{});
      qgemm_ref(a.data(), M, aq, p, r.data(), QOutput{});
      const float expect = static_cast<float>(static_cast<int64_t>(type == QType::U8 ? av : static_cast<int8_t>(av)) * wv * static_cast<int64_t>(K));
      for (size_t i = 0; i < M * N; ++i) { ASSERT_EQ(y[i], expect) << av << " " << wv; ASSERT_EQ(r[i], expect); }
      // Zero-points at their extremes: (a − za) = 0 everywhere.
      aq.zeroPoint = type == QType::U8 ? av : static_cast<int8_t>(av);
      qgemm(a.data(), M, aq, p, y.data(), QOutput{});
      for (float v : y) ASSERT_EQ(v, 0.0f);
    }
  }
  EXPECT_THROW(packQWeights(std::vector<int8_t>(65537).data(), 1, 65537, std::vector<float>{1.f}.data(), 1, nullptr, nullptr), Error);
}

TEST(QGemm, RequantizationRoundsHalfToEvenAndSaturates) {
  // mult = 0.5 exactly: odd accumulators land on .5 ties.
  const size_t K = 1, N = 8;
  std::vector<int8_t> w(N, 1);
  const float ws = 0.5f;
  const QPackedWeights p = packQWeights(w.data(), N, K, &ws, 1, nullptr, nullptr);
  QActivation aq;
  aq.type = QType::S8;
  for (auto kind : {QOutput::Kind::S8, QOutput::Kind::U8}) {
    QOutput out;
    out.kind = kind;
    out.zeroPoint = kind == QOutput::Kind::U8 ? 128 : 0;
    for (int v = -128; v <= 127; ++v) {
      const int8_t a = static_cast<int8_t>(v);
      std::vector<uint8_t> y(N), r(N);
      qgemm(&a, 1, aq, p, y.data(), out);
      qgemm_ref(&a, 1, aq, p, r.data(), out);
      ASSERT_EQ(y, r);
      const float expect = std::nearbyintf(v * 0.5f) + out.zeroPoint;
      const float got = outputsAsFloat(y.data(), kind, 1)[0];
      ASSERT_EQ(got, std::clamp(expect, kind == QOutput::Kind::U8 ? 0.f : -128.f, kind == QOutput::Kind::U8 ? 255.f : 127.f));
    }
  }
  // Saturation: a huge accumulator clamps to the type's range, ReLU clamps at the zero-point.
  std::vector<int8_t> big(64 * 8, 127);
  const QPackedWeights pb = packQWeights(big.data(), 8, 64, &ws, 1, nullptr, nullptr);
  std::vector<int8_t> a(64, 127), an(64, -128);
  QOutput out;
  out.kind = QOutput::Kind::S8;
  out.zeroPoint = 5;
  out.minValue = 0.0f;
  std::vector<int8_t> y(8);
  qgemm(a.data(), 1, aq, pb, y.data(), out);
  for (int8_t v : y) EXPECT_EQ(v, 127);
  qgemm(an.data(), 1, aq, pb, y.data(), out);
  for (int8_t v : y) EXPECT_EQ(v, 5);
}

TEST(QGemm, PerRowActivationScalesForDynamicQuantization) {
  std::mt19937 rng(12);
  for (size_t M : {1, 5, 17}) {
    const size_t N = 19, K = 33;
    auto a = randomInts<int8_t>(M * K, rng, -127, 127);
    auto w = randomInts<int8_t>(N * K, rng, -127, 127);
    std::vector<float> rs(M), ws(N), bf(N);
    for (size_t m = 0; m < M; ++m) rs[m] = 0.01f * (m + 1);
    for (size_t n = 0; n < N; ++n) { ws[n] = 0.003f * (n + 1); bf[n] = 0.1f * n; }
    const QPackedWeights p = packQWeights(w.data(), N, K, ws.data(), N, nullptr, bf.data());
    QActivation aq;
    aq.rowScale = rs.data();
    std::vector<float> y(M * N), r(M * N);
    qgemm(a.data(), M, aq, p, y.data(), QOutput{});
    qgemm_ref(a.data(), M, aq, p, r.data(), QOutput{});
    ASSERT_EQ(y, r);
    for (size_t m = 0; m < M; ++m)
      for (size_t n = 0; n < N; ++n) {
        int32_t acc = 0;
        for (size_t k = 0; k < K; ++k) acc += a[m * K + k] * w[n * K + k];
        ASSERT_EQ(y[m * N + n], static_cast<float>(acc) * (rs[m] * ws[n]) + bf[n]);
      }
    QOutput q;
    q.kind = QOutput::Kind::S8;
    EXPECT_THROW(qgemm(a.data(), M, aq, p, y.data(), q), Error);
  }
}

TEST(FGemm, PackedF32EqualsReferenceBitExactly) {
  std::mt19937 rng(13);
  std::normal_distribution<float> nd;
  auto check = [&](size_t M, size_t N, size_t K) {
    std::vector<float> a(M * K), w(N * K), b(N), y(M * N), r(M * N);
    for (auto& v : a) v = nd(rng);
    for (auto& v : w) v = nd(rng);
    for (auto& v : b) v = nd(rng);
    const FPackedWeights p = packFWeights(w.data(), N, K, b.data());
    fgemm(a.data(), M, p, y.data());
    fgemm_ref(a.data(), M, p, r.data());
    ASSERT_EQ(y, r) << M << "x" << N << "x" << K;
    for (size_t m = 0; m < M; ++m)
      for (size_t n = 0; n < N; ++n) {
        double acc = b[n];
        for (size_t k = 0; k < K; ++k) acc += double(a[m * K + k]) * w[n * K + k];
        ASSERT_NEAR(y[m * N + n], acc, 1e-4 * (1 + std::sqrt(double(K)))) << m << "," << n;
      }
  };
  for (size_t x : kAwkward)
    for (size_t o1 : {1, 8, 17}) for (size_t o2 : {3, 65}) { check(x, o1, o2); check(o1, x, o2); check(o2, o1, x); }
  // Several K blocks (256 each) with a remainder, several panel chunks, row remainders.
  check(7, 131, 600);
  check(6, 17, 513);
  // K >= 2048 with 2..8 row blocks: the tiles that touch the next panel chunk
  // (whole panels, then the partial one; row remainders 1..3; K % 8 != 0).
  for (size_t M : {5, 8, 15, 17, 32}) for (size_t N : {16, 23, 40}) for (size_t K : {2048, 2055}) check(M, N, K);
  check(33, 24, 2049);  // 9 row blocks: the plain tiles
}

}  // namespace
}  // namespace qwasm::kernels
