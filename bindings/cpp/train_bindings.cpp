// Training and quantization-aware training of a loaded ONNX model
// (src/train): a TrainSession owns the trainable network, the data set and
// the trainer; JS drives it in chunks of batches (step) so a Web Worker stays
// responsive and can cancel between batches. Everything runs inside
// guarded(): errors reach JS as Error subclasses, the instance keeps working.
#include <emscripten/bind.h>

#include <cstring>
#include <memory>

#include "io/onnx/onnx_model.h"
#include "model_handle.h"
#include "ptq/model_quantizer.h"
#include "train/model_builder.h"
#include "train/onnx_export.h"
#include "train/onnx_import.h"
#include "train/qat.h"
#include "train/trainer.h"

namespace qwasm::bindings {

namespace {

train::Dataset readData(uintptr_t xPtr, bool isBytes, double count, const val& sampleShape, uintptr_t labelsPtr, double byteScale) {
  train::Dataset d;
  for (unsigned i = 0, n = sampleShape["length"].as<unsigned>(); i < n; ++i) d.sampleShape.push_back(static_cast<int64_t>(sampleShape[i].as<double>()));
  const auto n = static_cast<size_t>(count);
  const auto per = static_cast<size_t>(graph::shapeSize(d.sampleShape));
  if (isBytes) {
    const auto* p = reinterpret_cast<const uint8_t*>(xPtr);
    d.bytes.assign(p, p + n * per);
    d.byteScale = static_cast<float>(byteScale);
  } else {
    const auto* p = reinterpret_cast<const float*>(xPtr);
    d.x.assign(p, p + n * per);
  }
  const auto* l = reinterpret_cast<const int32_t*>(labelsPtr);
  d.labels.assign(l, l + n);
  return d;
}

train::QatConfig parseQat(const val& q) {
  train::QatConfig c;
  c.weights.dtype = parseDType(q["weightDtype"].as<std::string>(), "weights.dtype");
  c.weights.scheme = parseScheme(q["weightScheme"].as<std::string>(), "weights.scheme");
  const std::string g = q["weightGranularity"].as<std::string>();
  if (g != "tensor" && g != "channel") throwInvalidArgument("weights.granularity: '" + g + "' (valid for QAT: tensor, channel)");
  c.weights.perChannel = g == "channel";
  c.weights.restrictRange = q["restrictRange"].as<bool>();
  c.weights.lsq = q["weightLsq"].as<bool>();
  c.quantizeActivations = q["quantizeActivations"].as<bool>();
  c.activations = train::defaultActivationConfig();
  if (c.quantizeActivations) {
    c.activations.dtype = parseDType(q["activationDtype"].as<std::string>(), "activations.dtype");
    c.activations.scheme = parseScheme(q["activationScheme"].as<std::string>(), "activations.scheme");
    c.activations.freezeAfter = static_cast<int64_t>(q["freezeAfter"].as<double>());
    c.activations.averaging = static_cast<float>(q["averaging"].as<double>());
    c.activations.lsq = q["activationLsq"].as<bool>();
  }
  const val ex = q["exclude"];
  for (unsigned i = 0, n = ex["length"].as<unsigned>(); i < n; ++i) c.exclude.insert(ex[i].as<std::string>());
  return c;
}

val progressValue(const train::TrainProgress& p) {
  val v = val::object();
  v.set("epoch", static_cast<double>(p.epoch));
  v.set("batch", static_cast<double>(p.batch));
  v.set("batchesPerEpoch", static_cast<double>(p.batchesPerEpoch));
  v.set("step", static_cast<double>(p.step));
  v.set("totalSteps", static_cast<double>(p.totalSteps));
  v.set("loss", p.loss);
  v.set("accuracy", p.accuracy);
  v.set("batchLoss", p.batchLoss);
  v.set("done", p.done);
  return v;
}

std::vector<int64_t> intList(const val& a) {
  std::vector<int64_t> out;
  for (unsigned i = 0, n = a["length"].as<unsigned>(); i < n; ++i) out.push_back(static_cast<int64_t>(a[i].as<double>()));
  return out;
}

// A freshly initialised MLP or CNN as float ONNX bytes (a Uint8Array copy).
val buildModel(val spec) {
  return guarded([&]() -> val {
    const std::string kind = spec["kind"].as<std::string>();
    std::unique_ptr<train::Network> net;
    if (kind == "mlp") {
      train::MlpSpec m;
      m.inputs = static_cast<int64_t>(spec["inputs"].as<double>());
      m.hidden = intList(spec["hidden"]);
      m.classes = static_cast<int64_t>(spec["classes"].as<double>());
      m.gelu = spec["activation"].as<std::string>() == "gelu";
      m.seed = static_cast<uint64_t>(spec["seed"].as<double>());
      net = train::buildMlp(m);
    } else if (kind == "cnn") {
      train::CnnSpec c;
      c.height = static_cast<int64_t>(spec["height"].as<double>());
      c.width = static_cast<int64_t>(spec["width"].as<double>());
      c.channels = intList(spec["channels"]);
      c.classes = static_cast<int64_t>(spec["classes"].as<double>());
      c.seed = static_cast<uint64_t>(spec["seed"].as<double>());
      net = train::buildCnn(c);
    } else {
      throwInvalidArgument("buildModel: unknown kind '" + kind + "' (valid: mlp, cnn)");
    }
    const std::vector<uint8_t> bytes = io::onnx::writeModel(train::networkToOnnx(*net, "qwasm_" + kind));
    return val::global("Uint8Array").new_(emscripten::typed_memory_view(bytes.size(), bytes.data()));
  });
}

}  // namespace

class TrainSession {
 public:
  static TrainSession* create(ModelHandle& m, val options) {
    return guarded([&]() -> TrainSession* {
      if (!m.executor()) throwUnsupported("train: a safetensors file has no graph; load an ONNX model to train it");
      auto s = std::make_unique<TrainSession>();
      s->net_ = train::networkFromOnnx(*m.executor());
      train::TrainConfig& c = s->config_;
      c.epochs = static_cast<int64_t>(options["epochs"].as<double>());
      c.batchSize = static_cast<int64_t>(options["batchSize"].as<double>());
      c.optimizer.kind = train::parseOptimizer(options["optimizer"].as<std::string>());
      c.optimizer.learningRate = static_cast<float>(options["learningRate"].as<double>());
      c.optimizer.momentum = static_cast<float>(options["momentum"].as<double>());
      c.optimizer.weightDecay = static_cast<float>(options["weightDecay"].as<double>());
      c.cosine = options["cosine"].as<bool>();
      c.shuffle = options["shuffle"].as<bool>();
      c.seed = static_cast<uint64_t>(options["seed"].as<double>());
      const val q = options["qat"];
      if (!q.isNull() && !q.isUndefined()) {
        s->qat_ = std::make_unique<train::QatConfig>(parseQat(q));
        train::prepareQat(*s->net_, *s->qat_);
      }
      return s.release();
    });
  }

