#include "calib/observer.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "calib/clip_search.h"
#include "common/error.h"

namespace qwasm::calib {

ObserverMethod parseObserverMethod(const std::string& name) {
  if (name == "minmax") return ObserverMethod::MinMax;
  if (name == "moving-average") return ObserverMethod::MovingAverage;
  if (name == "percentile") return ObserverMethod::Percentile;
  if (name == "mse") return ObserverMethod::MSE;
  if (name == "entropy") return ObserverMethod::Entropy;
  throwInvalidArgument("method: unknown observer method '" + name + "' (valid: minmax, moving-average, percentile, mse, entropy)");
}

const char* observerMethodName(ObserverMethod m) {
  switch (m) {
    case ObserverMethod::MinMax: return "minmax";
    case ObserverMethod::MovingAverage: return "moving-average";
    case ObserverMethod::Percentile: return "percentile";
    case ObserverMethod::MSE: return "mse";
    default: return "entropy";
  }
}

Observer::Observer(const ObserverOptions& o) : o_(o) {
  if (o.bins < 16 || o.bins % 2) throwInvalidArgument("bins must be an even number >= 16");
  if (!(o.percentile > 0 && o.percentile <= 100)) throwInvalidArgument("percentile must be in (0, 100], got " + std::to_string(o.percentile));
  if (!(o.averagingConstant > 0 && o.averagingConstant <= 1)) throwInvalidArgument("averagingConstant must be in (0, 1]");
  if ((o.method == ObserverMethod::MSE || o.method == ObserverMethod::Entropy) && !isIntegerDType(o.dtype)) {
    throwUnsupported(std::string("method '") + observerMethodName(o.method) + "' needs an integer dtype, got '" + dtypeName(o.dtype) + "'");
  }
}

void Observer::update(const float* x, size_t n, const std::vector<int64_t>& shape) {
  if (n == 0) throwInvalidArgument("update: the batch is empty");
  int64_t count = 1;
  for (int64_t d : shape) count *= d;
  if (count != static_cast<int64_t>(n)) throwInvalidArgument("update: shape holds " + std::to_string(count) + " elements but x has " + std::to_string(n));
  for (size_t i = 0; i < n; ++i) {
    if (!std::isfinite(x[i])) throwInvalidArgument(std::string("update: ") + (std::isnan(x[i]) ? "NaN" : "Inf") + " at index " + std::to_string(i));
  }
  // Split into channels (validated before any state changes).
  size_t nch = 1;
  int64_t inner = 1, dim = 1;
  if (o_.perChannel) {
    const int64_t rank = static_cast<int64_t>(shape.size());
    const int64_t axis = o_.axis < 0 ? o_.axis + rank : o_.axis;
    if (axis < 0 || axis >= rank) throwInvalidArgument("axis " + std::to_string(o_.axis) + " is out of range for a batch of rank " + std::to_string(rank));
    dim = shape[static_cast<size_t>(axis)];
    for (int64_t d = axis + 1; d < rank; ++d) inner *= shape[static_cast<size_t>(d)];
    nch = static_cast<size_t>(dim);
  }
  if (!channels_.empty() && channels_.size() != nch) {
    throwInvalidArgument("update: this batch has " + std::to_string(nch) + " channels, earlier batches had " + std::to_string(channels_.size()));
  }
  std::vector<std::vector<float>> split(nch);
  if (nch == 1) split[0].assign(x, x + n);
  else for (size_t i = 0; i < n; ++i) split[static_cast<size_t>((static_cast<int64_t>(i) / inner) % dim)].push_back(x[i]);
  if (channels_.empty()) channels_.assign(nch, Channel(o_.bins));
  ++batches_;
  for (size_t c = 0; c < nch; ++c) {
    Channel& ch = channels_[c];
    const auto [mn, mx] = std::minmax_element(split[c].begin(), split[c].end());
    if (batches_ == 1) {
      ch.lo = *mn;
      ch.hi = *mx;
    } else if (o_.method == ObserverMethod::MovingAverage) {
      const float a = static_cast<float>(o_.averagingConstant);
      ch.lo += a * (*mn - ch.lo);
      ch.hi += a * (*mx - ch.hi);
    } else {
      ch.lo = std::min(ch.lo, *mn);
      ch.hi = std::max(ch.hi, *mx);
    }
    if (o_.method == ObserverMethod::Percentile || o_.method == ObserverMethod::MSE || o_.method == ObserverMethod::Entropy) {
      ch.hist.add(split[c].data(), split[c].size());
      if (batches_ == 1) ch.firstBatch = std::move(split[c]);
      else ch.firstBatch.clear();
    }
  }
}

Range Observer::channelRange(const Channel& c) const {
  RangeOptions ro;
  ro.dtype = o_.dtype;
  ro.scheme = o_.scheme;
  ro.restrictRange = o_.restrictRange;
  ro.percentile = o_.percentile;
  switch (o_.method) {
    case ObserverMethod::MinMax:
    case ObserverMethod::MovingAverage:
      return {c.lo, c.hi};
    case ObserverMethod::Percentile:
      return batches_ == 1 && !c.firstBatch.empty() ? percentileRange(c.firstBatch, o_.percentile, o_.scheme) : percentileRange(c.hist, o_.percentile, o_.scheme);
    case ObserverMethod::MSE:
      return batches_ == 1 && !c.firstBatch.empty() ? mseRange(c.firstBatch.data(), c.firstBatch.size(), ro) : mseRange(c.hist, ro);
    default:
      return entropyRange(c.hist, ro);
  }
}

std::vector<Range> Observer::ranges() const {
  if (channels_.empty()) throwInvalidArgument("qparams: the observer has seen no data yet (call update first)");
  std::vector<Range> out;
  for (const Channel& c : channels_) out.push_back(channelRange(c));
  return out;
}

std::vector<QParams> Observer::qparams() const {
  std::vector<QParams> out;
  for (const Range& r : ranges()) {
    if (isIntegerDType(o_.dtype)) out.push_back(qparamsFromRange(r.lo, r.hi, o_.dtype, o_.scheme, o_.restrictRange));
    else out.push_back({1.0f, 0});
  }
  return out;
}

void Observer::merge(const Observer& other) {
  if (other.o_.method != o_.method || other.o_.dtype != o_.dtype || other.o_.scheme != o_.scheme || other.o_.perChannel != o_.perChannel ||
      other.o_.bins != o_.bins) {
    throwInvalidArgument("merge: observers differ in method, dtype, scheme, granularity or bins");
  }
  if (other.channels_.empty()) return;
  if (channels_.empty()) { *this = other; return; }
  if (other.channels_.size() != channels_.size()) {
    throwInvalidArgument("merge: channel counts differ (" + std::to_string(channels_.size()) + " vs " + std::to_string(other.channels_.size()) + ")");
  }
  const double wa = static_cast<double>(batches_), wb = static_cast<double>(other.batches_);
  for (size_t c = 0; c < channels_.size(); ++c) {
    Channel& a = channels_[c];
    const Channel& b = other.channels_[c];
    if (o_.method == ObserverMethod::MovingAverage) {
      a.lo = static_cast<float>((a.lo * wa + b.lo * wb) / (wa + wb));
      a.hi = static_cast<float>((a.hi * wa + b.hi * wb) / (wa + wb));
    } else {
      a.lo = std::min(a.lo, b.lo);
      a.hi = std::max(a.hi, b.hi);
    }
    a.hist.merge(b.hist);
    a.firstBatch.clear();
  }
  batches_ += other.batches_;
}

namespace {

void put(std::vector<uint8_t>& out, const void* p, size_t n) {
  const auto* b = static_cast<const uint8_t*>(p);
  out.insert(out.end(), b, b + n);
}
template <class T> void put(std::vector<uint8_t>& out, T v) { put(out, &v, sizeof v); }

struct Reader {
  const uint8_t* d;
  size_t n, pos = 0;
  template <class T> T get() {
    if (sizeof(T) > n - pos) throwFormat("observer: truncated data at byte offset " + std::to_string(pos));
    T v;
    std::memcpy(&v, d + pos, sizeof v);
    pos += sizeof v;
    return v;
  }
};

constexpr uint32_t kMagic = 0x4F575132;  // "2QWO"

}  // namespace

std::vector<uint8_t> Observer::serialize() const {
  std::vector<uint8_t> out;
  put(out, kMagic);
  put(out, static_cast<int32_t>(o_.method));
  put(out, static_cast<int32_t>(o_.dtype));
  put(out, static_cast<int32_t>(o_.scheme));
  put(out, static_cast<int32_t>(o_.perChannel));
  put(out, o_.axis);
  put(out, o_.percentile);
  put(out, o_.averagingConstant);
  put(out, static_cast<int32_t>(o_.restrictRange));
  put(out, static_cast<int32_t>(o_.bins));
  put(out, batches_);
  put(out, static_cast<int64_t>(channels_.size()));
  for (const Channel& c : channels_) {
    put(out, c.lo);
    put(out, c.hi);
    put(out, c.hist.limit());
    put(out, c.hist.minValue());
    put(out, c.hist.maxValue());
    put(out, c.hist.counts().data(), c.hist.counts().size() * sizeof(double));
  }
  return out;
}

Observer Observer::deserialize(const uint8_t* data, size_t size) {
  Reader r{data, size};
  if (r.get<uint32_t>() != kMagic) throwFormat("observer: not a serialised qwasm observer (bad magic at byte offset 0)");
  ObserverOptions o;
  const int32_t method = r.get<int32_t>(), dtype = r.get<int32_t>(), scheme = r.get<int32_t>();
  if (method < 0 || method > 4 || dtype < 0 || dtype >= static_cast<int32_t>(allDTypes().size()) || scheme < 0 || scheme > 1) {
    throwFormat("observer: invalid header at byte offset 4");
  }
  o.method = static_cast<ObserverMethod>(method);
  o.dtype = static_cast<DType>(dtype);
  o.scheme = static_cast<Scheme>(scheme);
  o.perChannel = r.get<int32_t>() != 0;
  o.axis = r.get<int64_t>();
  o.percentile = r.get<double>();
  o.averagingConstant = r.get<double>();
  o.restrictRange = r.get<int32_t>() != 0;
  o.bins = r.get<int32_t>();
  Observer obs(o);
  obs.batches_ = r.get<int64_t>();
  const int64_t nch = r.get<int64_t>();
  if (nch < 0 || static_cast<uint64_t>(nch) * static_cast<uint64_t>(o.bins) * 8 > size) throwFormat("observer: absurd channel count " + std::to_string(nch));
  for (int64_t c = 0; c < nch; ++c) {
    Channel ch(o.bins);
    ch.lo = r.get<float>();
    ch.hi = r.get<float>();
    const float limit = r.get<float>(), mn = r.get<float>(), mx = r.get<float>();
    std::vector<double> counts(static_cast<size_t>(o.bins));
    for (double& v : counts) v = r.get<double>();
    ch.hist.restore(limit, mn, mx, std::move(counts));
    obs.channels_.push_back(std::move(ch));
  }
  if (r.pos != size) throwFormat("observer: " + std::to_string(size - r.pos) + " trailing bytes at byte offset " + std::to_string(r.pos));
  return obs;
}

}  // namespace qwasm::calib
