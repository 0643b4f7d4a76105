// A streaming histogram for calibration: fixed bin count over a symmetric
// range [-limit, limit] that doubles (merging bin pairs) when data exceeds
// it, so one pass over many batches needs no second pass and no stored data.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

namespace qwasm::calib {

class Histogram {
 public:
  explicit Histogram(int bins = 2048) : counts_(static_cast<size_t>(bins), 0.0) {}

  // Adds values (finite; the caller checks).
  void add(const float* x, size_t n);
  // Adds another histogram (both re-binned to the wider range).
  void merge(const Histogram& other);

  bool empty() const { return total_ == 0; }
  double total() const { return total_; }
  float limit() const { return limit_; }
  float minValue() const { return min_; }
  float maxValue() const { return max_; }
  int bins() const { return static_cast<int>(counts_.size()); }
  const std::vector<double>& counts() const { return counts_; }
  double binWidth() const { return 2.0 * limit_ / static_cast<double>(counts_.size()); }
  double binCenter(int i) const { return -limit_ + (i + 0.5) * binWidth(); }

  // The value below which `p` percent of the mass lies (linear within a bin).
  double quantile(double p) const;

  // For serialisation.
  void restore(float limit, float lo, float hi, std::vector<double> counts);

 private:
  void growTo(float needed);
  std::vector<double> counts_;
  float limit_ = 0.0f;  // 0 until the first non-zero value
  double total_ = 0;
  float min_ = 0.0f, max_ = 0.0f;
  bool seen_ = false;
};

}  // namespace qwasm::calib
