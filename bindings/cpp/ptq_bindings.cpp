// Post-training quantization of a loaded model: quantizeModel, the
// sensitivity analysis, and exports (QDQ ONNX, safetensors).
#include <emscripten/bind.h>

#include "calib/range_method.h"
#include "io/json/json.h"
#include "model_handle.h"
#include "ptq/model_quantizer.h"
#include "ptq/weight_quantizer.h"

namespace qwasm::bindings {

namespace {

ptq::PtqOptions parseOptions(const val& o) {
  ptq::PtqOptions p;
  p.mode = ptq::parseMode(o["mode"].as<std::string>());
  p.weightDtype = parseDType(o["weightDtype"].as<std::string>(), "weights.dtype");
  p.weightScheme = parseScheme(o["weightScheme"].as<std::string>(), "weights.scheme");
  const std::string g = o["weightGranularity"].as<std::string>();
  if (g == "tensor") p.weightGranularity = ptq::WeightGranularity::Tensor;
  else if (g == "channel") p.weightGranularity = ptq::WeightGranularity::Channel;
  else if (g == "group") p.weightGranularity = ptq::WeightGranularity::Group;
  else throwInvalidArgument("weights.granularity: unknown granularity '" + g + "' (valid: tensor, channel, group)");
  p.groupSize = static_cast<int64_t>(o["groupSize"].as<double>());
  p.restrictRange = o["restrictRange"].as<bool>();
  p.reduceRange = o["reduceRange"].as<bool>();
  p.activationDtype = parseDType(o["activationDtype"].as<std::string>(), "activations.dtype");
  p.activationScheme = parseScheme(o["activationScheme"].as<std::string>(), "activations.scheme");
  p.activationMethod = calib::parseRangeMethod(o["activationMethod"].as<std::string>(), "activations.range");
  p.percentile = o["percentile"].as<double>();
  const val exclude = o["exclude"];
  for (unsigned i = 0, n = exclude["length"].as<unsigned>(); i < n; ++i) p.exclude.insert(exclude[i].as<std::string>());
  const val overrides = o["overrides"];
  const val keys = val::global("Object").call<val>("keys", overrides);
  for (unsigned i = 0, n = keys["length"].as<unsigned>(); i < n; ++i) {
    const std::string name = keys[i].as<std::string>();
    const val ov = overrides[name];
    ptq::LayerOverride lo;
    lo.skip = ov["skip"].as<bool>();
    if (!ov["dtype"].isUndefined() && !ov["dtype"].isNull()) {
      lo.hasDtype = true;
      lo.dtype = parseDType(ov["dtype"].as<std::string>(), "overrides[].dtype");
    }
    p.overrides[name] = lo;
  }
  if (p.mode == ptq::Mode::WeightOnly) ptq::codeElemType(p.weightDtype);  // validates early
  return p;
}

ptq::Progress progressFn(const val& cb) {
  if (cb.isUndefined() || cb.isNull()) return {};
  return [cb](double f, const std::string& msg) { cb(f, msg); };
}

double finite(double v) { return v; }  // Infinity passes through val as JS Infinity

}  // namespace

class QuantizedModelHandle {
 public:
  QuantizedModelHandle(ptq::PtqResult r) : result_(std::move(r)), exec_(result_.model) {}

  val report() const {
    val out = val::object();
    out.set("integerLayers", exec_.summary().integerLayers);
    val layers = val::array();
    for (const auto& l : result_.layers) {
      val v = val::object();
      v.set("node", l.node);
      v.set("op", l.op);
      v.set("weight", l.weight);
      v.set("quantized", l.quantized);
      v.set("dtype", l.dtype);
      v.set("note", l.note);
      v.set("weightSqnrDb", finite(l.weightSqnrDb));
      v.set("outputSqnrDb", finite(l.outputSqnrDb));
      v.set("bytesBefore", static_cast<double>(l.bytesBefore));
      v.set("bytesAfter", static_cast<double>(l.bytesAfter));
      v.set("parameters", static_cast<double>(l.parameters));
      layers.call<void>("push", v);
    }
    out.set("layers", layers);
    out.set("bytesBefore", static_cast<double>(result_.bytesBefore));
    out.set("bytesAfter", static_cast<double>(result_.bytesAfter));
    out.set("outputSqnrDb", result_.outputSqnrDb);
    val ranges = val::object();
    for (const auto& [name, r] : result_.activationRanges) {
      val pair = val::array();
      pair.call<void>("push", r.first);
      pair.call<void>("push", r.second);
      ranges.set(name, pair);
    }
    out.set("activationRanges", ranges);
    return out;
  }

  val inputs() const { return ioList(exec_.inputs()); }
  val outputs() const { return ioList(exec_.outputs()); }

  void setFeed(const std::string& name, uintptr_t ptr, val shapeArr, int elemType) { session_.setFeed(name, ptr, shapeArr, elemType); }
  void clearFeeds() { session_.release(); }
  val run() {
    return guarded([&]() -> val { return session_.run(exec_); });
  }
  void releaseOutputs() { session_.release(); }

  // Serialises into an internal buffer; returns its size (read with bufferPtr).
  double toOnnx() {
    return guarded([&]() -> double {
      buffer_ = io::onnx::writeModel(result_.model);
      return static_cast<double>(buffer_.size());
    });
  }

