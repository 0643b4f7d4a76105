// Weight packing and the per-call output-stage arrays of the quantized GEMM
// (layout and formulas: qgemm.h).
#include <algorithm>
#include <cmath>
#include <string>

#include "common/error.h"
#include "kernels/qgemm/qgemm.h"

namespace qwasm::kernels {

QPackedWeights packQWeights(const int8_t* w, size_t N, size_t K, const float* scale, size_t numScales,
                            const int32_t* biasI32, const float* biasF32, size_t groups, bool keepRaw, bool keepRows16) {
  if (N == 0 || K == 0) throwInvalidArgument("weights: N and K must be >= 1");
  if (K > 65536) throwInvalidArgument("weights: K = " + std::to_string(K) + " exceeds 65536 (int32 accumulators could overflow)");
  if (groups == 0 || N % groups) throwInvalidArgument("groups (" + std::to_string(groups) + ") must divide N (" + std::to_string(N) + ")");
  if (numScales != 1 && numScales != N) throwInvalidArgument("scale: expected 1 or N = " + std::to_string(N) + " values, got " + std::to_string(numScales));
  QPackedWeights p;
  p.N = N;
  p.K = K;
  p.Kp = (K + 1) & ~size_t{1};
  p.groups = groups;
  p.scale.resize(N);
  for (size_t n = 0; n < N; ++n) {
    const float s = scale[numScales == 1 ? 0 : n];
    if (!(std::isfinite(s) && s > 0.0f)) throwInvalidArgument("scale: value " + std::to_string(n) + " must be finite and > 0");
    p.scale[n] = s;
  }
  p.biasI32.assign(N, 0);
  if (biasI32) p.biasI32.assign(biasI32, biasI32 + N);
  p.biasF32.assign(N, 0.0f);
  if (biasF32) p.biasF32.assign(biasF32, biasF32 + N);
  p.rowSum.resize(N);
  for (size_t n = 0; n < N; ++n) {
    int32_t s = 0;
    for (size_t k = 0; k < K; ++k) s += w[n * K + k];
    p.rowSum[n] = s;
  }
  const size_t Ng = p.channelsPerGroup(), panelsPerGroup = p.panelsPerGroup(), pb = p.panelBytes();
  p.panels.assign(groups * panelsPerGroup * pb, 0);
  for (size_t g = 0; g < groups; ++g)
    for (size_t c = 0; c < Ng; ++c) {
      const int8_t* row = w + (g * Ng + c) * K;
      int8_t* panel = p.panels.data() + (g * panelsPerGroup + c / 8) * pb;
      for (size_t k = 0; k < K; ++k) panel[(k / 2) * 16 + (c % 8) * 2 + (k & 1)] = row[k];
    }
  if (keepRaw) p.raw.assign(w, w + N * K);
  if (keepRows16) {
    p.rows16.assign(N * p.Kp, 0);
    for (size_t n = 0; n < N; ++n)
      for (size_t k = 0; k < K; ++k) p.rows16[n * p.Kp + k] = w[n * K + k];
  }
  return p;
}

int8_t QPackedWeights::weight(size_t n, size_t k) const {
  const size_t Ng = channelsPerGroup(), g = n / Ng, c = n % Ng;
  return panels[(g * panelsPerGroup() + c / 8) * panelBytes() + (k / 2) * 16 + (c % 8) * 2 + (k & 1)];
}

QStage makeQStage(const QActivation& aq, const QPackedWeights& w, const QOutput& out, size_t c0, size_t n,
                  std::vector<int32_t>& bias, std::vector<float>& mult) {
  if (!(std::isfinite(aq.scale) && aq.scale > 0.0f)) throwInvalidArgument("activation scale must be finite and > 0");
  const int32_t zaMin = aq.type == QType::U8 ? 0 : -128, zaMax = aq.type == QType::U8 ? 255 : 127;
  if (aq.zeroPoint < zaMin || aq.zeroPoint > zaMax) throwInvalidArgument("activation zero-point " + std::to_string(aq.zeroPoint) + " is out of range");
  QStage st;
  st.kind = out.kind;
  bias.resize(n);
  mult.resize(n);
  for (size_t i = 0; i < n; ++i) bias[i] = w.biasI32[c0 + i] - aq.zeroPoint * w.rowSum[c0 + i];
  st.bias = bias.data();
  st.mult = mult.data();
  if (out.kind == QOutput::Kind::F32) {
    for (size_t i = 0; i < n; ++i) mult[i] = aq.rowScale ? w.scale[c0 + i] : aq.scale * w.scale[c0 + i];
    st.rowScale = aq.rowScale;
    st.biasF = w.biasF32.data() + c0;
    st.lo = out.minValue;
    st.hi = out.maxValue;
    return st;
  }
  if (aq.rowScale) throwInvalidArgument("per-row activation scales need fp32 output");
  if (!(std::isfinite(out.scale) && out.scale > 0.0f)) throwInvalidArgument("output scale must be finite and > 0");
  const int32_t qmin = out.kind == QOutput::Kind::U8 ? 0 : -128, qmax = out.kind == QOutput::Kind::U8 ? 255 : 127;
  if (out.zeroPoint < qmin || out.zeroPoint > qmax) throwInvalidArgument("output zero-point " + std::to_string(out.zeroPoint) + " is out of range");
  for (size_t i = 0; i < n; ++i) mult[i] = aq.scale * w.scale[c0 + i] / out.scale;
  int32_t qlo = qmin, qhi = qmax;
  if (std::isfinite(out.minValue)) qlo = std::max<int32_t>(qlo, std::min<int32_t>(qmax, out.zeroPoint + static_cast<int32_t>(std::nearbyintf(std::max(-1e6f, std::min(1e6f, out.minValue / out.scale))))));
  if (std::isfinite(out.maxValue)) qhi = std::min<int32_t>(qhi, std::max<int32_t>(qmin, out.zeroPoint + static_cast<int32_t>(std::nearbyintf(std::max(-1e6f, std::min(1e6f, out.maxValue / out.scale))))));
  if (qlo > qhi) throwInvalidArgument("output clamp range is empty");
  st.lo = static_cast<float>(qlo - out.zeroPoint);
  st.hi = static_cast<float>(qhi - out.zeroPoint);
  st.zo = out.zeroPoint;
  return st;
}

}  // namespace qwasm::kernels
