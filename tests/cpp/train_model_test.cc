// The training engine on real models: ONNX import/export round trips, the
// trainer (learning, determinism, cancellation), fake quantization that is
// bit-identical to PTQ, and exact conversion of QAT networks by quantizeModel.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <iterator>

#include "common/error.h"
#include "graph/executor.h"
#include "io/onnx/onnx_model.h"
#include "ptq/model_quantizer.h"
#include "ptq/weight_quantizer.h"
#include "train/fake_quant_op.h"
#include "train/linear.h"
#include "train/model_builder.h"
#include "train/onnx_export.h"
#include "train/onnx_import.h"
#include "train/qat.h"
#include "train/random.h"
#include "train/trainer.h"

namespace qwasm::train {
namespace {

// The executor's fp32 Conv/MatMul (position panels + packed SIMD GEMM) and the training
// engine's layers sum in different orders: logits of magnitude ~10 differ by
// ~1e-5 in wasm. Conversion exactness is checked on the weights (bit for bit).
constexpr double kFloatOrderTolerance = 1e-4;

std::vector<uint8_t> readFile(const std::string& rel) {
  std::ifstream f(std::string(QWASM_TEST_DATA_DIR) + "/" + rel, std::ios::binary);
  EXPECT_TRUE(f.good()) << rel;
  return {std::istreambuf_iterator<char>(f), {}};
}

graph::Executor loadModel(const std::string& name) {
  const auto bytes = readFile("models/" + name);
  return graph::Executor(io::onnx::readModel(bytes.data(), bytes.size()));
}

// The MNIST test digits of tests/data/mnist, samples [first, first + n), scaled to [0, 1].
Dataset mnist(int64_t first, int64_t n) {
  static const std::vector<uint8_t> images = readFile("mnist/test-images.u8");
  static const std::vector<uint8_t> labels = readFile("mnist/test-labels.u8");
  Dataset d;
  d.sampleShape = {784};
  for (int64_t i = first; i < first + n; ++i) {
    for (int64_t k = 0; k < 784; ++k) d.x.push_back(images[static_cast<size_t>(i * 784 + k)] / 255.0f);
    d.labels.push_back(labels[static_cast<size_t>(i)]);
  }
  return d;
}

graph::Tensor toGraph(const Tensor& t) { return graph::Tensor::fromFloats(t.shape, t.ptr()); }

Tensor batchOf(const Dataset& d, int64_t n) {
  Tensor t({n, 784});
  std::copy(d.x.begin(), d.x.begin() + n * 784, t.data.begin());
  return t;
}

double maxAbsDiff(const float* a, const float* b, int64_t n) {
  double m = 0;
  for (int64_t i = 0; i < n; ++i) m = std::max(m, std::fabs(static_cast<double>(a[i]) - b[i]));
  return m;
}

TEST(TrainModel, ImportMatchesExecutor) {
  const Dataset d = mnist(0, 32);
  const Tensor x = batchOf(d, 32);
  for (const char* name : {"mlp_gelu.onnx", "cnn_bn.onnx"}) {
    graph::Executor e = loadModel(name);
    auto net = networkFromOnnx(e);
    const Tensor& y = net->forward(x, false);
    const auto ref = e.run({{e.inputs()[0].name, toGraph(x)}});
    const graph::Tensor& r = ref.at(e.outputs()[0].name);
    ASSERT_EQ(r.size(), y.size()) << name;
    EXPECT_LT(maxAbsDiff(r.data<float>(), y.ptr(), y.size()), 1e-4) << name;
  }
}

TEST(TrainModel, ExportRoundTrip) {
  graph::Executor e = loadModel("cnn_bn.onnx");
  auto net = networkFromOnnx(e);
  const auto bytes = io::onnx::writeModel(networkToOnnx(*net));
  graph::Executor back(io::onnx::readModel(bytes.data(), bytes.size()));
  EXPECT_EQ(back.summary().opCounts.at("Conv"), 2);
  const Tensor x = batchOf(mnist(0, 8), 8);
  const Tensor y = net->forward(x, false);
  const auto out = back.run({{back.inputs()[0].name, toGraph(x)}});
  EXPECT_LT(maxAbsDiff(out.at(back.outputs()[0].name).data<float>(), y.ptr(), y.size()), kFloatOrderTolerance);
  // And the Erf-form GELU of the MLP, re-imported a second time.
  graph::Executor m = loadModel("mlp_gelu.onnx");
  auto mlp = networkFromOnnx(m);
  const auto mb = io::onnx::writeModel(networkToOnnx(*mlp));
  graph::Executor mback(io::onnx::readModel(mb.data(), mb.size()));
  auto again = networkFromOnnx(mback);
  EXPECT_EQ(again->parameterCount(), mlp->parameterCount());
  EXPECT_LT(maxAbsDiff(again->forward(x, false).ptr(), mlp->forward(x, false).ptr(), 80), 1e-5);
}

TEST(TrainModel, BuiltNetworksExportAndRun) {
  const Tensor x = batchOf(mnist(0, 4), 4);
  MlpSpec ms;
  ms.hidden = {16};
  ms.gelu = true;
  CnnSpec cs;
  cs.channels = {2, 3};
  std::vector<std::unique_ptr<Network>> nets;
  nets.push_back(buildMlp(ms));
  nets.push_back(buildCnn(cs));
  for (auto& net : nets) {
    const auto bytes = io::onnx::writeModel(networkToOnnx(*net));
    graph::Executor e(io::onnx::readModel(bytes.data(), bytes.size()));
    const Tensor y = net->forward(x, false);
    const auto out = e.run({{"input", toGraph(x)}});
    EXPECT_LT(maxAbsDiff(out.at(e.outputs()[0].name).data<float>(), y.ptr(), y.size()), kFloatOrderTolerance);
  }
  // Seeded: the same spec gives the same weights.
  EXPECT_EQ(buildCnn(cs)->params()[0]->value.data, nets[1]->params()[0]->value.data);
  cs.channels = {2, 2, 2, 2, 2, 2};
  EXPECT_THROW(buildCnn(cs), Error);
}

TEST(TrainModel, UnsupportedOpIsNamed) {
  graph::Executor e = loadModel("tiny_transformer.onnx");
  try {
    networkFromOnnx(e);
    FAIL() << "expected an error";
  } catch (const Error& err) {
    EXPECT_EQ(err.kind(), ErrorKind::Unsupported);
    EXPECT_NE(std::string(err.what()).find("Trainable ops"), std::string::npos) << err.what();
  }
}

TEST(TrainModel, TrainingLearnsAndIsDeterministic) {
  const Dataset train = mnist(0, 1000), test = mnist(1000, 1000);
  auto run = [&](uint64_t seed) {
    graph::Executor e = loadModel("mlp_gelu.onnx");
    auto net = networkFromOnnx(e);
    // Scramble the trained weights so there is something to learn.
    Rng rng(7);
    for (Param* p : net->params())
      for (float& v : p->value.data) v = static_cast<float>(rng.normal()) * 0.05f;
    const double before = evaluate(*net, test).accuracy;
    TrainConfig cfg;
    cfg.seed = seed;
    cfg.batchSize = 50;
    cfg.epochs = 2;
    cfg.optimizer.learningRate = 2e-3f;
    Trainer t(*net, train, cfg);
    int calls = 0;
    const TrainProgress p = t.run(0, [&](const TrainProgress&) { ++calls; });
    EXPECT_TRUE(p.done);
    EXPECT_EQ(calls, 40);
    EXPECT_EQ(p.step, 40);
    const double after = evaluate(*net, test).accuracy;
    EXPECT_LT(before, 0.3);
    EXPECT_GT(after, 0.8);
    return net->params()[0]->value.data;
  };
  const auto a = run(1), b = run(1), c = run(2);
  EXPECT_EQ(a, b);  // same seed, same weights, bit for bit
  EXPECT_NE(a, c);
}

TEST(TrainModel, SgdMomentumConvTrainsInChunksAndCancels) {
  const Dataset train = mnist(0, 256);
  graph::Executor e = loadModel("cnn_bn.onnx");
  auto net = networkFromOnnx(e);
  TrainConfig cfg;
  cfg.optimizer.kind = OptimizerKind::Sgd;
  cfg.optimizer.learningRate = 0.01f;
  cfg.batchSize = 32;
  Trainer t(*net, train, cfg);
  TrainProgress p = t.run(3);
  EXPECT_EQ(p.step, 3);
  EXPECT_FALSE(p.done);
  EXPECT_GT(p.accuracy, 0.8);  // already trained: high accuracy from the first batches
  t.cancel();
  EXPECT_TRUE(t.cancelled());
  EXPECT_THROW(t.run(1), Error);
  for (Param* q : net->params()) {
    EXPECT_TRUE(q->grad.data.empty());
    EXPECT_TRUE(q->state.empty());
  }
}

TEST(TrainModel, BadDataIsRejected) {
  graph::Executor e = loadModel("mlp_gelu.onnx");
  auto net = networkFromOnnx(e);
  Dataset d = mnist(0, 4);
  d.labels.push_back(1);  // 5 labels, 4 samples
  EXPECT_THROW(Trainer(*net, d, TrainConfig{}), Error);
  Dataset wrong;
  wrong.sampleShape = {10};
  wrong.x.assign(10, 0.0f);
  wrong.labels = {0};
  EXPECT_THROW(Trainer(*net, wrong, TrainConfig{}), Error);
  TrainConfig bad;
  bad.batchSize = 0;
  EXPECT_THROW(Trainer(*net, mnist(0, 4), bad), Error);
}

// Weight fake quantization equals PTQ's quantizeWeight (dequantized) to the bit.
TEST(TrainModel, WeightFakeQuantIsBitIdenticalToPtq) {
  Rng rng(3);
  graph::Tensor w(graph::ElemType::Float, {7, 13});
  Tensor tw({7, 13});
  for (int64_t i = 0; i < 91; ++i) tw.data[i] = w.data<float>()[i] = static_cast<float>(rng.normal()) * (1 + i % 7);
  for (DType dt : {DType::Int2, DType::Int3, DType::Int4, DType::Int8, DType::UInt4, DType::UInt8}) {
    for (bool perChannel : {false, true}) {
      FakeQuantConfig c;
      c.dtype = dt;
      c.scheme = isSignedDType(dt) ? Scheme::Symmetric : Scheme::Asymmetric;
      c.perChannel = perChannel;
      FakeQuantizer fq(c, perChannel ? 7 : 1, "w");
      Tensor y;
      fq.forward(tw, y, true);
      ptq::WeightQuantOptions o;
      o.dtype = dt;
      o.scheme = c.scheme;
      o.channelAxis = perChannel ? 0 : -1;
      const ptq::QuantizedWeight q = ptq::quantizeWeight(w, o);
      for (int64_t i = 0; i < 91; ++i) ASSERT_EQ(y.data[i], q.dequantized.data<float>()[i]) << dtypeName(dt) << " perChannel=" << perChannel << " i=" << i;
    }
  }
}

TEST(TrainModel, ActivationObserverAveragesThenFreezes) {
  FakeQuantConfig c = defaultActivationConfig();
  c.freezeAfter = 2;
  c.averaging = 0.5f;
  FakeQuantizer fq(c, 1, "a");
  Tensor x({1, 2}), y;
  x.data = {-1.0f, 1.0f};
  fq.forward(x, y, true);  // first batch initialises
  EXPECT_EQ(fq.hi(0), 1.0f);
  x.data = {-3.0f, 3.0f};
  fq.forward(x, y, true);  // EMA: 1 + 0.5 (3 - 1)
  EXPECT_EQ(fq.hi(0), 2.0f);
  EXPECT_EQ(fq.lo(0), -2.0f);
  EXPECT_FALSE(fq.observerLive());
  x.data = {-9.0f, 9.0f};
  fq.forward(x, y, true);  // frozen
  EXPECT_EQ(fq.hi(0), 2.0f);
  fq.forward(x, y, false);
  EXPECT_EQ(fq.hi(0), 2.0f);
  const QParams p = fq.qparams(0);
  EXPECT_EQ(y.data[1], static_cast<float>(255 - p.zeroPoint) * p.scale);  // clipped
  EXPECT_THROW(FakeQuantizer(FakeQuantConfig{DType::FP16}, 1, "bad"), Error);
}

// QAT, then quantizeModel with the options QAT gives: the QDQ model's outputs
// match the fake-quant network's (up to float summation order), and its
// weights are exactly the fake-quantized weights.
void checkExactConversion(const QatConfig& qc, const char* modelName, double tolerance) {
  const Dataset train = mnist(0, 320), test = mnist(1000, 200);
  graph::Executor e = loadModel(modelName);
  auto net = networkFromOnnx(e);
  prepareQat(*net, qc);
  TrainConfig cfg;
  cfg.batchSize = 32;
  cfg.optimizer.learningRate = 1e-4f;
  Trainer t(*net, train, cfg);
  t.run(0);
  const auto bytes = io::onnx::writeModel(networkToOnnx(*net));
  graph::Executor fp32(io::onnx::readModel(bytes.data(), bytes.size()));
  const ptq::PtqOptions po = quantizeOptions(*net, qc);
  const ptq::PtqResult r = ptq::quantizeModel(fp32, po, {});  // no calibration data needed
  for (const auto& layer : r.layers) EXPECT_TRUE(layer.quantized) << layer.node;
  // The QDQ graph evaluated in float (QuantizeLinear/DequantizeLinear ops)
  // reproduces the fake-quant network: same codes, same float arithmetic.
  graph::ExecutorOptions floatQdq;
  floatQdq.integerLayers = false;
  graph::Executor q(r.model, floatQdq);
  const Tensor x = batchOf(test, 200);
  const Tensor y = net->forward(x, false);
  const auto out = q.run({{q.inputs()[0].name, toGraph(x)}});
  const graph::Tensor& qy = out.at(q.outputs()[0].name);
  ASSERT_EQ(qy.size(), y.size());
  EXPECT_LT(maxAbsDiff(qy.data<float>(), y.ptr(), y.size()), tolerance) << modelName;
  // The default executor runs fusable static layers in integers (bias rounded
  // to int32, one requantization: at most one code off, rarely).
  graph::Executor qi(r.model);
  const auto outI = qi.run({{qi.inputs()[0].name, toGraph(x)}});
  const graph::Tensor& qyi = outI.at(qi.outputs()[0].name);
  int agree = 0, agreeInt = 0;
  for (int64_t n = 0; n < 200; ++n) {
    int64_t a = 0, b = 0, c = 0;
    for (int64_t k = 1; k < 10; ++k) {
      if (qy.data<float>()[n * 10 + k] > qy.data<float>()[n * 10 + a]) a = k;
      if (y.data[n * 10 + k] > y.data[n * 10 + b]) b = k;
      if (qyi.data<float>()[n * 10 + k] > qyi.data<float>()[n * 10 + c]) c = k;
    }
    agree += a == b;
    agreeInt += c == b;
  }
  EXPECT_EQ(agree, 200);
  EXPECT_GE(agreeInt, 197);
  // The dequantized weights of the QDQ model are the fake-quantized weights, bit for bit.
  for (auto& node : net->nodes()) {
    auto* l = dynamic_cast<Linear*>(node.op.get());
    if (!l) continue;
    Tensor fq;
    FakeQuantizer copy(l->weightQuantizer()->config(), l->weightQuantizer()->slots(), "copy");
    copy.forward(l->weight().value, fq, true);
    const graph::Tensor& dq = q.constants().at(node.name + "/W_dq");  // folded DequantizeLinear
    ASSERT_EQ(dq.size(), fq.size());
    for (int64_t i = 0; i < fq.size(); ++i) ASSERT_EQ(dq.data<float>()[i], fq.data[i]) << node.name << " " << i;
    break;
  }
}

TEST(TrainModel, QatStaticW4A8ConvertsExactly) {
  QatConfig qc;
  qc.weights.dtype = DType::Int4;
  qc.weights.perChannel = true;
  qc.quantizeActivations = true;
  qc.activations = defaultActivationConfig();
  qc.activations.freezeAfter = 5;
  qc.activations.lsq = true;  // learned after the warm-up: still exact
  checkExactConversion(qc, "mlp_gelu.onnx", kFloatOrderTolerance);
}

TEST(TrainModel, QatWeightOnlyInt2PerTensorConvertsExactly) {
  QatConfig qc;
  qc.weights.dtype = DType::Int2;
  qc.weights.perChannel = false;
  checkExactConversion(qc, "mlp_gelu.onnx", kFloatOrderTolerance);
}

TEST(TrainModel, QatConvStaticConvertsExactly) {
  QatConfig qc;
  qc.weights.dtype = DType::Int8;
  qc.weights.perChannel = true;
  qc.quantizeActivations = true;
  qc.activations = defaultActivationConfig();
  qc.activations.freezeAfter = 3;
  checkExactConversion(qc, "cnn_bn.onnx", kFloatOrderTolerance);
}

TEST(TrainModel, QatRejectsInexactConversions) {
  graph::Executor e = loadModel("mlp_gelu.onnx");
  auto net = networkFromOnnx(e);
  QatConfig qc;
  qc.weights.dtype = DType::Int4;
  qc.weights.perChannel = false;
  qc.quantizeActivations = true;
  qc.activations = defaultActivationConfig();
  prepareQat(*net, qc);
  EXPECT_THROW(prepareQat(*net, qc), Error);  // already prepared
  EXPECT_THROW(quantizeOptions(*net, qc), Error);  // per-tensor weights + activations
  QatConfig lsq;
  lsq.weights.lsq = true;
  EXPECT_THROW(quantizeOptions(*net, lsq), Error);
}

}  // namespace
}  // namespace qwasm::train
