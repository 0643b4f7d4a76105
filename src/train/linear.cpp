#include "train/linear.h"

#include "common/error.h"
#include "train/matrix.h"

namespace qwasm::train {

Linear::Linear(std::string name, Tensor weight, Tensor bias)
    : weight_(name + ".weight", std::move(weight)), bias_(name + ".bias", std::move(bias)), hasBias_(!bias_.value.data.empty()) {
  if (weight_.value.shape.size() != 2) throwInvalidArgument(name + ": Linear weight must be 2-D [out, in], got " + graph::shapeString(weight_.value.shape));
  if (hasBias_ && bias_.value.size() != weight_.value.shape[0]) throwInvalidArgument(name + ": bias must have " + std::to_string(weight_.value.shape[0]) + " values");
  bias_.decay = false;
}

std::vector<Param*> Linear::params() {
  std::vector<Param*> p{&weight_};
  if (hasBias_) p.push_back(&bias_);
  if (wq_) for (Param* q : wq_->params()) p.push_back(q);
  return p;
}

void Linear::forward(const std::vector<const Tensor*>& in, Tensor& out, bool training) {
  const Tensor& x = *in[0];
  const int64_t N = weight_.value.shape[0], K = weight_.value.shape[1];
  if (x.shape.size() != 2 || x.shape[1] != K) throwInvalidArgument(weight_.name + ": input must be [batch, " + std::to_string(K) + "], got " + graph::shapeString(x.shape));
  const int64_t M = x.shape[0];
  const Tensor* w = &weight_.value;
  if (wq_) {
    wq_->forward(weight_.value, wEff_, training);
    w = &wEff_;
  }
  out.reset({M, N});
  gemmABt(x.ptr(), w->ptr(), out.ptr(), M, N, K);
  if (hasBias_)
    for (int64_t m = 0; m < M; ++m)
      for (int64_t n = 0; n < N; ++n) out.data[static_cast<size_t>(m * N + n)] += bias_.value.data[static_cast<size_t>(n)];
}

void Linear::backward(const std::vector<const Tensor*>& in, const Tensor&, const Tensor& dy, const std::vector<Tensor*>& dIn) {
  const Tensor& x = *in[0];
  const int64_t N = weight_.value.shape[0], K = weight_.value.shape[1], M = x.shape[0];
  const Tensor& w = wq_ ? wEff_ : weight_.value;
  if (dIn[0]) {  // dX[M,K] = dY[M,N] · W[N,K]
    std::vector<float> wt(static_cast<size_t>(N * K));
    transpose(w.ptr(), wt.data(), N, K);
    gemmABtAccumulate(dy.ptr(), wt.data(), dIn[0]->ptr(), M, K, N);
  }
  // dW[N,K] = dYᵀ[N,M] · X[M,K]
  std::vector<float> dyt(static_cast<size_t>(M * N)), xt(static_cast<size_t>(M * K));
  transpose(dy.ptr(), dyt.data(), M, N);
  transpose(x.ptr(), xt.data(), M, K);
  if (wq_) {
    Tensor dWeff({N, K});
    gemmABt(dyt.data(), xt.data(), dWeff.ptr(), N, K, M);
    wq_->backward(weight_.value, dWeff, weight_.grad);
  } else {
    gemmABtAccumulate(dyt.data(), xt.data(), weight_.grad.ptr(), N, K, M);
  }
  if (hasBias_)
    for (int64_t m = 0; m < M; ++m)
      for (int64_t n = 0; n < N; ++n) bias_.grad.data[static_cast<size_t>(n)] += dy.data[static_cast<size_t>(m * N + n)];
}

}  // namespace qwasm::train
