// Calibration observers: createObserver / update / qparams / histogram /
// merge / serialise.
#include <emscripten/bind.h>

#include <cstring>
#include <memory>
#include <string>

#include "calib/observer.h"
#include "guard.h"

namespace qwasm::bindings {

using emscripten::val;

class ObserverHandle {
 public:
  explicit ObserverHandle(calib::Observer o) : obs_(std::move(o)) {}

  // Options arrive normalised by observer.ts (every field present).
  static ObserverHandle* create(val o) {
    return guarded([&]() -> ObserverHandle* {
      calib::ObserverOptions opts;
      opts.method = calib::parseObserverMethod(o["method"].as<std::string>());
      opts.dtype = parseDType(o["dtype"].as<std::string>());
      opts.scheme = parseScheme(o["scheme"].as<std::string>());
      opts.perChannel = o["granularity"].as<std::string>() == "channel";
      opts.axis = static_cast<int64_t>(o["axis"].as<double>());
      opts.percentile = o["percentile"].as<double>();
      opts.averagingConstant = o["averagingConstant"].as<double>();
      opts.restrictRange = o["restrictRange"].as<bool>();
      opts.bins = static_cast<int>(o["bins"].as<double>());
      return new ObserverHandle(calib::Observer(opts));
    });
  }

  static ObserverHandle* load(uintptr_t ptr, double size) {
    return guarded([&]() -> ObserverHandle* {
      return new ObserverHandle(calib::Observer::deserialize(reinterpret_cast<const uint8_t*>(ptr), static_cast<size_t>(size)));
    });
  }

  void update(uintptr_t ptr, double length, val shape) {
    guarded([&] {
      std::vector<int64_t> s;
      for (unsigned i = 0, n = shape["length"].as<unsigned>(); i < n; ++i) s.push_back(static_cast<int64_t>(shape[i].as<double>()));
      obs_.update(reinterpret_cast<const float*>(ptr), static_cast<size_t>(length), s);
    });
  }

  val qparams() const {
    return guarded([&]() -> val {
      const auto ranges = obs_.ranges();
      const auto params = obs_.qparams();
      val scales = val::array(), zps = val::array(), los = val::array(), his = val::array();
      for (size_t i = 0; i < params.size(); ++i) {
        scales.call<void>("push", params[i].scale);
        zps.call<void>("push", params[i].zeroPoint);
        los.call<void>("push", ranges[i].lo);
        his.call<void>("push", ranges[i].hi);
      }
      val out = val::object();
      out.set("scales", scales);
      out.set("zeroPoints", zps);
      out.set("min", los);
      out.set("max", his);
      return out;
    });
  }

  val histogram(double channel) const {
    return guarded([&]() -> val {
      if (obs_.channels() == 0) throwInvalidArgument("histogram: the observer has seen no data yet");
      if (channel < 0 || channel >= static_cast<double>(obs_.channels())) throwInvalidArgument("histogram: channel " + std::to_string(static_cast<int64_t>(channel)) + " is out of range");
      const calib::Histogram& h = obs_.histogram(static_cast<size_t>(channel));
      val out = val::object();
      val edges = val::array(), counts = val::array();
      if (!h.empty()) {
        for (int i = 0; i <= h.bins(); ++i) edges.call<void>("push", -static_cast<double>(h.limit()) + i * h.binWidth());
        for (double c : h.counts()) counts.call<void>("push", c);
      }
      out.set("edges", edges);
      out.set("counts", counts);
      out.set("total", h.total());
      return out;
    });
  }

  void merge(const ObserverHandle& other) {
    guarded([&] { obs_.merge(other.obs_); });
  }

  // Serialises into an internal buffer; returns its size (read with bufferPtr).
  double save() {
    buffer_ = obs_.serialize();
    return static_cast<double>(buffer_.size());
  }
  uintptr_t bufferPtr() const { return reinterpret_cast<uintptr_t>(buffer_.data()); }
  void releaseBuffer() { buffer_ = {}; }
  double batches() const { return static_cast<double>(obs_.batches()); }
  double channels() const { return static_cast<double>(obs_.channels()); }
  bool hasHistogram() const {
    const auto m = obs_.options().method;
    return m == calib::ObserverMethod::Percentile || m == calib::ObserverMethod::MSE || m == calib::ObserverMethod::Entropy;
  }

 private:
  calib::Observer obs_;
  std::vector<uint8_t> buffer_;
};

}  // namespace qwasm::bindings

EMSCRIPTEN_BINDINGS(observer) {
  using qwasm::bindings::ObserverHandle;
  emscripten::class_<ObserverHandle>("ObserverHandle")
      .class_function("create", &ObserverHandle::create, emscripten::allow_raw_pointers())
      .class_function("load", &ObserverHandle::load, emscripten::allow_raw_pointers())
      .function("update", &ObserverHandle::update)
      .function("qparams", &ObserverHandle::qparams)
      .function("histogram", &ObserverHandle::histogram)
      .function("merge", &ObserverHandle::merge)
      .function("save", &ObserverHandle::save)
      .function("bufferPtr", &ObserverHandle::bufferPtr)
      .function("releaseBuffer", &ObserverHandle::releaseBuffer)
      .function("batches", &ObserverHandle::batches)
      .function("channels", &ObserverHandle::channels)
      .function("hasHistogram", &ObserverHandle::hasHistogram);
}
