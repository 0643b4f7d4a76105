#include "train/conv2d.h"

#include "common/error.h"
#include "train/matrix.h"

namespace qwasm::train {

namespace {

// colT[p, k] for one image: row p = output position, k = (c, i, j).
void im2colT(const float* x, int64_t C, int64_t H, int64_t W, const Window2d& w, int64_t oh, int64_t ow, float* colT) {
  const int64_t K = C * w.kh * w.kw;
  for (int64_t oy = 0; oy < oh; ++oy)
    for (int64_t ox = 0; ox < ow; ++ox) {
      float* row = colT + (oy * ow + ox) * K;
      for (int64_t c = 0; c < C; ++c)
        for (int64_t i = 0; i < w.kh; ++i) {
          const int64_t iy = oy * w.sh - w.padTop + i * w.dh;
          for (int64_t j = 0; j < w.kw; ++j) {
            const int64_t ix = ox * w.sw - w.padLeft + j * w.dw;
            *row++ = (iy >= 0 && iy < H && ix >= 0 && ix < W) ? x[(c * H + iy) * W + ix] : 0.0f;
          }
        }
    }
}

// The adjoint of im2colT: dx += scatter(dColT).
void col2imT(const float* dColT, int64_t C, int64_t H, int64_t W, const Window2d& w, int64_t oh, int64_t ow, float* dx) {
  const int64_t K = C * w.kh * w.kw;
  for (int64_t oy = 0; oy < oh; ++oy)
    for (int64_t ox = 0; ox < ow; ++ox) {
      const float* row = dColT + (oy * ow + ox) * K;
      for (int64_t c = 0; c < C; ++c)
        for (int64_t i = 0; i < w.kh; ++i) {
          const int64_t iy = oy * w.sh - w.padTop + i * w.dh;
          for (int64_t j = 0; j < w.kw; ++j, ++row) {
            const int64_t ix = ox * w.sw - w.padLeft + j * w.dw;
            if (iy >= 0 && iy < H && ix >= 0 && ix < W) dx[(c * H + iy) * W + ix] += *row;
          }
        }
    }
}

}  // namespace

Conv2d::Conv2d(std::string name, Tensor weight, Tensor bias, Window2d window)
    : weight_(name + ".weight", std::move(weight)), bias_(name + ".bias", std::move(bias)), hasBias_(!bias_.value.data.empty()), win_(window) {
  const Shape& s = weight_.value.shape;
  if (s.size() != 4) throwInvalidArgument(name + ": Conv2d weight must be [out, in, kh, kw], got " + graph::shapeString(s));
  if (hasBias_ && bias_.value.size() != s[0]) throwInvalidArgument(name + ": bias must have " + std::to_string(s[0]) + " values");
  win_.kh = s[2];
  win_.kw = s[3];
  if (win_.sh < 1 || win_.sw < 1 || win_.dh < 1 || win_.dw < 1) throwInvalidArgument(name + ": strides and dilations must be >= 1");
  bias_.decay = false;
}

std::vector<Param*> Conv2d::params() {
  std::vector<Param*> p{&weight_};
  if (hasBias_) p.push_back(&bias_);
  if (wq_) for (Param* q : wq_->params()) p.push_back(q);
  return p;
}

void Conv2d::forward(const std::vector<const Tensor*>& in, Tensor& out, bool training) {
  const Tensor& x = *in[0];
  const Shape& ws = weight_.value.shape;
  const int64_t M = ws[0], C = ws[1];
  if (x.shape.size() != 4 || x.shape[1] != C) throwInvalidArgument(weight_.name + ": input must be [N, " + std::to_string(C) + ", H, W], got " + graph::shapeString(x.shape));
  const int64_t N = x.shape[0], H = x.shape[2], W = x.shape[3];
  const int64_t oh = win_.outH(H), ow = win_.outW(W);
  if (oh < 1 || ow < 1) throwInvalidArgument(weight_.name + ": input " + graph::shapeString(x.shape) + " is smaller than the kernel");
  const int64_t P = oh * ow, K = C * win_.kh * win_.kw;
  const Tensor* w = &weight_.value;
  if (wq_) {
    wq_->forward(weight_.value, wEff_, training);
    w = &wEff_;
  }
  colT_.resize(static_cast<size_t>(N * P * K));
  for (int64_t n = 0; n < N; ++n) im2colT(x.ptr() + n * C * H * W, C, H, W, win_, oh, ow, colT_.data() + n * P * K);
  std::vector<float> y(static_cast<size_t>(M * N * P));  // [M, N*P]
  gemmABt(w->ptr(), colT_.data(), y.data(), M, N * P, K);
  out.reset({N, M, oh, ow});
  for (int64_t n = 0; n < N; ++n)
    for (int64_t m = 0; m < M; ++m) {
      const float b = hasBias_ ? bias_.value.data[static_cast<size_t>(m)] : 0.0f;
      const float* src = y.data() + m * N * P + n * P;
      float* dst = out.ptr() + (n * M + m) * P;
      for (int64_t p = 0; p < P; ++p) dst[p] = src[p] + b;
    }
  if (!training) colT_ = {};
}

void Conv2d::backward(const std::vector<const Tensor*>& in, const Tensor& out, const Tensor& dy, const std::vector<Tensor*>& dIn) {
  const Tensor& x = *in[0];
  const Shape& ws = weight_.value.shape;
  const int64_t M = ws[0], C = ws[1], N = x.shape[0], H = x.shape[2], W = x.shape[3];
  const int64_t oh = out.shape[2], ow = out.shape[3], P = oh * ow, K = C * win_.kh * win_.kw;
  if (colT_.size() != static_cast<size_t>(N * P * K)) throwInvalidArgument(weight_.name + ": backward without a training forward pass");
  std::vector<float> dY(static_cast<size_t>(M * N * P));  // [M, N*P]
  for (int64_t n = 0; n < N; ++n)
    for (int64_t m = 0; m < M; ++m) {
      const float* src = dy.ptr() + (n * M + m) * P;
      float* dst = dY.data() + m * N * P + n * P;
      double bsum = 0;
      for (int64_t p = 0; p < P; ++p) {
        dst[p] = src[p];
        bsum += src[p];
      }
      if (hasBias_) bias_.grad.data[static_cast<size_t>(m)] += static_cast<float>(bsum);
    }
  // dW[M,K] = dY[M,NP] · col[K,NP]ᵀ, col = colTᵀ
  std::vector<float> col(static_cast<size_t>(K * N * P));
  transpose(colT_.data(), col.data(), N * P, K);
  if (wq_) {
    Tensor dWeff(ws);
    gemmABt(dY.data(), col.data(), dWeff.ptr(), M, K, N * P);
    wq_->backward(weight_.value, dWeff, weight_.grad);
  } else {
    gemmABtAccumulate(dY.data(), col.data(), weight_.grad.ptr(), M, K, N * P);
  }
  if (!dIn[0]) return;
  // dColT[NP,K] = dYᵀ[NP,M] · W[M,K] (B = Wᵀ [K,M])
  const Tensor& w = wq_ ? wEff_ : weight_.value;
  std::vector<float> dYt(static_cast<size_t>(N * P * M)), wt(static_cast<size_t>(K * M));
  transpose(dY.data(), dYt.data(), M, N * P);
  transpose(w.ptr(), wt.data(), M, K);
  std::vector<float> dColT(static_cast<size_t>(N * P * K));
  gemmABt(dYt.data(), wt.data(), dColT.data(), N * P, K, M);
  for (int64_t n = 0; n < N; ++n) col2imT(dColT.data() + n * P * K, C, H, W, win_, oh, ow, dIn[0]->ptr() + n * C * H * W);
}

}  // namespace qwasm::train
