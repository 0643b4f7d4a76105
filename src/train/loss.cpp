#include "train/loss.h"

#include <cmath>
#include <string>

#include "common/error.h"

namespace qwasm::train {

int64_t argmaxRow(const float* row, int64_t classes) {
  int64_t best = 0;
  for (int64_t c = 1; c < classes; ++c)
    if (row[c] > row[best]) best = c;
  return best;
}

LossResult softmaxCrossEntropy(const Tensor& logits, const int32_t* labels, Tensor* dLogits) {
  if (logits.shape.size() != 2) throwInvalidArgument("loss: logits must be [batch, classes], got " + graph::shapeString(logits.shape));
  const int64_t N = logits.shape[0], C = logits.shape[1];
  if (dLogits) dLogits->reset(logits.shape);
  LossResult r;
  for (int64_t n = 0; n < N; ++n) {
    const float* z = logits.ptr() + n * C;
    const int32_t y = labels[n];
    if (y < 0 || y >= C) throwInvalidArgument("labels[" + std::to_string(n) + "] = " + std::to_string(y) + " is not a class index in [0, " + std::to_string(C) + ")");
    double mx = z[0];
    for (int64_t c = 1; c < C; ++c) mx = std::max<double>(mx, z[c]);
    double sum = 0;
    for (int64_t c = 0; c < C; ++c) sum += std::exp(static_cast<double>(z[c]) - mx);
    const double logSum = std::log(sum) + mx;
    r.loss += logSum - z[y];
    if (argmaxRow(z, C) == y) ++r.correct;
    if (dLogits) {
      float* g = dLogits->ptr() + n * C;
      for (int64_t c = 0; c < C; ++c) {
        const double p = std::exp(static_cast<double>(z[c]) - logSum);
        g[c] = static_cast<float>((p - (c == y ? 1.0 : 0.0)) / static_cast<double>(N));
      }
    }
  }
  if (N) r.loss /= static_cast<double>(N);
  return r;
}

}  // namespace qwasm::train
