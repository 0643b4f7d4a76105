// Tensors: quantize / dequantize / codes / fake-quantize, and error metrics.
#include <emscripten/bind.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <string>

#include "calib/range_method.h"
#include "guard.h"
#include "kernels/quantize/quantize_codes.h"
#include "metrics/error_metrics.h"
#include "quant/tensor_quantizer.h"

namespace qwasm::bindings {

using emscripten::val;

namespace {

std::vector<int64_t> shapeOf(const val& arr) {
  std::vector<int64_t> s;
  for (unsigned i = 0, n = arr["length"].as<unsigned>(); i < n; ++i) s.push_back(static_cast<int64_t>(arr[i].as<double>()));
  return s;
}

// Options arrive normalised by tensor.ts (every field present).
QuantizeOptions optionsOf(const val& o) {
  QuantizeOptions q;
  q.dtype = parseDType(o["dtype"].as<std::string>());
  q.scheme = parseScheme(o["scheme"].as<std::string>());
  q.granularity = parseGranularity(o["granularity"].as<std::string>().c_str());
  q.axis = static_cast<int64_t>(o["axis"].as<double>());
  q.groupSize = static_cast<int64_t>(o["groupSize"].as<double>());
  q.restrictRange = o["restrictRange"].as<bool>();
  q.scaled = o["scaled"].as<bool>();
  q.range.method = calib::parseRangeMethod(o["range"].as<std::string>());
  q.range.percentile = o["percentile"].as<double>();
  return q;
}

}  // namespace

class QuantizedTensorHandle {
 public:
  explicit QuantizedTensorHandle(QuantizedTensor t) : t_(std::move(t)) {}

  static QuantizedTensorHandle* quantize(uintptr_t ptr, double length, val shape, val options) {
    return guarded([&]() -> QuantizedTensorHandle* {
      const auto* x = reinterpret_cast<const float*>(ptr);
      return new QuantizedTensorHandle(quantizeTensor(x, static_cast<size_t>(length), shapeOf(shape), optionsOf(options)));
    });
  }

  val info() const {
    val v = val::object();
    v.set("dtype", std::string(dtypeName(t_.dtype)));
    val shape = val::array();
    for (int64_t d : t_.shape) shape.call<void>("push", static_cast<double>(d));
    v.set("shape", shape);
    val ss = val::array();
    for (int64_t d : t_.scaleShape) ss.call<void>("push", static_cast<double>(d));
    v.set("scaleShape", ss);
    v.set("granularity", std::string(granularityName(t_.granularity)));
    v.set("axis", static_cast<double>(t_.axis));
    v.set("groupSize", static_cast<double>(t_.groupSize));
    v.set("scheme", std::string(schemeName(t_.scheme)));
    v.set("byteLength", static_cast<double>(t_.byteLength()));
    v.set("codeBytes", static_cast<double>(t_.data.size()));
    const bool anyZeroPoint = std::any_of(t_.zeroPoints.begin(), t_.zeroPoints.end(), [](int32_t z) { return z != 0; });
    v.set("zeroPointBytes", anyZeroPoint ? static_cast<double>(t_.zeroPoints.size() * 4) : 0.0);
    v.set("bitsPerElement", t_.bitsPerElement());
    v.set("elements", static_cast<double>(t_.size()));
    return v;
  }
  uintptr_t dataPtr() const { return reinterpret_cast<uintptr_t>(t_.data.data()); }
  double dataSize() const { return static_cast<double>(t_.data.size()); }
  uintptr_t scalesPtr() const { return reinterpret_cast<uintptr_t>(t_.scales.data()); }
  uintptr_t zeroPointsPtr() const { return reinterpret_cast<uintptr_t>(t_.zeroPoints.data()); }
  double paramCount() const { return static_cast<double>(t_.scales.size()); }
  // Writes one code per element to `out` (int32[elements]).
  void codesInto(uintptr_t out) const {
    const std::vector<int32_t> c = tensorCodes(t_);
    if (!c.empty()) std::memcpy(reinterpret_cast<void*>(out), c.data(), c.size() * 4);
  }
  void dequantizeInto(uintptr_t out) const { dequantizeTensor(t_, reinterpret_cast<float*>(out)); }

 private:
  QuantizedTensor t_;
};

namespace {

void fakeQuantize(uintptr_t in, double length, val shape, val options, uintptr_t out) {
  guarded([&] {
    fakeQuantizeTensor(reinterpret_cast<const float*>(in), static_cast<size_t>(length), shapeOf(shape), optionsOf(options), reinterpret_cast<float*>(out));
  });
}

val metrics(uintptr_t ref, uintptr_t approx, double n) {
  const metrics::ErrorMetrics m = metrics::compare(reinterpret_cast<const float*>(ref), reinterpret_cast<const float*>(approx), static_cast<size_t>(n));
  val v = val::object();
  v.set("mse", m.mse);
  v.set("rmse", m.rmse);
  v.set("maxAbs", m.maxAbs);
  v.set("sqnrDb", m.sqnrDb);
  v.set("cosine", m.cosine);
  return v;
}

}  // namespace
}  // namespace qwasm::bindings

EMSCRIPTEN_BINDINGS(tensor) {
  using qwasm::bindings::QuantizedTensorHandle;
  emscripten::class_<QuantizedTensorHandle>("QuantizedTensorHandle")
      .class_function("quantize", &QuantizedTensorHandle::quantize, emscripten::allow_raw_pointers())
      .function("info", &QuantizedTensorHandle::info)
      .function("dataPtr", &QuantizedTensorHandle::dataPtr)
      .function("dataSize", &QuantizedTensorHandle::dataSize)
      .function("scalesPtr", &QuantizedTensorHandle::scalesPtr)
      .function("zeroPointsPtr", &QuantizedTensorHandle::zeroPointsPtr)
      .function("paramCount", &QuantizedTensorHandle::paramCount)
      .function("codesInto", &QuantizedTensorHandle::codesInto)
      .function("dequantizeInto", &QuantizedTensorHandle::dequantizeInto);
  emscripten::function("tensorFakeQuantize", &qwasm::bindings::fakeQuantize);
  emscripten::function("tensorMetrics", &qwasm::bindings::metrics);
  // Benchmarks only: run the scalar references instead of the SIMD kernels.
  emscripten::function("_setKernelPath", emscripten::optional_override([](std::string path) {
    qwasm::kernels::set_simd_kernels(path != "scalar");
    return qwasm::kernels::simd_kernels_active();
  }));
}
