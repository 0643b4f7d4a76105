#include "train/qat.h"

#include <memory>
#include <vector>

#include "common/error.h"
#include "train/conv2d.h"
#include "train/fake_quant_op.h"
#include "train/linear.h"

namespace qwasm::train {

FakeQuantConfig defaultActivationConfig() {
  FakeQuantConfig c;
  c.dtype = DType::UInt8;
  c.scheme = Scheme::Asymmetric;
  c.restrictRange = false;
  c.averaging = 0.01f;
  c.freezeAfter = 200;
  return c;
}

namespace {

// Linear/Conv nodes: (node index, weight param, setter).
struct Layer {
  size_t node;
  int64_t outChannels;
  Linear* linear;
  Conv2d* conv;
};

std::vector<Layer> layers(Network& net, const std::set<std::string>& exclude) {
  std::vector<Layer> out;
  auto& nodes = net.nodes();
  for (size_t i = 0; i < nodes.size(); ++i) {
    if (exclude.count(nodes[i].name)) continue;
    if (auto* l = dynamic_cast<Linear*>(nodes[i].op.get())) out.push_back({i, l->weight().value.shape[0], l, nullptr});
    else if (auto* c = dynamic_cast<Conv2d*>(nodes[i].op.get())) out.push_back({i, c->weight().value.shape[0], nullptr, c});
  }
  return out;
}

}  // namespace

void prepareQat(Network& net, const QatConfig& config) {
  for (const auto& n : net.nodes())
    if (dynamic_cast<FakeQuantOp*>(n.op.get())) throwInvalidArgument("qat: the network already has fake-quant nodes");
  if (config.quantizeWeights) checkFakeQuantDType(config.weights.dtype, "weights.dtype");
  if (config.quantizeActivations) {
    checkFakeQuantDType(config.activations.dtype, "activations.dtype");
    if (config.activations.perChannel) throwInvalidArgument("activations: per-channel activation quantization is not supported");
  }
  for (const Layer& l : layers(net, config.exclude)) {
    if (config.quantizeWeights) {
      const std::string name = net.nodes()[l.node].name + ".weight_range";
      auto q = std::make_unique<FakeQuantizer>(config.weights, config.weights.perChannel ? l.outChannels : 1, name);
      if (l.linear) l.linear->setWeightQuantizer(std::move(q));
      else l.conv->setWeightQuantizer(std::move(q));
    }
  }
  if (!config.quantizeActivations) return;
  // Activations use the full code range, as static PTQ's activation qparams do.
  FakeQuantConfig act = config.activations;
  act.restrictRange = false;
  // One fake-quant per distinct input value (PTQ quantizes each activation once).
  std::set<int> done;
  std::vector<std::string> names;  // collected first: insertions shift node indices
  for (const Layer& l : layers(net, config.exclude)) names.push_back(net.nodes()[l.node].name);
  for (const std::string& layerName : names) {
    // Find the node again: insertions shift indices.
    for (auto& n : net.nodes()) {
      if (n.name != layerName) continue;
      const int v = n.inputs[0];
      if (done.count(v)) break;
      done.insert(v);
      const std::string actName = net.valueName(v);
      const int q = net.insertAfterValue(v, actName + "/fake_quant", std::make_unique<FakeQuantOp>(act, actName), actName + "/fq");
      done.insert(q);
      break;
    }
  }
}

ptq::PtqOptions quantizeOptions(Network& net, const QatConfig& config) {
  ptq::PtqOptions o;
  const FakeQuantConfig& w = config.weights;
  if (!config.quantizeWeights) throwUnsupported("qat: conversion needs quantized weights (weights.dtype)");
  if (w.lsq) throwUnsupported("qat: learned (LSQ) weight ranges are not reproduced by quantizeModel's min/max weight scales; use lsq for activations only");
  if (w.freezeAfter >= 0) throwUnsupported("qat: frozen weight ranges are not reproduced by quantizeModel's min/max weight scales; keep weights.freezeAfter = -1");
  o.weightDtype = w.dtype;
  o.restrictRange = w.restrictRange;
  o.exclude = config.exclude;
  if (!config.quantizeActivations) {
    o.mode = ptq::Mode::WeightOnly;
    o.weightScheme = w.scheme;
    if (!isSignedDType(w.dtype) && w.scheme != Scheme::Asymmetric) throwUnsupported("qat: unsigned weights convert with the asymmetric scheme only");
    o.weightGranularity = w.perChannel ? ptq::WeightGranularity::Channel : ptq::WeightGranularity::Tensor;
    return o;
  }
  o.mode = ptq::Mode::Static;
  if (w.scheme != Scheme::Symmetric || !w.perChannel) throwUnsupported("qat: with quantized activations, weights must be symmetric per-channel (what static quantization uses)");
  const FakeQuantConfig& a = config.activations;
  if (a.dtype != DType::UInt8 && a.dtype != DType::Int8) throwUnsupported("qat: static quantization converts uint8 and int8 activations only");
  o.activationDtype = a.dtype;
  o.activationScheme = a.scheme;
  for (const Layer& l : layers(net, config.exclude)) {
    ptq::LayerOverride ov;
    ov.hasDtype = true;
    ov.dtype = w.dtype;
    o.overrides[net.nodes()[l.node].name] = ov;
  }
  for (auto& n : net.nodes()) {
    auto* fq = dynamic_cast<FakeQuantOp*>(n.op.get());
    if (!fq) continue;
    if (!fq->quantizer().initialized()) throwInvalidArgument("qat: activation '" + fq->activation() + "' was never observed (train first)");
    o.activationRanges[fq->activation()] = {fq->quantizer().lo(0), fq->quantizer().hi(0)};
  }
  return o;
}

}  // namespace qwasm::train
