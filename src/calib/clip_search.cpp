#include "calib/clip_search.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "common/error.h"
#include "quant/qparams.h"

namespace qwasm::calib {

namespace {

int quantBits(DType d) { return dtypeBits(d); }

// Squared error of fake-quantizing v with the range candidate.
struct Quantizer {
  QParams p;
  CodeRange r;
  float operator()(float v) const { return dequantizeValue(quantizeValue(v, p, r), p); }
};

Quantizer quantizerFor(float lo, float hi, const RangeOptions& o) {
  if (!isIntegerDType(o.dtype)) throwUnsupported(std::string("range: MSE and entropy search need an integer dtype, got '") + dtypeName(o.dtype) + "'");
  return {qparamsFromRange(lo, hi, o.dtype, o.scheme, o.restrictRange), codeRange(o.dtype, o.scheme, o.restrictRange)};
}

// Minimises err(α) for α in (0, 1]: grid, then golden section.
template <class Err>
double searchFactor(Err err) {
  constexpr int kGrid = 200;
  double best = 1.0, bestErr = std::numeric_limits<double>::infinity();
  for (int k = 1; k <= kGrid; ++k) {
    const double a = static_cast<double>(k) / kGrid;
    const double e = err(a);
    if (e < bestErr) { bestErr = e; best = a; }
  }
  double lo = std::max(1e-6, best - 1.0 / kGrid), hi = std::min(1.0, best + 1.0 / kGrid);
  const double g = 0.6180339887498949;
  double x1 = hi - g * (hi - lo), x2 = lo + g * (hi - lo);
  double e1 = err(x1), e2 = err(x2);
  for (int it = 0; it < 40; ++it) {
    if (e1 < e2) { hi = x2; x2 = x1; e2 = e1; x1 = hi - g * (hi - lo); e1 = err(x1); }
    else { lo = x1; x1 = x2; e1 = e2; x2 = lo + g * (hi - lo); e2 = err(x2); }
  }
  const double mid = e1 < e2 ? x1 : x2;
  return std::min(e1, e2) <= bestErr ? mid : best;
}

Range scaled(float lo, float hi, double a, Scheme scheme) {
  if (scheme == Scheme::Symmetric) {
    const float t = static_cast<float>(std::max(std::fabs(lo), std::fabs(hi)) * a);
    return {-t, t};
  }
  return {static_cast<float>(lo * a), static_cast<float>(hi * a)};
}

}  // namespace

Range percentileRange(std::vector<float> v, double p, Scheme scheme) {
  if (v.empty()) return {};
  auto at = [&](double q) {
    const double pos = std::clamp(q, 0.0, 100.0) / 100.0 * static_cast<double>(v.size() - 1);
    const size_t k = static_cast<size_t>(pos);
    std::nth_element(v.begin(), v.begin() + static_cast<long>(k), v.end());
    const float a = v[k];
    if (k + 1 >= v.size()) return a;
    const float b = *std::min_element(v.begin() + static_cast<long>(k) + 1, v.end());
    return static_cast<float>(a + (b - a) * (pos - static_cast<double>(k)));
  };
  if (scheme == Scheme::Symmetric) {
    for (float& x : v) x = std::fabs(x);
    const float t = at(p);
    return {-t, t};
  }
  const float hi = at(p);
  const float lo = at(100.0 - p);
  return {std::min(lo, hi), std::max(lo, hi)};
}

Range percentileRange(const Histogram& h, double p, Scheme scheme) {
  if (h.empty()) return {};
  if (scheme == Scheme::Symmetric) {
    // The p-th percentile of |x|: fold the symmetric histogram.
    const int n = h.bins(), half = n / 2;
    const double target = std::clamp(p, 0.0, 100.0) / 100.0 * h.total();
    double acc = 0;
    for (int j = 0; j < half; ++j) {
      const double c = h.counts()[static_cast<size_t>(half + j)] + h.counts()[static_cast<size_t>(half - 1 - j)];
      if (acc + c >= target && c > 0) {
        const float t = static_cast<float>((j + (target - acc) / c) * h.binWidth());
        const float amax = std::max(std::fabs(h.minValue()), std::fabs(h.maxValue()));
        return {-std::min(t, amax), std::min(t, amax)};
      }
      acc += c;
    }
    const float amax = std::max(std::fabs(h.minValue()), std::fabs(h.maxValue()));
    return {-amax, amax};
  }
  return {static_cast<float>(h.quantile(100.0 - p)), static_cast<float>(h.quantile(p))};
}

Range mseRange(const float* x, size_t n, const RangeOptions& o) {
  if (n == 0) return {};
  float lo = *std::min_element(x, x + n), hi = *std::max_element(x, x + n);
  if (lo == hi && lo == 0.0f) return {};
  const double a = searchFactor([&](double f) {
    const Range r = scaled(lo, hi, f, o.scheme);
    const Quantizer q = quantizerFor(r.lo, r.hi, o);
    double e = 0;
    for (size_t i = 0; i < n; ++i) {
      const double d = static_cast<double>(x[i]) - q(x[i]);
      e += d * d;
    }
    return e;
  });
  return scaled(lo, hi, a, o.scheme);
}

Range mseRange(const Histogram& h, const RangeOptions& o) {
  if (h.empty()) return {};
  const float lo = h.minValue(), hi = h.maxValue();
  if (lo == hi && lo == 0.0f) return {};
  const double a = searchFactor([&](double f) {
    const Range r = scaled(lo, hi, f, o.scheme);
    const Quantizer q = quantizerFor(r.lo, r.hi, o);
    double e = 0;
    for (int i = 0; i < h.bins(); ++i) {
      const double c = h.counts()[static_cast<size_t>(i)];
      if (c == 0) continue;
      const float v = std::clamp(static_cast<float>(h.binCenter(i)), lo, hi);
      const double d = static_cast<double>(v) - q(v);
      e += c * d * d;
    }
    return e;
  });
  return scaled(lo, hi, a, o.scheme);
}

Range entropyRange(const Histogram& h, const RangeOptions& o) {
  if (h.empty()) return {};
  if (!isIntegerDType(o.dtype)) throwUnsupported(std::string("range: entropy calibration needs an integer dtype, got '") + dtypeName(o.dtype) + "'");
  const int half = h.bins() / 2;
  std::vector<double> abs(static_cast<size_t>(half));
  for (int j = 0; j < half; ++j) abs[static_cast<size_t>(j)] = h.counts()[static_cast<size_t>(half + j)] + h.counts()[static_cast<size_t>(half - 1 - j)];
  int used = half;
  while (used > 1 && abs[static_cast<size_t>(used - 1)] == 0) --used;
  // The bin at 0 holds every exact zero (all of a ReLU's negative inputs):
  // left as is, that spike dominates the divergence and the search keeps
  // thresholds whose first quantized bin is one histogram bin wide, i.e.
  // clips hard. NVIDIA's calibrator (pytorch-quantization, calib/histogram.py,
  // _compute_amax_entropy: `bins[0] = bins[1]`) flattens it the same way.
  if (half > 1) abs[0] = abs[1];
  const int quantBins = std::max(2, 1 << (quantBits(o.dtype) - (isSignedDType(o.dtype) ? 1 : 0)));
  const float amax = std::max(std::fabs(h.minValue()), std::fabs(h.maxValue()));
  if (used <= quantBins) {
    return o.scheme == Scheme::Symmetric ? Range{-amax, amax} : Range{h.minValue(), h.maxValue()};
  }
  double bestKl = std::numeric_limits<double>::infinity();
  int bestI = used;
  std::vector<double> p, q;
  for (int i = quantBins; i <= used; ++i) {
    p.assign(abs.begin(), abs.begin() + i);
    double outliers = 0;
    for (int k = i; k < used; ++k) outliers += abs[static_cast<size_t>(k)];
    p[static_cast<size_t>(i - 1)] += outliers;
    q.assign(static_cast<size_t>(i), 0.0);
    // Histogram bin k of the candidate range goes to quantized bin
    // floor(k * quantBins / i): evenly spread, as NVIDIA's calibrator does
    // (np.linspace boundaries). Integer-sized groups with the remainder in the
    // last one would make every i < 2·quantBins look almost lossless.
    for (int j = 0, start = 0; j < quantBins; ++j) {
      int stop = start;
      while (stop < i && static_cast<int64_t>(stop) * quantBins / i == j) ++stop;
      double total = 0;
      int nonzero = 0;
      for (int k = start; k < stop; ++k) {
        total += abs[static_cast<size_t>(k)];
        nonzero += abs[static_cast<size_t>(k)] != 0;
      }
      if (nonzero > 0) {
        for (int k = start; k < stop; ++k) if (abs[static_cast<size_t>(k)] != 0) q[static_cast<size_t>(k)] = total / nonzero;
      }
      start = stop;
    }
    double ps = 0, qs = 0;
    for (int k = 0; k < i; ++k) { ps += p[static_cast<size_t>(k)]; qs += q[static_cast<size_t>(k)]; }
    double kl = 0;
    for (int k = 0; k < i; ++k) {
      const double pk = p[static_cast<size_t>(k)] / ps;
      if (pk == 0) continue;
      const double qk = q[static_cast<size_t>(k)] / qs;
      kl += qk > 0 ? pk * std::log(pk / qk) : pk * std::log(pk / 1e-12);  // smoothing for empty Q bins (the folded tail)
    }
    if (kl < bestKl) { bestKl = kl; bestI = i; }
  }
  const float t = std::min(amax, static_cast<float>((bestI + 0.5) * h.binWidth()));
  if (o.scheme == Scheme::Symmetric) return {-t, t};
  return {std::max(h.minValue(), -t), std::min(h.maxValue(), t)};
}

}  // namespace qwasm::calib
