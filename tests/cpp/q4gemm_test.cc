// 4-bit weight-only GEMM (kernels/q4gemm): packing round trip, SIMD vs the
// scalar reference bit for bit on awkward shapes and group sizes (in the wasm
// test build q4gemm runs SIMD; natively both are the reference), the integer
// part against a plain int64 computation, extremes, and createLinear's
// int4 / uint4 layers against an fp64 reference.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <algorithm>
#include <random>
#include <tuple>
#include <utility>
#include <vector>

#include "common/error.h"
#include "kernels/q4gemm/q4gemm.h"
#include "nn/linear.h"

namespace qwasm::kernels {
namespace {

struct Problem {
  size_t M, N, K, gs, G;
  std::vector<int8_t> a;
  std::vector<uint8_t> codes, zeros;  // zeros empty: symmetric (z = 8)
  std::vector<float> scales, rowScale, bias;

  int32_t z(size_t n, size_t g) const { return zeros.empty() ? 8 : zeros[n * G + g]; }
  // Σ_k a·(u − z) over all k, exact.
  int64_t exactSum(size_t m, size_t n) const {
    int64_t s = 0;
    for (size_t k = 0; k < K; ++k) s += int64_t{a[m * K + k]} * (int64_t{codes[n * K + k]} - z(n, k / gs));
    return s;
  }
};

Problem randomProblem(size_t M, size_t N, size_t K, size_t gs, bool asym, std::mt19937& rng) {
  Problem p{M, N, K, gs, (K + gs - 1) / gs, {}, {}, {}, {}, {}, {}};
  std::uniform_int_distribution<int> av(-128, 127), cv(0, 15);
  std::uniform_real_distribution<float> sv(0.001f, 0.1f), rv(0.005f, 0.05f), bv(-1.0f, 1.0f);
  p.a.resize(M * K);
  for (auto& v : p.a) v = static_cast<int8_t>(av(rng));
  p.codes.resize(N * K);
  for (auto& v : p.codes) v = static_cast<uint8_t>(cv(rng));
  p.scales.resize(N * p.G);
  for (auto& v : p.scales) v = sv(rng);
  if (asym) {
    p.zeros.resize(N * p.G);
    for (auto& v : p.zeros) v = static_cast<uint8_t>(cv(rng));
  }
  p.rowScale.resize(M);
  for (auto& v : p.rowScale) v = rv(rng);
  p.bias.resize(N);
  for (auto& v : p.bias) v = bv(rng);
  return p;
}

Q4PackedWeights pack(const Problem& p) {
  return packQ4Weights(p.codes.data(), p.N, p.K, p.gs, p.scales.data(), p.zeros.empty() ? nullptr : p.zeros.data(), p.bias.data());
}

// q4gemm (SIMD on wasm) and q4gemm_ref must agree bit for bit.
void checkSimdEqualsRef(const Problem& p, const Q4PackedWeights& w, const float* rowScale) {
  std::vector<float> y(p.M * p.N, -7.0f), r(p.M * p.N, 7.0f);
  q4gemm(p.a.data(), p.M, rowScale, w, y.data());
  q4gemm_ref(p.a.data(), p.M, rowScale, w, r.data());
  ASSERT_EQ(std::memcmp(y.data(), r.data(), y.size() * sizeof(float)), 0)
      << "M=" << p.M << " N=" << p.N << " K=" << p.K << " groupSize=" << p.gs << (p.zeros.empty() ? " int4" : " uint4");
}

// With scale 1, row scale 1 and no bias, y = Σ_g float(acc_g) is exact while
// every partial sum stays below 2^24: the integer part against int64.
void checkIntegerPart(Problem p) {
  std::fill(p.scales.begin(), p.scales.end(), 1.0f);
  std::fill(p.bias.begin(), p.bias.end(), 0.0f);
  const Q4PackedWeights w = pack(p);
  std::vector<float> y(p.M * p.N), r(p.M * p.N);
  q4gemm(p.a.data(), p.M, nullptr, w, y.data());
  q4gemm_ref(p.a.data(), p.M, nullptr, w, r.data());
  for (size_t m = 0; m < p.M; ++m)
    for (size_t n = 0; n < p.N; ++n) {
      const float expect = static_cast<float>(p.exactSum(m, n));
      ASSERT_EQ(y[m * p.N + n], expect) << "SIMD at (" << m << "," << n << ") K=" << p.K << " gs=" << p.gs;
      ASSERT_EQ(r[m * p.N + n], expect) << "ref at (" << m << "," << n << ") K=" << p.K << " gs=" << p.gs;
    }
}

const size_t kM[] = {1, 2, 3, 4, 5, 7, 8, 17};
const size_t kN[] = {1, 3, 7, 8, 15, 16, 17, 63, 64, 65};
const size_t kK[] = {1, 7, 15, 16, 17, 31, 32, 63, 64, 65, 257};
const size_t kGroup[] = {1, 7, 16, 17, 32, 33, 64, 128};

TEST(Q4Gemm, PackedPanelsHoldCodesScalesAndZeroPoints) {
  std::mt19937 rng(1);
  for (size_t N : {1, 7, 8, 9, 17}) for (size_t K : {1, 2, 3, 5, 16, 17, 65}) for (size_t gs : {1, 3, 4, 7, 16, 33, 100}) {
    const Problem p = randomProblem(1, N, K, gs, (N + K + gs) % 2 == 0, rng);
    const Q4PackedWeights w = pack(p);
    ASSERT_EQ(w.groups, p.G);
    ASSERT_EQ(w.Gp % 4, 0u);
    ASSERT_GE(w.Gp, std::min(gs, K));
    for (size_t n = 0; n < N; ++n) {
      for (size_t k = 0; k < K; ++k) ASSERT_EQ(w.code(n, k), p.codes[n * K + k]) << n << "," << k;
      for (size_t g = 0; g < p.G; ++g) {
        ASSERT_EQ(w.scaleOf(n, g), p.scales[n * p.G + g]);
        ASSERT_EQ(w.zeroPoint(n, g), p.z(n, g));
      }
    }
    // Padding (missing channels, positions past a group's end) holds code 0.
    size_t nonzero = 0;
    for (uint8_t b : w.panels) nonzero += (b & 15) != 0;
    for (uint8_t b : w.panels) nonzero += (b >> 4) != 0;
    size_t expected = 0;
    for (uint8_t c : p.codes) expected += c != 0;
    ASSERT_EQ(nonzero, expected);
    ASSERT_EQ(w.bytes(), w.panels.size() + w.scale.size() * 4 + w.zero.size() + w.bias.size() * 4);
  }
}

TEST(Q4Gemm, ActivationFormsFollowTheDocumentedLayout) {
  std::mt19937 rng(4);
  for (size_t K : {1, 5, 17, 64, 65}) for (size_t gs : {1, 3, 16, 33, 100}) {
    const Problem p = randomProblem(3, 1, K, gs, false, rng);
    const Q4PackedWeights w = pack(p);
    const size_t Kp = w.Kp(), G = w.groups;
    std::vector<int16_t> a16(3 * Kp, 99), a256(2 * Kp, 99);
    std::vector<int32_t> asum(3 * G, 99), asum1(G, 99);
    prepareQ4Activations(p.a.data(), 3, w, a16.data(), asum.data());
    prepareQ4ActivationsX256(p.a.data(), w, a256.data(), asum1.data());
    for (size_t m = 0; m < 3; ++m)
      for (size_t g = 0; g < G; ++g) {
        int32_t sum = 0;
        for (size_t i = 0; i < w.Gp; ++i) {
          const size_t k = g * gs + i;
          const int32_t v = i < std::min(gs, K - g * gs) ? p.a[m * K + k] : 0;
          sum += v;
          ASSERT_EQ(a16[m * Kp + g * w.Gp + i], (i % 4 < 2 ? 16 : 1) * v) << K << " " << gs;
          if (m == 0) {
            const size_t blk = (g * w.Gp + i) / 4, j = i % 4;
            const int16_t* b = a256.data() + 8 * blk;
            if (j < 2) { ASSERT_EQ(b[j], 256 * v); ASSERT_EQ(b[4 + j], v); }
            else { ASSERT_EQ(b[j], 16 * v); ASSERT_EQ(b[4 + j], 256 * v); }
          }
        }
        ASSERT_EQ(asum[m * G + g], sum);
        if (m == 0) ASSERT_EQ(asum1[g], sum);
      }
  }
}

TEST(Q4Gemm, SimdEqualsReferenceOnAwkwardShapesAndGroupSizes) {
  std::mt19937 rng(2);
  // Every (M, N, K) of the awkward lists; the group size and the scheme rotate.
  size_t i = 0;
  for (size_t M : kM) for (size_t N : kN) for (size_t K : kK) {
    const size_t gs = kGroup[i % 8];
    const bool asym = (i / 8) % 2 == 1;
    ++i;
    const Problem p = randomProblem(M, N, K, gs, asym, rng);
    const Q4PackedWeights w = pack(p);
    checkSimdEqualsRef(p, w, p.rowScale.data());
    if (HasFatalFailure()) return;
  }
  // Every group size against every K for a GEMV, a 4-row tile and a ragged M.
  for (size_t gs : kGroup) for (size_t K : kK) for (size_t M : {1, 4, 7}) for (bool asym : {false, true}) {
    const Problem p = randomProblem(M, 17, K, gs, asym, rng);
    checkSimdEqualsRef(p, pack(p), p.rowScale.data());
    if (HasFatalFailure()) return;
  }
  // Scales outside the fold range (the kernels shift instead; q4gemm.h):
  // tiny or huge weight scales, a huge, tiny or zero row scale.
  for (size_t M : {1, 5}) for (size_t gs : {7, 32}) for (bool asym : {false, true}) {
    Problem p = randomProblem(M, 19, 70, gs, asym, rng);
    for (float f : {1e-42f, 1e34f}) {  // subnormal products; S·f would overflow
      Problem q = p;
      for (auto& s : q.scales) s *= f;
      ASSERT_FALSE(pack(q).scalesInFoldRange);
      checkSimdEqualsRef(q, pack(q), q.rowScale.data());
    }
    ASSERT_TRUE(pack(p).scalesInFoldRange);
    p.rowScale[M - 1] = 1e20f;
    checkSimdEqualsRef(p, pack(p), p.rowScale.data());
    p.rowScale[M - 1] = 1e-33f;
    checkSimdEqualsRef(p, pack(p), p.rowScale.data());
    p.rowScale[M - 1] = 0.0f;
    checkSimdEqualsRef(p, pack(p), p.rowScale.data());
    if (HasFatalFailure()) return;
  }
  // No row scales (1), and larger shapes crossing the panel chunking.
  for (auto [M, N, K, gs] : {std::tuple<size_t, size_t, size_t, size_t>{1, 200, 1000, 32}, {9, 130, 1000, 64}, {6, 40, 2048, 128}, {2, 33, 4100, 4100}}) {
    const Problem p = randomProblem(M, N, K, gs, M % 2 == 0, rng);
    checkSimdEqualsRef(p, pack(p), nullptr);
  }
}

TEST(Q4Gemm, IntegerPartEqualsInt64) {
  std::mt19937 rng(3);
  size_t i = 0;
  for (size_t M : {1, 3, 4, 5}) for (size_t N : {1, 8, 17}) for (size_t K : kK) {
    const size_t gs = kGroup[i++ % 8];
    checkIntegerPart(randomProblem(M, N, K, gs, i % 2 == 0, rng));
    if (HasFatalFailure()) return;
  }
}

TEST(Q4Gemm, ExtremesDoNotOverflow) {
  // a = −128 / 127 everywhere, codes 0 / 15, zero-points 0 / 15: the largest
  // products and zero-point terms; exact against int64 (|sums| < 2^24).
  for (int av : {-128, 127}) for (int cv : {0, 15}) for (int zv : {0, 15}) for (size_t M : {1, 2, 4, 5})
    for (auto [K, gs] : {std::pair<size_t, size_t>{257, 257}, {257, 32}, {64, 7}, {1000, 1000}, {2048, 2048}}) {
      Problem p{M, 9, K, gs, (K + gs - 1) / gs, {}, {}, {}, {}, {}, {}};
      p.a.assign(M * K, static_cast<int8_t>(av));
      p.codes.assign(p.N * K, static_cast<uint8_t>(cv));
      p.zeros.assign(p.N * p.G, static_cast<uint8_t>(zv));
      p.scales.assign(p.N * p.G, 1.0f);
      p.rowScale.assign(M, 1.0f);
      p.bias.assign(p.N, 0.0f);
      checkIntegerPart(p);
      p.zeros.clear();  // symmetric: z = 8
      checkIntegerPart(p);
      if (HasFatalFailure()) return;
    }
  // The longest groups of the GEMV's x256 form (Gp = 2048) and past it (the
  // x16 form): a mix of +127 / −128 that makes the zero-point term large.
  for (size_t K : {2048, 2052, 6000}) {
    Problem p{1, 8, K, K, 1, {}, {}, {}, {}, {}, {}};
    p.a.resize(K);
    for (size_t k = 0; k < K; ++k) p.a[k] = k % 3 ? -128 : 127;
    p.codes.resize(8 * K);
    for (size_t i = 0; i < p.codes.size(); ++i) p.codes[i] = (i % K) % 3 ? 0 : 15;
    p.zeros.assign(8, 15);
    p.scales.assign(8, 1.0f);
    p.rowScale.assign(1, 1.0f);
    p.bias.assign(8, 0.0f);
    checkIntegerPart(p);
  }
}

TEST(Q4Gemm, RejectsBadInput) {
  const std::vector<uint8_t> codes(4 * 8, 3), bad(4 * 8, 16);
  const std::vector<float> s(4 * 2, 0.5f);
  std::vector<float> inf = s;
  inf[3] = INFINITY;
  const std::vector<uint8_t> z(4 * 2, 15), zbad(4 * 2, 16);
  EXPECT_NO_THROW(packQ4Weights(codes.data(), 4, 8, 4, s.data(), z.data(), nullptr));
  EXPECT_THROW(packQ4Weights(bad.data(), 4, 8, 4, s.data(), nullptr, nullptr), Error);
  EXPECT_THROW(packQ4Weights(codes.data(), 4, 8, 4, inf.data(), nullptr, nullptr), Error);
  EXPECT_THROW(packQ4Weights(codes.data(), 4, 8, 4, s.data(), zbad.data(), nullptr), Error);
  EXPECT_THROW(packQ4Weights(codes.data(), 4, 8, 0, s.data(), nullptr, nullptr), Error);
  EXPECT_THROW(packQ4Weights(codes.data(), 0, 8, 4, s.data(), nullptr, nullptr), Error);
  // Groups longer than 32768 values could overflow the int32 accumulators.
  const std::vector<uint8_t> longRow(32772, 1);
  const float one = 1.0f;
  EXPECT_THROW(packQ4Weights(longRow.data(), 1, 32772, 40000, &one, nullptr, nullptr), Error);
  EXPECT_NO_THROW(packQ4Weights(longRow.data(), 1, 32768, 40000, &one, nullptr, nullptr));
}

// ---- createLinear int4 / uint4 ---------------------------------------------

double sqnrDb(const std::vector<double>& ref, const std::vector<float>& got) {
  double s = 0, e = 0;
  for (size_t i = 0; i < ref.size(); ++i) { s += ref[i] * ref[i]; e += (ref[i] - got[i]) * (ref[i] - got[i]); }
  return 10 * std::log10(s / e);
}

TEST(Linear, Int4AndUInt4PerGroupSqnrAgainstFp64) {
  std::mt19937 rng(5);
  std::normal_distribution<float> nd;
  const size_t N = 64, K = 512;
  std::vector<float> w(N * K), b(N);
  for (auto& v : w) v = nd(rng);
  for (auto& v : b) v = nd(rng);
  for (size_t M : {1, 16}) {
    std::vector<float> x(M * K);
    for (auto& v : x) v = nd(rng);
    std::vector<double> ref(M * N);
    for (size_t m = 0; m < M; ++m)
      for (size_t n = 0; n < N; ++n) {
        double acc = b[n];
        for (size_t k = 0; k < K; ++k) acc += static_cast<double>(x[m * K + k]) * w[n * K + k];
        ref[m * N + n] = acc;
      }
    for (size_t gs : {32, 64, 128})
      for (auto kind : {nn::LinearKind::Int4, nn::LinearKind::UInt4}) {
        nn::Linear lin(w.data(), N, K, b.data(), kind, gs);
        std::vector<float> y(M * N);
        lin.forward(x.data(), M, y.data());
        const double db = sqnrDb(ref, y);
        std::printf("[ sqnr     ] %s group %zu M=%zu: %.2f dB\n", kind == nn::LinearKind::Int4 ? "int4" : "uint4", gs, M, db);
        EXPECT_GE(db, 15.0) << (kind == nn::LinearKind::Int4 ? "int4" : "uint4") << " group " << gs << " M=" << M;
      }
  }
}

TEST(Linear, UInt4HoldsZeroPointsAndHandlesFlatGroups) {
  const size_t N = 9, K = 70, gs = 32, G = 3, Np = 16;
  std::vector<float> w(N * K), b(N);
  for (size_t i = 0; i < w.size(); ++i) w[i] = 0.01f * static_cast<float>(i % 23) + 0.5f;  // all positive: z = 0
  for (size_t k = 0; k < K; ++k) w[2 * K + k] = 0.0f;                                      // an all-zero row: s = 1, z = 0
  for (size_t n = 0; n < N; ++n) b[n] = static_cast<float>(n);
  nn::Linear i4(w.data(), N, K, b.data(), nn::LinearKind::Int4, gs), u4(w.data(), N, K, b.data(), nn::LinearKind::UInt4, gs);
  // Packed codes (Np·Kp / 2 bytes, Kp = 3 groups × 32) + scales + bias, plus one zero-point byte per (channel, group) for uint4.
  EXPECT_EQ(i4.weightBytes(), Np * 96 / 2 + Np * G * 4 + Np * 4);
  EXPECT_EQ(u4.weightBytes(), i4.weightBytes() + Np * G);
  std::vector<float> x(2 * K, 1.0f), y(2 * N);
  for (auto* lin : {&i4, &u4}) {
    lin->forward(x.data(), 2, y.data());
    EXPECT_EQ(y[2], b[2]);  // zero weights: exactly the bias
    EXPECT_EQ(y[N + 2], b[2]);
    double expect = b[0];
    for (size_t k = 0; k < K; ++k) expect += w[k];
    EXPECT_NEAR(y[0], expect, 0.05 * std::fabs(expect));
  }
}

}  // namespace
}  // namespace qwasm::kernels