  // Copies the training set in and creates the trainer (validates everything).
  void setData(uintptr_t xPtr, bool isBytes, double count, val sampleShape, uintptr_t labelsPtr, double byteScale) {
    guarded([&] {
      trainer_.reset();
      data_ = readData(xPtr, isBytes, count, sampleShape, labelsPtr, byteScale);
      trainer_ = std::make_unique<train::Trainer>(*net_, data_, config_);
    });
  }

  val sampleShape() const {
    val a = val::array();
    for (int64_t d : net_->sampleShape()) a.call<void>("push", static_cast<double>(d));
    return a;
  }

  // Runs up to maxBatches batches; returns the progress after each one.
  val step(int maxBatches) {
    return guarded([&]() -> val {
      if (!trainer_) throwInvalidArgument("train: no data (or the run was cancelled)");
      val out = val::array();
      trainer_->run(maxBatches, [&](const train::TrainProgress& p) { out.call<void>("push", progressValue(p)); });
      if (trainer_->done()) {
        trainer_.reset();
        data_ = {};  // the set is no longer needed
      }
      return out;
    });
  }

  // Stops and frees the data, activations, gradients and optimizer state.
  void cancel() {
    if (trainer_) trainer_->cancel();
    trainer_.reset();
    data_ = {};
    net_->releaseBuffers();
  }

  val evaluate(uintptr_t xPtr, bool isBytes, double count, val sampleShape, uintptr_t labelsPtr, double byteScale, double batchSize) {
    return guarded([&]() -> val {
      const train::Dataset d = readData(xPtr, isBytes, count, sampleShape, labelsPtr, byteScale);
      const train::Evaluation e = train::evaluate(*net_, d, static_cast<int64_t>(batchSize));
      val v = val::object();
      v.set("loss", e.loss);
      v.set("accuracy", e.accuracy);
      v.set("correct", static_cast<double>(e.correct));
      v.set("count", static_cast<double>(e.count));
      return v;
    });
  }

  // Inference of the (fake-quant) network: logits into the buffer; returns their count.
  double predict(uintptr_t xPtr, double count) {
    return guarded([&]() -> double {
      train::Tensor x;
      x.shape = {static_cast<int64_t>(count)};
      x.shape.insert(x.shape.end(), net_->sampleShape().begin(), net_->sampleShape().end());
      const auto* p = reinterpret_cast<const float*>(xPtr);
      x.data.assign(p, p + graph::shapeSize(x.shape));
      const train::Tensor& y = net_->forward(x, false);
      const size_t n = y.data.size();
      buffer_.resize(n * sizeof(float));
      std::memcpy(buffer_.data(), y.ptr(), buffer_.size());
      net_->releaseBuffers();  // invalidates y
      return static_cast<double>(n);
    });
  }