  // Codes, scales and zero-points under "<weight>.qweight", "<weight>.scales",
  // "<weight>.zero_points"; float tensors under their own names; the layout
  // of each quantized weight in the "qwasm.quantization" metadata (JSON).
  double toSafetensors() {
    return guarded([&]() -> double {
      io::safetensors::File f;
      std::map<std::string, const Tensor*> byName;
      const auto& g = result_.model.graph;
      for (size_t i = 0; i < g.initializers.size(); ++i) byName[g.initializerNames[i]] = &g.initializers[i];
      std::set<std::string> used;
      std::string layout = "{";
      for (const auto& l : result_.layers) {
        if (!l.quantized) continue;
        const std::string base = l.node;
        auto wq = byName.find(base + "/W_q");
        if (wq == byName.end()) continue;
        f.tensors.emplace_back(l.weight + ".qweight", *wq->second);
        f.tensors.emplace_back(l.weight + ".scales", *byName.at(base + "/W_scale"));
        f.tensors.emplace_back(l.weight + ".zero_points", *byName.at(base + "/W_zp"));
        used.insert(base + "/W_q");
        used.insert(base + "/W_scale");
        used.insert(base + "/W_zp");
        int64_t axis = -1, block = 0;
        for (const auto& n : g.nodes) {
          if (n.name == base + "/dequantize_W") {
            axis = n.attrInt("axis", -1);
            block = n.attrInt("block_size", 0);
          }
        }
        if (layout.size() > 1) layout += ",";
        layout += io::json::quote(l.weight) + ":{\"node\":" + io::json::quote(l.node) + ",\"dtype\":" + io::json::quote(l.dtype) +
                  ",\"axis\":" + std::to_string(axis) + ",\"block_size\":" + std::to_string(block) + "}";
      }
      layout += "}";
      for (size_t i = 0; i < g.initializers.size(); ++i) {
        if (!used.count(g.initializerNames[i])) f.tensors.emplace_back(g.initializerNames[i], g.initializers[i]);
      }
      f.metadata["format"] = "qwasm-ptq";
      f.metadata["qwasm.quantization"] = layout;
      buffer_ = io::safetensors::write(f);
      return static_cast<double>(buffer_.size());
    });
  }
  uintptr_t bufferPtr() const { return reinterpret_cast<uintptr_t>(buffer_.data()); }
  void releaseBuffer() { buffer_.clear(); buffer_.shrink_to_fit(); }

 private:
  ptq::PtqResult result_;
  graph::Executor exec_;
  ExecutorSession session_;
  std::vector<uint8_t> buffer_;
};

namespace {

// Calibration samples are staged on the source model with setFeed + addCalibrationSample.
std::map<const ModelHandle*, std::vector<ptq::Feeds>>& calibrationSets() {
  static std::map<const ModelHandle*, std::vector<ptq::Feeds>> sets;
  return sets;
}

void addCalibrationSample(ModelHandle& m) { calibrationSets()[&m].push_back(m.takeFeeds()); }
void clearCalibration(ModelHandle& m) { calibrationSets().erase(&m); }

const graph::Executor& requireGraph(const ModelHandle& m) {
  if (!m.executor()) throwUnsupported("quantizeModel: a safetensors file has no graph; load an ONNX model to quantize it");
  return *m.executor();
}

QuantizedModelHandle* quantize(ModelHandle& m, val options, val progress) {
  return guarded([&]() -> QuantizedModelHandle* {
    const ptq::PtqOptions o = parseOptions(options);
    auto& calib = calibrationSets()[&m];
    auto result = ptq::quantizeModel(requireGraph(m), o, calib, progressFn(progress));
    calibrationSets().erase(&m);
    return new QuantizedModelHandle(std::move(result));
  });
}

val sensitivity(ModelHandle& m, val options, val progress) {
  return guarded([&]() -> val {
    const ptq::PtqOptions o = parseOptions(options);
    auto ranking = ptq::sensitivity(requireGraph(m), o, calibrationSets()[&m], progressFn(progress));
    calibrationSets().erase(&m);
    val out = val::array();
    for (const auto& s : ranking) {
      val v = val::object();
      v.set("node", s.node);
      v.set("outputSqnrDb", s.outputSqnrDb);
      out.call<void>("push", v);
    }
    return out;
  });
}

}  // namespace
}  // namespace qwasm::bindings

EMSCRIPTEN_BINDINGS(ptq) {
  using namespace qwasm::bindings;
  emscripten::function("ptqAddCalibrationSample", &addCalibrationSample);
  emscripten::function("ptqClearCalibration", &clearCalibration);
  emscripten::function("ptqQuantize", &quantize, emscripten::allow_raw_pointers());
  emscripten::function("ptqSensitivity", &sensitivity);
  emscripten::class_<QuantizedModelHandle>("QuantizedModelHandle")
      .function("report", &QuantizedModelHandle::report)
      .function("inputs", &QuantizedModelHandle::inputs)
      .function("outputs", &QuantizedModelHandle::outputs)
      .function("setFeed", &QuantizedModelHandle::setFeed)
      .function("clearFeeds", &QuantizedModelHandle::clearFeeds)
      .function("run", &QuantizedModelHandle::run)
      .function("releaseOutputs", &QuantizedModelHandle::releaseOutputs)
      .function("toOnnx", &QuantizedModelHandle::toOnnx)
      .function("toSafetensors", &QuantizedModelHandle::toSafetensors)
      .function("bufferPtr", &QuantizedModelHandle::bufferPtr)
      .function("releaseBuffer", &QuantizedModelHandle::releaseBuffer);
}
