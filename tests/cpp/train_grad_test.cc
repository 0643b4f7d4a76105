// Finite-difference checks of every training op's backward pass and of the
// softmax cross-entropy loss: the analytic gradient of L = Σ out · R (R fixed
// random) must match central differences of the float forward pass.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <memory>

#include "common/error.h"
#include "train/activations.h"
#include "train/conv2d.h"
#include "train/elementwise.h"
#include "train/fake_quant_op.h"
#include "train/linear.h"
#include "train/loss.h"
#include "train/network.h"
#include "train/pooling.h"
#include "train/random.h"

namespace qwasm::train {
namespace {

Tensor randomTensor(Shape s, Rng& rng, float scale = 1.0f) {
  Tensor t(std::move(s));
  for (float& v : t.data) v = static_cast<float>(rng.normal()) * scale;
  return t;
}

// Compares d(Σ out·R)/d(target) from backward with central differences,
// where `target` is one of the op's inputs or parameters.
void checkGradient(Op& op, std::vector<Tensor>& inputs, const std::function<void(float*)>&, float eps = 1e-2f, float tol = 2e-2f) {
  Rng rng(99);
  std::vector<const Tensor*> in;
  for (auto& t : inputs) in.push_back(&t);
  Tensor out;
  op.forward(in, out, true);
  const Tensor R = randomTensor(out.shape, rng);
  auto objective = [&]() {
    Tensor o;
    op.forward(in, o, true);
    double s = 0;
    for (int64_t i = 0; i < o.size(); ++i) s += static_cast<double>(o.data[i]) * R.data[i];
    return s;
  };
  // Analytic gradients.
  op.forward(in, out, true);
  std::vector<Tensor> dIn;
  for (auto& t : inputs) dIn.emplace_back(t.shape);
  std::vector<Tensor*> dPtr;
  for (auto& d : dIn) dPtr.push_back(&d);
  for (Param* p : op.params()) p->grad.reset(p->value.shape);
  op.backward(in, out, R, dPtr);
  auto compare = [&](std::vector<float>& values, const std::vector<float>& analytic, const std::string& what) {
    double maxErr = 0, maxRef = 0;
    for (size_t i = 0; i < values.size(); ++i) {
      const float keep = values[i];
      values[i] = keep + eps;
      const double up = objective();
      values[i] = keep - eps;
      const double down = objective();
      values[i] = keep;
      const double numeric = (up - down) / (2.0 * eps);
      maxErr = std::max(maxErr, std::fabs(numeric - analytic[i]));
      maxRef = std::max(maxRef, std::fabs(numeric));
    }
    EXPECT_LE(maxErr, tol * std::max(1.0, maxRef)) << what << " (largest gradient " << maxRef << ")";
  };
  for (size_t k = 0; k < inputs.size(); ++k) compare(inputs[k].data, dIn[k].data, op.type() + " input " + std::to_string(k));
  for (Param* p : op.params()) {
    const std::vector<float> analytic = p->grad.data;
    compare(p->value.data, analytic, op.type() + " param " + p->name);
  }
}

void check(Op& op, std::vector<Tensor> inputs, float eps = 1e-2f, float tol = 2e-2f) { checkGradient(op, inputs, {}, eps, tol); }

TEST(TrainGrad, Linear) {
  Rng rng(1);
  Linear lin("fc", randomTensor({5, 7}, rng), randomTensor({5}, rng));
  check(lin, {randomTensor({3, 7}, rng)});
}

TEST(TrainGrad, LinearNoBiasOddSizes) {
  Rng rng(2);
  Linear lin("fc", randomTensor({17, 3}, rng), Tensor());
  check(lin, {randomTensor({1, 3}, rng)});
}

TEST(TrainGrad, Conv2dPaddedStrided) {
  Rng rng(3);
  Window2d w;
  w.sh = 2; w.sw = 1; w.padTop = 1; w.padLeft = 1; w.padBottom = 1; w.padRight = 0;
  Conv2d conv("conv", randomTensor({4, 3, 3, 2}, rng), randomTensor({4}, rng), w);
  check(conv, {randomTensor({2, 3, 5, 6}, rng)});
}

TEST(TrainGrad, Conv2dDilated) {
  Rng rng(4);
  Window2d w;
  w.dh = 2; w.dw = 2; w.padTop = w.padLeft = w.padBottom = w.padRight = 2;
  Conv2d conv("conv", randomTensor({2, 2, 3, 3}, rng), Tensor(), w);
  check(conv, {randomTensor({1, 2, 5, 5}, rng)});
}

TEST(TrainGrad, Relu) {
  Rng rng(5);
  Tensor x = randomTensor({4, 9}, rng);
  for (float& v : x.data) v += v >= 0 ? 0.1f : -0.1f;  // away from the kink
  ActivationOp relu(Activation::Relu);
  check(relu, {x});
}

TEST(TrainGrad, Gelu) {
  Rng rng(6);
  ActivationOp gelu(Activation::Gelu);
  check(gelu, {randomTensor({3, 11}, rng, 2.0f)}, 1e-3f);
}

TEST(TrainGrad, Erf) {
  Rng rng(7);
  ActivationOp erf(Activation::Erf);
  check(erf, {randomTensor({3, 5}, rng)}, 1e-3f);
}

TEST(TrainGrad, MaxPool) {
  Rng rng(8);
  Window2d w;
  w.kh = w.kw = 2; w.sh = w.sw = 2; w.padBottom = 1; w.padRight = 1;
  PoolOp pool(Pool::Max, w);
  // Distinct values, spaced more than 2·eps apart, so no window has a tie.
  Tensor x({2, 3, 5, 5});
  std::vector<int64_t> order(static_cast<size_t>(x.size()));
  for (size_t i = 0; i < order.size(); ++i) order[i] = static_cast<int64_t>(i);
  rng.shuffle(order);
  for (size_t i = 0; i < order.size(); ++i) x.data[i] = 0.05f * static_cast<float>(order[i]);
  check(pool, {x}, 1e-2f);
}

TEST(TrainGrad, AveragePoolCountIncludePad) {
  Rng rng(9);
  Window2d w;
  w.kh = 3; w.kw = 2; w.sh = 2; w.sw = 2; w.padTop = w.padLeft = 1; w.padBottom = w.padRight = 1;
  PoolOp with(Pool::Average, w, true), without(Pool::Average, w, false);
  check(with, {randomTensor({2, 2, 5, 4}, rng)});
  check(without, {randomTensor({2, 2, 5, 4}, rng)});
}

TEST(TrainGrad, GlobalAveragePool) {
  Rng rng(10);
  PoolOp pool(Pool::GlobalAverage, Window2d{});
  check(pool, {randomTensor({2, 3, 4, 5}, rng)});
}

TEST(TrainGrad, FlattenAndReshape) {
  Rng rng(11);
  ReshapeOp flat;
  check(flat, {randomTensor({2, 3, 2, 2}, rng)});
  ReshapeOp image({1, 2, 6});
  check(image, {randomTensor({2, 12}, rng)});
  EXPECT_THROW(ReshapeOp({-1, -1}), Error);
}

TEST(TrainGrad, AddMulSubDivBroadcast) {
  Rng rng(12);
  for (Binary k : {Binary::Add, Binary::Sub, Binary::Mul, Binary::Div}) {
    BinaryOp both(k);
    Tensor b = randomTensor({1, 4}, rng);
    for (float& v : b.data) v = v >= 0 ? v + 1.0f : v - 1.0f;  // keep divisors away from 0
    check(both, {randomTensor({3, 4}, rng), b}, 1e-3f);
    BinaryOp withParam(k, "bias", b, 1, true);
    check(withParam, {randomTensor({2, 3, 4}, rng)}, 1e-3f);
    BinaryOp constFirst(k, "c", randomTensor({4}, rng), 0, true);
    check(constFirst, {b}, 1e-3f);
  }
}

TEST(TrainGrad, SoftmaxCrossEntropy) {
  Rng rng(13);
  Tensor z = randomTensor({4, 6}, rng, 3.0f);
  const int32_t labels[4] = {0, 5, 2, 2};
  Tensor dz;
  const LossResult base = softmaxCrossEntropy(z, labels, &dz);
  EXPECT_GT(base.loss, 0.0);
  const float eps = 1e-3f;
  for (int64_t i = 0; i < z.size(); ++i) {
    const float keep = z.data[i];
    z.data[i] = keep + eps;
    const double up = softmaxCrossEntropy(z, labels, nullptr).loss;
    z.data[i] = keep - eps;
    const double down = softmaxCrossEntropy(z, labels, nullptr).loss;
    z.data[i] = keep;
    EXPECT_NEAR((up - down) / (2 * eps), dz.data[i], 2e-4) << "logit " << i;
  }
  // Large logits stay finite (log-sum-exp).
  Tensor big({1, 3});
  big.data = {1000.0f, -1000.0f, 0.0f};
  const int32_t l0[1] = {1};
  EXPECT_NEAR(softmaxCrossEntropy(big, l0, nullptr).loss, 2000.0, 1e-6);
  const int32_t bad[1] = {3};
  EXPECT_THROW(softmaxCrossEntropy(big, bad, nullptr), Error);
}

// Weight fake-quant inside Linear: the straight-through gradient equals the
// float layer's gradient for unclipped weights (the fake-quant forward is
// piecewise constant, so differences would test nothing).
TEST(TrainGrad, LinearWeightFakeQuantStraightThrough) {
  Rng rng(14);
  Tensor w = randomTensor({4, 6}, rng), b = randomTensor({4}, rng), x = randomTensor({3, 6}, rng);
  Linear plain("fc", w, b), quant("fc", w, b);
  FakeQuantConfig cfg;
  cfg.dtype = DType::Int4;
  cfg.perChannel = true;
  quant.setWeightQuantizer(std::make_unique<FakeQuantizer>(cfg, 4, "fc.wq"));
  Tensor y0, y1, dy = randomTensor({3, 4}, rng);
  plain.forward({&x}, y0, true);
  quant.forward({&x}, y1, true);
  Tensor dx0({3, 6}), dx1({3, 6});
  plain.weight().grad.reset({4, 6});
  quant.weight().grad.reset({4, 6});
  plain.bias().grad.reset({4});
  quant.bias().grad.reset({4});
  plain.backward({&x}, y0, dy, {&dx0});
  quant.backward({&x}, y1, dy, {&dx1});
  // Weights are all inside the min/max range: dW identical.
  for (int64_t i = 0; i < 24; ++i) EXPECT_FLOAT_EQ(plain.weight().grad.data[i], quant.weight().grad.data[i]);
  // dX uses the fake-quantized weights.
  bool differs = false;
  for (int64_t i = 0; i < dx0.size(); ++i) differs |= dx0.data[i] != dx1.data[i];
  EXPECT_TRUE(differs);
}

// LSQ range gradient: central differences of the fake-quant output with
// respect to `hi` match the LSQ estimate on average (the exact derivative is
// a sum of jumps; LSQ's is its straight-through smoothing), so we check it on
// the clipped region, where the output is exactly linear in the range.
TEST(TrainGrad, LsqRangeGradientOnClippedValues) {
  FakeQuantConfig cfg;
  cfg.dtype = DType::Int4;
  cfg.lsq = true;
  cfg.freezeAfter = 0;  // learned from the start
  FakeQuantizer fq(cfg, 1, "r");
  fq.setRange(0, -1.0f, 1.0f);
  Tensor x({1, 4});
  x.data = {2.0f, 3.0f, -2.5f, 1.7f};  // all clipped (|x| > amax)
  Tensor y, dx({1, 4}), dy({1, 4}, 1.0f);
  fq.forward(x, y, true);
  fq.params()[0]->grad.reset({1, 2});
  fq.backward(x, dy, dx);
  for (float d : dx.data) EXPECT_EQ(d, 0.0f);  // clipped: no input gradient
  // y = ±qmax·s = ±amax for every element: dΣy/damax = (#pos - #neg) = 3 - 1 = 2,
  // times the LSQ gradient scale 1/sqrt(N·Qp) = 1/sqrt(4·7).
  EXPECT_NEAR(fq.params()[0]->grad.data[1], 2.0 / std::sqrt(28.0), 1e-6);
  EXPECT_EQ(fq.params()[0]->grad.data[0], 0.0f);
}

TEST(TrainGrad, ActivationFakeQuantStraightThrough) {
  FakeQuantConfig cfg;
  cfg.dtype = DType::UInt8;
  cfg.scheme = Scheme::Asymmetric;
  cfg.restrictRange = false;
  FakeQuantOp op(cfg, "act");
  op.quantizer().setRange(0, -1.0f, 1.0f);
  // Freeze so the observer does not widen the range to the data.
  FakeQuantConfig frozen = cfg;
  frozen.freezeAfter = 0;
  FakeQuantOp fop(frozen, "act");
  fop.quantizer().setRange(0, -1.0f, 1.0f);
  Tensor x({1, 4});
  x.data = {0.5f, -0.25f, 3.0f, -4.0f};
  Tensor y, dx({1, 4}), dy({1, 4}, 1.0f);
  fop.forward({&x}, y, true);
  fop.backward({&x}, y, dy, {&dx});
  EXPECT_EQ(dx.data[0], 1.0f);
  EXPECT_EQ(dx.data[1], 1.0f);
  EXPECT_EQ(dx.data[2], 0.0f);  // clipped
  EXPECT_EQ(dx.data[3], 0.0f);
  const QParams p = fop.quantizer().qparams(0);
  EXPECT_EQ(y.data[2], static_cast<float>(255 - p.zeroPoint) * p.scale);  // clipped to the top code
  EXPECT_EQ(y.data[3], static_cast<float>(0 - p.zeroPoint) * p.scale);
}

// A whole small network, through Network::backward: conv -> relu -> maxpool
// -> flatten -> linear -> add(bias) -> gelu -> linear; gradient of the loss
// w.r.t. every parameter by central differences.
TEST(TrainGrad, NetworkEndToEnd) {
  Rng rng(15);
  Network net("x", {1, 6, 6});
  Window2d w;
  w.padTop = w.padLeft = w.padBottom = w.padRight = 1;
  int v = net.add("conv", std::make_unique<Conv2d>("conv", randomTensor({2, 1, 3, 3}, rng, 0.5f), randomTensor({2}, rng, 0.1f), w), {0}, "c");
  v = net.add("relu", std::make_unique<ActivationOp>(Activation::Relu), {v}, "r");
  Window2d p;
  p.kh = p.kw = p.sh = p.sw = 2;
  v = net.add("pool", std::make_unique<PoolOp>(Pool::Max, p), {v}, "p");
  v = net.add("flat", std::make_unique<ReshapeOp>(), {v}, "f");
  const int skip = v;
  v = net.add("fc1", std::make_unique<Linear>("fc1", randomTensor({18, 18}, rng, 0.3f), Tensor()), {v}, "h");
  v = net.add("bias", std::make_unique<BinaryOp>(Binary::Add, "b", randomTensor({18}, rng, 0.1f), 1, true), {v}, "hb");
  v = net.add("res", std::make_unique<BinaryOp>(Binary::Add), {v, skip}, "res");
  v = net.add("gelu", std::make_unique<ActivationOp>(Activation::Gelu), {v}, "g");
  v = net.add("fc2", std::make_unique<Linear>("fc2", randomTensor({3, 18}, rng, 0.3f), randomTensor({3}, rng, 0.1f)), {v}, "logits");
  Tensor x = randomTensor({2, 1, 6, 6}, rng);
  const int32_t labels[2] = {1, 2};
  auto loss = [&]() { return softmaxCrossEntropy(net.forward(x, true), labels, nullptr).loss; };
  Tensor dz;
  softmaxCrossEntropy(net.forward(x, true), labels, &dz);
  for (Param* q : net.params()) q->grad.reset(q->value.shape);
  net.backward(dz);
  const float eps = 1e-3f;
  int checked = 0;
  for (Param* q : net.params()) {
    for (size_t i = 0; i < q->value.data.size(); i += 3) {
      const float keep = q->value.data[i];
      q->value.data[i] = keep + eps;
      const double up = loss();
      q->value.data[i] = keep - eps;
      const double down = loss();
      q->value.data[i] = keep;
      EXPECT_NEAR((up - down) / (2 * eps), q->grad.data[i], 3e-3) << q->name << "[" << i << "]";
      ++checked;
    }
  }
  EXPECT_GT(checked, 100);
  net.releaseBuffers();
  EXPECT_THROW(net.backward(dz), Error);
}

}  // namespace
}  // namespace qwasm::train
