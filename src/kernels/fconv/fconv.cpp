// fp32 convolution: position panels + packed fp32 GEMM, and the direct
// reference (definitions: fconv.h).
#include "kernels/fconv/fconv.h"

#include <cstring>
#include <vector>

#include "kernels/fgemm/fgemm.h"
#include "kernels/qconv/im2col_panel.h"

namespace qwasm::kernels {

void fconv2d(const float* x, size_t batch, const float* w, const float* bias, const QConvShape& s, float* y) {
  validateQConvShape(s);
  const size_t Cg = s.C / s.groups, OCg = s.OC / s.groups, K = s.reduction(), P = s.outH() * s.outW(), nPanels = (P + 7) / 8;
  // The positions play the part of fgemm's packed "weights" (N = P, bias 0).
  FPackedWeights pos;
  pos.N = P;
  pos.K = K;
  pos.panels.resize(nPanels * 8 * K);
  pos.bias.assign(P, 0.0f);
  std::vector<float> col(s.outW() < 32 ? K * nPanels * 8 : 0);
  for (size_t b = 0; b < batch; ++b)
    for (size_t g = 0; g < s.groups; ++g) {
      const float* xg = x + (b * s.C + g * Cg) * s.H * s.W;
      if (s.outW() < 32) {  // narrow outputs: row by row, then 8 values per k (im2col_panel.h)
        im2colRows(xg, s, 0.0f, col.data(), nPanels * 8);
        for (size_t q = 0; q < nPanels; ++q)
          for (size_t k = 0; k < K; ++k) std::memcpy(pos.panels.data() + (q * K + k) * 8, col.data() + k * nPanels * 8 + q * 8, 8 * sizeof(float));
      } else {
        for (size_t q = 0; q < nPanels; ++q) gatherPanel8(xg, s, q * 8, 0.0f, pos.panels.data() + q * 8 * K);
      }
      float* yg = y + (b * s.OC + g * OCg) * P;
      fgemm(w + g * OCg * K, OCg, pos, yg);
      if (bias)
        for (size_t o = 0; o < OCg; ++o) {
          const float bo = bias[g * OCg + o];
          float* plane = yg + o * P;
          for (size_t p = 0; p < P; ++p) plane[p] += bo;
        }
    }
}

void fconv2d_ref(const float* x, size_t batch, const float* w, const float* bias, const QConvShape& s, float* y) {
  validateQConvShape(s);
  const size_t Cg = s.C / s.groups, OCg = s.OC / s.groups, OH = s.outH(), OW = s.outW();
  const ptrdiff_t H = static_cast<ptrdiff_t>(s.H), W = static_cast<ptrdiff_t>(s.W);
  for (size_t b = 0; b < batch; ++b)
    for (size_t oc = 0; oc < s.OC; ++oc) {
      const size_t g = oc / OCg;
      const float* wo = w + oc * Cg * s.kh * s.kw;
      for (size_t oy = 0; oy < OH; ++oy)
        for (size_t ox = 0; ox < OW; ++ox) {
          float acc = 0.0f;
          for (size_t c = 0; c < Cg; ++c)
            for (size_t i = 0; i < s.kh; ++i)
              for (size_t j = 0; j < s.kw; ++j) {
                const ptrdiff_t iy = static_cast<ptrdiff_t>(oy * s.sh + i * s.dh) - static_cast<ptrdiff_t>(s.padTop);
                const ptrdiff_t ix = static_cast<ptrdiff_t>(ox * s.sw + j * s.dw) - static_cast<ptrdiff_t>(s.padLeft);
                const float v = iy >= 0 && iy < H && ix >= 0 && ix < W ? x[((b * s.C + g * Cg + c) * s.H + iy) * s.W + ix] : 0.0f;
                acc = acc + v * wo[(c * s.kh + i) * s.kw + j];
              }
          // fgemm adds its (zero) bias, then the channel bias follows.
          acc = acc + 0.0f;
          y[((b * s.OC + oc) * OH + oy) * OW + ox] = bias ? acc + bias[oc] : acc;
        }
    }
}

}  // namespace qwasm::kernels
