// Scalar reference of the packed quantized GEMM and the shared driver that
// widens activations and resolves the output stage (formulas: qgemm.h).
#include <string>

#include "common/error.h"
#include "kernels/qgemm/qgemm.h"

namespace qwasm::kernels {

void qgemm_s16_panels_ref(const int16_t* a16, size_t M, size_t lda, const int8_t* panels, size_t N, size_t Kp,
                          const QStage& st, void* y, size_t rowStride, size_t colStride) {
  for (size_t m = 0; m < M; ++m)
    for (size_t n = 0; n < N; ++n) {
      const int8_t* panel = panels + (n / 8) * Kp * 8 + (n % 8) * 2;
      int32_t acc = 0;
      for (size_t k = 0; k < Kp; ++k) acc += static_cast<int32_t>(a16[m * lda + k]) * panel[(k / 2) * 16 + (k & 1)];
      acc += st.bias[n];
      const size_t at = m * rowStride + n * colStride;
      if (st.kind == QOutput::Kind::F32) {
        const float mult = st.rowScale ? st.rowScale[m] * st.mult[n] : st.mult[n];
        float v = static_cast<float>(acc) * mult + st.biasF[n];
        v = v < st.lo ? st.lo : v;
        v = v > st.hi ? st.hi : v;
        static_cast<float*>(y)[at] = v;
      } else {
        const int32_t q = requantizeOne(acc, st.mult[n], st.lo, st.hi, st.zo);
        if (st.kind == QOutput::Kind::S8) static_cast<int8_t*>(y)[at] = static_cast<int8_t>(q);
        else static_cast<uint8_t*>(y)[at] = static_cast<uint8_t>(q);
      }
    }
}

void qgemm_channel_rows_ref(const int16_t* w16, size_t OC, size_t Kp, const void* xpanels, bool xUnsigned, size_t P, const QStage& st, void* y) {
  for (size_t m = 0; m < OC; ++m)
    for (size_t p = 0; p < P; ++p) {
      const size_t base = (p / 8) * Kp * 8 + (p % 8) * 2;
      int32_t acc = 0;
      for (size_t k = 0; k < Kp; ++k) {
        const size_t at = base + (k / 2) * 16 + (k & 1);
        const int32_t v = xUnsigned ? static_cast<const uint8_t*>(xpanels)[at] : static_cast<const int8_t*>(xpanels)[at];
        acc += v * w16[m * Kp + k];
      }
      acc += st.bias[m];
      const size_t out = m * P + p;
      if (st.kind == QOutput::Kind::F32) {
        float v = static_cast<float>(acc) * st.mult[m] + st.biasF[m];
        v = v < st.lo ? st.lo : v;
        v = v > st.hi ? st.hi : v;
        static_cast<float*>(y)[out] = v;
      } else {
        const int32_t q = requantizeOne(acc, st.mult[m], st.lo, st.hi, st.zo);
        if (st.kind == QOutput::Kind::S8) static_cast<int8_t*>(y)[out] = static_cast<int8_t>(q);
        else static_cast<uint8_t*>(y)[out] = static_cast<uint8_t>(q);
      }
    }
}

namespace {

void widenRows(const void* a, QType type, size_t M, size_t K, size_t Kp, int16_t* a16) {
  for (size_t m = 0; m < M; ++m) {
    int16_t* row = a16 + m * Kp;
    if (type == QType::U8) {
      const uint8_t* src = static_cast<const uint8_t*>(a) + m * K;
      for (size_t k = 0; k < K; ++k) row[k] = src[k];
    } else {
      const int8_t* src = static_cast<const int8_t*>(a) + m * K;
      for (size_t k = 0; k < K; ++k) row[k] = src[k];
    }
    for (size_t k = K; k < Kp; ++k) row[k] = 0;
  }
}

void checkUngrouped(const QPackedWeights& w) {
  if (w.groups != 1) throwInvalidArgument("qgemm: grouped weights belong to the convolution");
}

void qgemmA16With(bool simd, const int16_t* a16, size_t M, const QActivation& aq, const QPackedWeights& w, void* y, const QOutput& out) {
  checkUngrouped(w);
  if (M == 0) return;
  std::vector<int32_t> bias;
  std::vector<float> mult;
  const QStage st = makeQStage(aq, w, out, 0, w.N, bias, mult);
  (simd ? qgemm_s16_panels : qgemm_s16_panels_ref)(a16, M, w.Kp, w.panels.data(), w.N, w.Kp, st, y, w.N, 1);
}

void qgemmWith(bool simd, const void* a, size_t M, const QActivation& aq, const QPackedWeights& w, void* y, const QOutput& out) {
  checkUngrouped(w);
  std::vector<int16_t> a16(M * w.Kp);
  widenRows(a, aq.type, M, w.K, w.Kp, a16.data());
  qgemmA16With(simd, a16.data(), M, aq, w, y, out);
}

}  // namespace

void qgemm(const void* a, size_t M, const QActivation& aq, const QPackedWeights& w, void* y, const QOutput& out) {
  qgemmWith(true, a, M, aq, w, y, out);
}
void qgemm_ref(const void* a, size_t M, const QActivation& aq, const QPackedWeights& w, void* y, const QOutput& out) {
  qgemmWith(false, a, M, aq, w, y, out);
}
void qgemm_a16(const int16_t* a16, size_t M, const QActivation& aq, const QPackedWeights& w, void* y, const QOutput& out) {
  qgemmA16With(true, a16, M, aq, w, y, out);
}
void qgemm_a16_ref(const int16_t* a16, size_t M, const QActivation& aq, const QPackedWeights& w, void* y, const QOutput& out) {
  qgemmA16With(false, a16, M, aq, w, y, out);
}

}  // namespace qwasm::kernels
