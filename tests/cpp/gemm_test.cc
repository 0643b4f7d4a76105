// SIMD GEMM kernels against their scalar references (in the wasm test build
// the entry points run SIMD; natively both are the reference).
#include <gtest/gtest.h>

#include <cmath>
#include <random>
#include <vector>

#include "kernels/gemm/gemm.h"
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

TEST(Gemm, S8S8ExactOnAwkwardShapesAndExtremes) {
  std::mt19937 rng(1);
  for (size_t M : {1, 3, 8, 17}) for (size_t N : kSizes) for (size_t K : {1, 7, 15, 16, 17, 63, 65, 257}) {
    auto a = randomInts<int8_t>(M * K, rng, -128, 127), b = randomInts<int8_t>(N * K, rng, -128, 127);
    std::vector<int32_t> c(M * N), r(M * N);
    gemm_s8s8_s32(a.data(), b.data(), c.data(), M, N, K);
    gemm_s8s8_s32_ref(a.data(), b.data(), r.data(), M, N, K);
    ASSERT_EQ(c, r) << M << "x" << N << "x" << K;
  }
  // -128 everywhere: the largest products, no overflow.
  const size_t K = 4096;
  std::vector<int8_t> a(K, -128), b(4 * K, -128);
  std::vector<int32_t> c(4);
  gemm_s8s8_s32(a.data(), b.data(), c.data(), 1, 4, K);
  for (int32_t v : c) EXPECT_EQ(v, 128 * 128 * 4096);
}

TEST(Gemm, S8S4GroupsExactForOddGroupSizes) {
  std::mt19937 rng(2);
  for (size_t g : {32, 64, 128, 7, 33}) for (size_t K : {32, 64, 96, 130, 257}) for (size_t N : {1, 5, 16}) {
    const size_t M = 3, rowBytes = (K + 1) / 2, groups = (K + g - 1) / g;
    auto a = randomInts<int8_t>(M * K, rng, -127, 127);
    auto b = randomInts<uint8_t>(N * rowBytes, rng, 0, 255);
    std::vector<int32_t> c(M * N * groups), r(M * N * groups);
    gemm_s8s4_groups(a.data(), b.data(), c.data(), M, N, K, g);
    gemm_s8s4_groups_ref(a.data(), b.data(), r.data(), M, N, K, g);
    ASSERT_EQ(c, r) << "g=" << g << " K=" << K << " N=" << N;
  }
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

}  // namespace
}  // namespace qwasm::kernels
