#include "calib/histogram.h"

#include <algorithm>
#include <cmath>

#include "common/error.h"

namespace qwasm::calib {

void Histogram::growTo(float needed) {
  if (limit_ == 0.0f) {
    // First range: a power of two above the data, so later doublings stay exact.
    limit_ = std::exp2(std::ceil(std::log2(needed)));
    if (limit_ < needed) limit_ *= 2;
    return;
  }
  while (limit_ < needed) {
    // Double the range: bins 2k and 2k+1 of the old histogram fold into bin
    // k/2 + bins/4 of the new one (the range stays centred on 0).
    const size_t n = counts_.size();
    std::vector<double> next(n, 0.0);
    for (size_t i = 0; i < n; ++i) next[n / 4 + i / 2] += counts_[i];
    counts_.swap(next);
    limit_ *= 2;
  }
}

void Histogram::add(const float* x, size_t n) {
  if (n == 0) return;
  float lo = x[0], hi = x[0];
  for (size_t i = 1; i < n; ++i) {
    lo = std::min(lo, x[i]);
    hi = std::max(hi, x[i]);
  }
  min_ = seen_ ? std::min(min_, lo) : lo;
  max_ = seen_ ? std::max(max_, hi) : hi;
  seen_ = true;
  const float amax = std::max(std::fabs(lo), std::fabs(hi));
  if (amax > 0.0f && amax >= limit_) growTo(std::nextafter(amax, INFINITY));
  const double width = limit_ > 0 ? binWidth() : 1.0;
  const int bins = this->bins();
  for (size_t i = 0; i < n; ++i) {
    int b = limit_ > 0 ? static_cast<int>((static_cast<double>(x[i]) + limit_) / width) : bins / 2;
    b = std::clamp(b, 0, bins - 1);
    counts_[static_cast<size_t>(b)] += 1.0;
  }
  total_ += static_cast<double>(n);
}

void Histogram::merge(const Histogram& other) {
  if (other.empty()) return;
  if (other.bins() != bins()) throwInvalidArgument("merge: histograms have different bin counts");
  Histogram o = other;
  const float target = std::max(limit_, o.limit_);
  if (target > 0) {
    if (limit_ == 0.0f && total_ > 0) {
      // All our data sits at 0: move it into the new range's centre bins.
      const double zeros = total_;
      std::fill(counts_.begin(), counts_.end(), 0.0);
      limit_ = target;
      counts_[counts_.size() / 2] = zeros;
    } else {
      growTo(target);
    }
    o.growTo(target);
  }
  for (size_t i = 0; i < counts_.size(); ++i) counts_[i] += o.counts_[i];
  min_ = seen_ ? std::min(min_, o.min_) : o.min_;
  max_ = seen_ ? std::max(max_, o.max_) : o.max_;
  seen_ = true;
  total_ += o.total_;
}

double Histogram::quantile(double p) const {
  if (total_ == 0) return 0.0;
  const double target = std::clamp(p, 0.0, 100.0) / 100.0 * total_;
  double acc = 0;
  for (int i = 0; i < bins(); ++i) {
    const double c = counts_[static_cast<size_t>(i)];
    if (acc + c >= target && c > 0) {
      const double frac = (target - acc) / c;
      const double v = -limit_ + (i + frac) * binWidth();
      return std::clamp(v, static_cast<double>(min_), static_cast<double>(max_));
    }
    acc += c;
  }
  return max_;
}

void Histogram::restore(float limit, float lo, float hi, std::vector<double> counts) {
  counts_ = std::move(counts);
  limit_ = limit;
  min_ = lo;
  max_ = hi;
  total_ = 0;
  for (double c : counts_) total_ += c;
  seen_ = total_ > 0;
}

}  // namespace qwasm::calib
