// Observers: streamed range estimation for activations (update() per batch)
// and one-pass estimation for weights, per tensor or per channel (any axis).
//   minmax          running min / max
//   moving-average  exponential moving average of per-batch min / max
//   percentile      exact on a single batch; histogram quantiles when streamed
//   mse             MSE-optimal clipping for the target dtype (histogram when streamed)
//   entropy         TensorRT KL-divergence threshold (histogram)
// Observers merge (calibrate in several workers, combine) and serialise.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "calib/histogram.h"
#include "calib/range_method.h"
#include "quant/qparams.h"

namespace qwasm::calib {

enum class ObserverMethod { MinMax, MovingAverage, Percentile, MSE, Entropy };
ObserverMethod parseObserverMethod(const std::string& name);
const char* observerMethodName(ObserverMethod m);

struct ObserverOptions {
  ObserverMethod method = ObserverMethod::MinMax;
  DType dtype = DType::Int8;
  Scheme scheme = Scheme::Symmetric;
  bool perChannel = false;
  int64_t axis = 0;
  double percentile = 99.99;
  double averagingConstant = 0.01;
  bool restrictRange = true;
  int bins = 4096;  // symmetric bins: 2048 bins of |x|
};

class Observer {
 public:
  explicit Observer(const ObserverOptions& options);

  // Adds a batch. Throws (and leaves the observer unchanged) on an empty
  // batch, NaN/Inf, a shape mismatch or a channel count that differs from
  // earlier batches.
  void update(const float* x, size_t length, const std::vector<int64_t>& shape);

  std::vector<Range> ranges() const;   // one per channel (or one)
  std::vector<QParams> qparams() const;
  const Histogram& histogram(size_t channel) const { return channels_.at(channel).hist; }
  size_t channels() const { return channels_.size(); }
  int64_t batches() const { return batches_; }
  const ObserverOptions& options() const { return o_; }

  // Combines another observer of the same method, dtype, scheme and channel
  // count (moving-average: weighted by batch counts).
  void merge(const Observer& other);

  std::vector<uint8_t> serialize() const;
  static Observer deserialize(const uint8_t* data, size_t size);

 private:
  struct Channel {
    float lo = 0, hi = 0;          // minmax / moving average
    Histogram hist;
    std::vector<float> firstBatch;  // exact percentile / MSE while only one batch was seen
    explicit Channel(int bins) : hist(bins) {}
  };
  Range channelRange(const Channel& c) const;

  ObserverOptions o_;
  std::vector<Channel> channels_;
  int64_t batches_ = 0;
};

}  // namespace qwasm::calib
