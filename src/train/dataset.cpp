#include "train/dataset.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "common/error.h"

namespace qwasm::train {

void Dataset::validate(const char* what) const {
  const int64_t s = sampleSize();
  if (s < 1) throwInvalidArgument(std::string(what) + ": the sample shape must not be empty");
  if (labels.empty()) throwInvalidArgument(std::string(what) + ": no samples");
  const size_t n = bytes.empty() ? x.size() : bytes.size();
  if (!x.empty() && !bytes.empty()) throwInvalidArgument(std::string(what) + ": give float or byte inputs, not both");
  if (!(byteScale > 0.0f) || !std::isfinite(byteScale)) throwInvalidArgument(std::string(what) + ": the byte scale must be a positive number");
  if (static_cast<int64_t>(n) != s * count()) {
    throwInvalidArgument(std::string(what) + ": " + std::to_string(n) + " input values for " + std::to_string(count()) + " labels of samples " +
                         graph::shapeString(sampleShape) + " (expected " + std::to_string(s * count()) + ")");
  }
  for (size_t i = 0; i < x.size(); ++i)
    if (!std::isfinite(x[i])) throwInvalidArgument(std::string(what) + ": non-finite input value at index " + std::to_string(i));
}

void Dataset::gather(const int64_t* indices, int64_t n, Tensor& batch, std::vector<int32_t>& batchLabels) const {
  Shape s{n};
  s.insert(s.end(), sampleShape.begin(), sampleShape.end());
  batch.shape = s;
  const int64_t ss = sampleSize();
  batch.data.resize(static_cast<size_t>(n * ss));
  batchLabels.resize(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    const int64_t k = indices[i];
    if (bytes.empty()) {
      std::copy(x.begin() + k * ss, x.begin() + (k + 1) * ss, batch.data.begin() + i * ss);
    } else {
      const uint8_t* src = bytes.data() + k * ss;
      float* dst = batch.data.data() + i * ss;
      for (int64_t j = 0; j < ss; ++j) dst[j] = static_cast<float>(src[j]) * byteScale;
    }
    batchLabels[static_cast<size_t>(i)] = labels[static_cast<size_t>(k)];
  }
}

}  // namespace qwasm::train