  // The trained float model (latent weights) as ONNX; returns the byte count.
  double exportOnnx() {
    return guarded([&]() -> double {
      buffer_ = io::onnx::writeModel(train::networkToOnnx(*net_));
      return static_cast<double>(buffer_.size());
    });
  }

  // QAT: the quantized QDQ model (ptq::quantizeModel with the QAT ranges), as ONNX.
  double exportQuantizedOnnx() {
    return guarded([&]() -> double {
      if (!qat_) throwInvalidArgument("toQuantizedONNX: only models trained with qat() carry quantization parameters");
      const auto fp32Bytes = io::onnx::writeModel(train::networkToOnnx(*net_));
      graph::Executor fp32(io::onnx::readModel(fp32Bytes.data(), fp32Bytes.size()));
      const ptq::PtqResult r = ptq::quantizeModel(fp32, train::quantizeOptions(*net_, *qat_), {});
      buffer_ = io::onnx::writeModel(r.model);
      return static_cast<double>(buffer_.size());
    });
  }

  // QAT: the quantizeModel options (JS form) that convert the exported model exactly.
  val quantizeOptions() {
    return guarded([&]() -> val {
      if (!qat_) throwInvalidArgument("quantizeOptions: only models trained with qat() carry quantization parameters");
      const ptq::PtqOptions o = train::quantizeOptions(*net_, *qat_);
      val v = val::object();
      v.set("mode", std::string(ptq::modeName(o.mode)));
      val w = val::object();
      w.set("dtype", std::string(dtypeName(o.weightDtype)));
      w.set("scheme", std::string(schemeName(o.mode == ptq::Mode::Static ? Scheme::Symmetric : o.weightScheme)));
      w.set("granularity", std::string(o.weightGranularity == ptq::WeightGranularity::Tensor && o.mode != ptq::Mode::Static ? "tensor" : "channel"));
      w.set("restrictRange", o.restrictRange);
      v.set("weights", w);
      if (o.mode == ptq::Mode::Static) {
        val a = val::object();
        a.set("dtype", std::string(dtypeName(o.activationDtype)));
        a.set("scheme", std::string(schemeName(o.activationScheme)));
        val ranges = val::object();
        for (const auto& [name, r] : o.activationRanges) {
          val pair = val::array();
          pair.call<void>("push", r.first);
          pair.call<void>("push", r.second);
          ranges.set(name, pair);
        }
        a.set("ranges", ranges);
        v.set("activations", a);
        val ov = val::object();
        for (const auto& [node, lo] : o.overrides) {
          val x = val::object();
          x.set("dtype", std::string(dtypeName(lo.dtype)));
          ov.set(node, x);
        }
        v.set("overrides", ov);
      }
      val ex = val::array();
      for (const auto& e : o.exclude) ex.call<void>("push", e);
      v.set("exclude", ex);
      return v;
    });
  }

  double parameterCount() { return static_cast<double>(net_->parameterCount()); }
  uintptr_t bufferPtr() const { return reinterpret_cast<uintptr_t>(buffer_.data()); }
  void releaseBuffer() {
    buffer_.clear();
    buffer_.shrink_to_fit();
  }

 private:
  std::unique_ptr<train::Network> net_;
  std::unique_ptr<train::QatConfig> qat_;
  train::TrainConfig config_;
  train::Dataset data_;
  std::unique_ptr<train::Trainer> trainer_;
  std::vector<uint8_t> buffer_;
};

}  // namespace qwasm::bindings

EMSCRIPTEN_BINDINGS(train) {
  using qwasm::bindings::TrainSession;
  emscripten::function("trainBuildModel", &qwasm::bindings::buildModel);
  emscripten::class_<TrainSession>("TrainSession")
      .class_function("create", &TrainSession::create, emscripten::allow_raw_pointers())
      .function("setData", &TrainSession::setData)
      .function("sampleShape", &TrainSession::sampleShape)
      .function("step", &TrainSession::step)
      .function("cancel", &TrainSession::cancel)
      .function("evaluate", &TrainSession::evaluate)
      .function("predict", &TrainSession::predict)
      .function("exportOnnx", &TrainSession::exportOnnx)
      .function("exportQuantizedOnnx", &TrainSession::exportQuantizedOnnx)
      .function("quantizeOptions", &TrainSession::quantizeOptions)
      .function("parameterCount", &TrainSession::parameterCount)
      .function("bufferPtr", &TrainSession::bufferPtr)
      .function("releaseBuffer", &TrainSession::releaseBuffer);
}
