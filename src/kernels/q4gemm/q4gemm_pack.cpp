// Weight packing of the 4-bit GEMM and the per-call activation form
// (layout and formulas: q4gemm.h).
#include <algorithm>
#include <cmath>
#include <string>

#include "common/error.h"
#include "kernels/q4gemm/q4gemm.h"

namespace qwasm::kernels {

namespace {

// Byte and nibble shift of (channel n, padded position pos) in the panels.
inline size_t codeByte(size_t n, size_t pos, size_t panelBytes, unsigned& shift) {
  const size_t ch = n % 8, quad = ch / 4, c = ch % 4, r = pos % 4, j = r % 2;
  shift = r >= 2 ? 4 : 0;
  return (n / 8) * panelBytes + (pos / 4) * 16 + 2 * (2 * c + j) + quad;
}

}  // namespace

Q4PackedWeights packQ4Weights(const uint8_t* codes, size_t N, size_t K, size_t groupSize, const float* scales,
                              const uint8_t* zeroPoints, const float* bias) {
  if (N == 0 || K == 0) throwInvalidArgument("weights: N and K must be >= 1");
  if (groupSize == 0) throwInvalidArgument("groupSize must be >= 1");
  Q4PackedWeights p;
  p.N = N;
  p.K = K;
  p.groupSize = groupSize;
  p.groups = (K + groupSize - 1) / groupSize;
  p.Gp = (std::min(groupSize, K) + 3) & ~size_t{3};
  if (p.Gp > 32768) {
    throwInvalidArgument("groupSize: groups of " + std::to_string(std::min(groupSize, K)) +
                         " values exceed 32768 (int32 accumulators could overflow)");
  }
  p.symmetric = zeroPoints == nullptr;
  const size_t np = p.numPanels(), G = p.groups, pb = p.panelBytes();
  for (size_t i = 0; i < N * K; ++i)
    if (codes[i] > 15) throwInvalidArgument("codes: value " + std::to_string(codes[i]) + " at index " + std::to_string(i) + " is not in [0, 15]");
  for (size_t i = 0; i < N * G; ++i) {
    if (!std::isfinite(scales[i])) throwInvalidArgument("scales: value " + std::to_string(i) + " is not finite");
    if (zeroPoints && zeroPoints[i] > 15) throwInvalidArgument("zeroPoints: value " + std::to_string(i) + " is not in [0, 15]");
  }
  p.panels.assign(np * pb, 0);
  for (size_t n = 0; n < N; ++n)
    for (size_t g = 0; g < G; ++g) {
      const size_t k0 = g * groupSize, len = std::min(groupSize, K - k0);
      for (size_t i = 0; i < len; ++i) {
        unsigned shift;
        const size_t at = codeByte(n, g * p.Gp + i, pb, shift);
        p.panels[at] = static_cast<uint8_t>(p.panels[at] | (codes[n * K + k0 + i] << shift));
      }
    }
  p.scale.assign(np * G * 8, 0.0f);
  if (!p.symmetric) p.zero.assign(np * G * 8, 0);
  for (size_t n = 0; n < N; ++n)
    for (size_t g = 0; g < G; ++g) {
      const size_t at = ((n / 8) * G + g) * 8 + n % 8;
      p.scale[at] = scales[n * G + g];
      p.scalesInFoldRange = p.scalesInFoldRange && inQ4FoldRange(scales[n * G + g]);
      if (!p.symmetric) p.zero[at] = zeroPoints[n * G + g];
    }
  p.bias.assign(np * 8, 0.0f);
  if (bias) std::copy(bias, bias + N, p.bias.begin());
  return p;
}

uint8_t Q4PackedWeights::code(size_t n, size_t k) const {
  const size_t g = k / groupSize;
  unsigned shift;
  const size_t at = codeByte(n, g * Gp + (k - g * groupSize), panelBytes(), shift);
  return static_cast<uint8_t>((panels[at] >> shift) & 15);
}

namespace {

// Writes one row in the x16 (4 int16 per block) or x256 (8 per block) form
// and its group sums.
template <bool X256>
void prepareRow(const int8_t* src, const Q4PackedWeights& w, int16_t* row, int32_t* asum) {
  constexpr size_t per = X256 ? 8 : 4;
  const size_t G = w.groups, gs = w.groupSize, K = w.K;
  for (size_t g = 0; g < G; ++g) {
    const size_t k0 = g * gs, len = std::min(gs, K - k0);
    const int8_t* x = src + k0;
    int16_t* dst = row + g * w.Gp / 4 * per;
    int32_t sum = 0;
    for (size_t i = 0; i < w.Gp; i += 4, dst += per) {
      int32_t v[4];
      for (size_t j = 0; j < 4; ++j) v[j] = i + j < len ? x[i + j] : 0;
      sum += v[0] + v[1] + v[2] + v[3];
      if constexpr (X256) {
        const int16_t d[8] = {static_cast<int16_t>(256 * v[0]), static_cast<int16_t>(256 * v[1]),
                              static_cast<int16_t>(16 * v[2]),  static_cast<int16_t>(16 * v[3]),
                              static_cast<int16_t>(v[0]),       static_cast<int16_t>(v[1]),
                              static_cast<int16_t>(256 * v[2]), static_cast<int16_t>(256 * v[3])};
        std::copy(d, d + 8, dst);
      } else {
        dst[0] = static_cast<int16_t>(16 * v[0]);
        dst[1] = static_cast<int16_t>(16 * v[1]);
        dst[2] = static_cast<int16_t>(v[2]);
        dst[3] = static_cast<int16_t>(v[3]);
      }
    }
    asum[g] = sum;
  }
}

}  // namespace

void prepareQ4Activations(const int8_t* a, size_t M, const Q4PackedWeights& w, int16_t* a16, int32_t* asum) {
  for (size_t m = 0; m < M; ++m) prepareRow<false>(a + m * w.K, w, a16 + m * w.Kp(), asum + m * w.groups);
}

void prepareQ4ActivationsX256(const int8_t* a, const Q4PackedWeights& w, int16_t* a256, int32_t* asum) {
  prepareRow<true>(a, w, a256, asum);
}

}  // namespace qwasm::kernels
