#include "train/model_builder.h"

#include <cmath>

#include "common/error.h"
#include "train/activations.h"
#include "train/conv2d.h"
#include "train/linear.h"
#include "train/pooling.h"
#include "train/random.h"

namespace qwasm::train {

namespace {

Tensor heNormal(Shape shape, int64_t fanIn, Rng& rng) {
  Tensor t(std::move(shape));
  const double sd = std::sqrt(2.0 / static_cast<double>(fanIn));
  for (float& v : t.data) v = static_cast<float>(rng.normal() * sd);
  return t;
}

}  // namespace

std::unique_ptr<Network> buildMlp(const MlpSpec& s) {
  if (s.inputs < 1 || s.classes < 2) throwInvalidArgument("mlp: needs inputs >= 1 and classes >= 2");
  Rng rng(s.seed);
  auto net = std::make_unique<Network>("input", Shape{s.inputs});
  int v = 0;
  int64_t width = s.inputs;
  for (size_t i = 0; i < s.hidden.size(); ++i) {
    if (s.hidden[i] < 1) throwInvalidArgument("mlp: hidden sizes must be >= 1");
    const std::string name = "fc" + std::to_string(i + 1);
    v = net->add(name, std::make_unique<Linear>(name, heNormal({s.hidden[i], width}, width, rng), Tensor({s.hidden[i]})), {v}, name + "_out");
    const std::string act = (s.gelu ? "gelu" : "relu") + std::to_string(i + 1);
    v = net->add(act, std::make_unique<ActivationOp>(s.gelu ? Activation::Gelu : Activation::Relu), {v}, act + "_out");
    width = s.hidden[i];
  }
  const std::string last = "fc" + std::to_string(s.hidden.size() + 1);
  v = net->add(last, std::make_unique<Linear>(last, heNormal({s.classes, width}, width, rng), Tensor({s.classes})), {v}, "logits");
  net->setOutput(v);
  return net;
}

std::unique_ptr<Network> buildCnn(const CnnSpec& s) {
  if (s.height < 1 || s.width < 1 || s.classes < 2 || s.channels.empty()) throwInvalidArgument("cnn: needs an image size, channels and classes >= 2");
  Rng rng(s.seed);
  auto net = std::make_unique<Network>("input", Shape{s.height * s.width});
  int v = net->add("to_image", std::make_unique<ReshapeOp>(Shape{1, s.height, s.width}), {0}, "image");
  int64_t c = 1, h = s.height, w = s.width;
  for (size_t i = 0; i < s.channels.size(); ++i) {
    const int64_t m = s.channels[i];
    if (m < 1) throwInvalidArgument("cnn: channel counts must be >= 1");
    Window2d win;
    win.padTop = win.padLeft = win.padBottom = win.padRight = 1;
    const std::string conv = "conv" + std::to_string(i + 1);
    v = net->add(conv, std::make_unique<Conv2d>(conv, heNormal({m, c, 3, 3}, c * 9, rng), Tensor({m}), win), {v}, conv + "_out");
    v = net->add("relu" + std::to_string(i + 1), std::make_unique<ActivationOp>(Activation::Relu), {v}, "relu" + std::to_string(i + 1) + "_out");
    Window2d pool;
    pool.kh = pool.kw = pool.sh = pool.sw = 2;
    v = net->add("pool" + std::to_string(i + 1), std::make_unique<PoolOp>(Pool::Max, pool), {v}, "pool" + std::to_string(i + 1) + "_out");
    c = m;
    h /= 2;
    w /= 2;
    if (h < 1 || w < 1) throwInvalidArgument("cnn: too many stages for the image size");
  }
  v = net->add("flatten", std::make_unique<ReshapeOp>(), {v}, "features");
  const int64_t k = c * h * w;
  v = net->add("fc", std::make_unique<Linear>("fc", heNormal({s.classes, k}, k, rng), Tensor({s.classes})), {v}, "logits");
  net->setOutput(v);
  return net;
}

}  // namespace qwasm::train
