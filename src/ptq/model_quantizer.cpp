#include "ptq/model_quantizer.h"

#include <algorithm>
#include <cmath>
#include <limits>

#include "common/error.h"
#include "ptq/weight_quantizer.h"
#include "quant/qparams.h"

namespace qwasm::ptq {

using graph::ElemType;
using graph::Executor;
using graph::Tensor;
using io::onnx::AttrType;
using io::onnx::Attribute;
using io::onnx::Node;

Mode parseMode(const std::string& name) {
  if (name == "weight-only") return Mode::WeightOnly;
  if (name == "dynamic") return Mode::Dynamic;
  if (name == "static") return Mode::Static;
  throwInvalidArgument("mode: unknown mode '" + name + "' (valid: weight-only, dynamic, static)");
}

const char* modeName(Mode mode) {
  switch (mode) {
    case Mode::WeightOnly: return "weight-only";
    case Mode::Dynamic: return "dynamic";
    default: return "static";
  }
}

double sqnrDb(const float* ref, const float* approx, int64_t n) {
  double signal = 0, noise = 0;
  for (int64_t i = 0; i < n; ++i) {
    signal += static_cast<double>(ref[i]) * ref[i];
    const double d = static_cast<double>(ref[i]) - approx[i];
    noise += d * d;
  }
  if (noise == 0) return std::numeric_limits<double>::infinity();
  if (signal == 0) return -std::numeric_limits<double>::infinity();
  return 10.0 * std::log10(signal / noise);
}

namespace {

Attribute intAttr(const std::string& name, int64_t v) {
  Attribute a;
  a.name = name;
  a.type = AttrType::Int;
  a.i = v;
  return a;
}

// A layer qwasm can quantize: its weight is a constant input.
struct Target {
  size_t step;          // index in the executor's plan
  std::string weight;   // constant input name
  std::string activation;
};

std::vector<Target> findTargets(const Executor& e) {
  std::vector<Target> out;
  const auto& plan = e.plan();
  for (size_t i = 0; i < plan.size(); ++i) {
    const Node& n = plan[i];
    if (n.opType != "Gemm" && n.opType != "MatMul" && n.opType != "Conv") continue;
    if (n.inputs.size() < 2 || !e.constants().count(n.inputs[1]) || e.constants().count(n.inputs[0])) continue;
    const Tensor& w = e.constants().at(n.inputs[1]);
    if (w.type != ElemType::Float) continue;
    if ((n.opType != "Conv" && w.shape.size() != 2) || (n.opType == "Conv" && w.shape.size() < 3)) continue;
    out.push_back({i, n.inputs[1], n.inputs[0]});
  }
  return out;
}

bool isExcluded(const PtqOptions& o, const Node& n, const std::string& weight) {
  if (o.exclude.count(n.name) || o.exclude.count(weight)) return true;
  auto it = o.overrides.find(n.name);
  return it != o.overrides.end() && it->second.skip;
}

DType weightDtypeFor(const PtqOptions& o, const Node& n) {
  auto it = o.overrides.find(n.name);
  if (it != o.overrides.end() && it->second.hasDtype) return it->second.dtype;
  return o.mode == Mode::WeightOnly ? o.weightDtype : DType::Int8;
}

Tensor transposed2d(const Tensor& w) {
  Tensor t(ElemType::Float, {w.shape[1], w.shape[0]});
  for (int64_t r = 0; r < w.shape[0]; ++r)
    for (int64_t c = 0; c < w.shape[1]; ++c) t.data<float>()[c * w.shape[0] + r] = w.data<float>()[r * w.shape[1] + c];
  return t;
}

int64_t constBytes(const std::map<std::string, Tensor>& c) {
  int64_t b = 0;
  for (const auto& [name, t] : c) b += static_cast<int64_t>(t.bytes.size());
  return b;
}

// Builds the QDQ model for the given targets. `ranges` are the calibrated
// activation ranges (static mode).
PtqResult build(const Executor& fp32, const PtqOptions& o, const std::vector<Target>& targets, const std::vector<bool>& enabled,
                const std::map<std::string, std::pair<float, float>>& ranges) {
  PtqResult r;
  const io::onnx::Model& src = fp32.model();
  r.model.opsets = src.opsets;
  r.model.producerName = "qwasm";
  r.model.graph.name = src.graph.name.empty() ? "qwasm_quantized" : src.graph.name;
  for (const auto& io : fp32.inputs()) r.model.graph.inputs.push_back({io.name, io.type, io.dims, io.hasShape});
  for (const auto& io : fp32.outputs()) r.model.graph.outputs.push_back({io.name, io.type, io.dims, io.hasShape});
  std::map<std::string, Tensor> consts = fp32.constants();
  const int64_t before = constBytes(consts);
  int64_t minOpset = 13, minIr = 7;
  std::vector<Node>& nodes = r.model.graph.nodes;
  std::set<std::string> quantizedActs;
  std::map<size_t, size_t> targetAt;
  for (size_t t = 0; t < targets.size(); ++t) targetAt[targets[t].step] = t;

  auto addConst = [&](const std::string& name, Tensor t) { consts[name] = std::move(t); return name; };
  auto scalarF = [](float v) { return Tensor::fromFloats({}, &v); };

  for (size_t i = 0; i < fp32.plan().size(); ++i) {
    Node node = fp32.plan()[i];
    auto found = targetAt.find(i);
    if (found == targetAt.end()) {
      nodes.push_back(std::move(node));
      continue;
    }
    const Target& tg = targets[found->second];
    LayerReport rep;
    rep.node = node.name;
    rep.op = node.opType;
    rep.weight = tg.weight;
    const Tensor& w = fp32.constants().at(tg.weight);
    rep.parameters = w.size();
    rep.bytesBefore = static_cast<int64_t>(w.bytes.size());
    rep.bytesAfter = rep.bytesBefore;
    rep.dtype = "fp32";
    if (!enabled[found->second] || isExcluded(o, node, tg.weight)) {
      rep.note = enabled[found->second] ? "excluded" : "not selected";
      r.layers.push_back(rep);
      nodes.push_back(std::move(node));
      continue;
    }
    const DType wd = weightDtypeFor(o, node);
    const bool isGemm = node.opType == "Gemm", isConv = node.opType == "Conv";
    const bool transB = isGemm && node.attrInt("transB", 0) != 0;
    const bool plainGemm = isGemm && node.attrInt("transA", 0) == 0 && node.attrFloat("alpha", 1.0f) == 1.0f && node.attrFloat("beta", 1.0f) == 1.0f;
    const std::string base = node.name;

    if (o.mode == Mode::Dynamic && !isConv && (node.opType == "MatMul" || plainGemm)) {
      // ORT's dynamic pattern: DynamicQuantizeLinear + MatMulInteger + rescale.
      const Tensor wkn = transB ? transposed2d(w) : w;  // [K, N]
      WeightQuantOptions wo;
      wo.dtype = DType::Int8;
      wo.scheme = Scheme::Symmetric;
      wo.restrictRange = o.restrictRange;
      wo.reduceRange = o.reduceRange;
      wo.channelAxis = 1;
      QuantizedWeight qw = quantizeWeight(wkn, wo);
      rep.weightSqnrDb = sqnrDb(wkn.data<float>(), qw.dequantized.data<float>(), w.size());
      const std::string wq = addConst(base + "/W_q", qw.codes), ws = addConst(base + "/W_scale", qw.scales),
                        wz = addConst(base + "/W_zp", qw.zeroPoints);
      rep.bytesAfter = static_cast<int64_t>(qw.codes.bytes.size() + qw.scales.bytes.size() + qw.zeroPoints.bytes.size());
      const std::string xq = base + "/x_q", xs = base + "/x_scale", xz = base + "/x_zp";
      nodes.push_back({base + "/dynamic_quantize", "DynamicQuantizeLinear", "", {node.inputs[0]}, {xq, xs, xz}, {}});
      nodes.push_back({base + "/matmul_integer", "MatMulInteger", "", {xq, wq, xz, wz}, {base + "/acc"}, {}});
      Attribute to = intAttr("to", static_cast<int64_t>(ElemType::Float));
      nodes.push_back({base + "/cast", "Cast", "", {base + "/acc"}, {base + "/acc_f"}, {to}});
      nodes.push_back({base + "/scale", "Mul", "", {xs, ws}, {base + "/s"}, {}});
      const bool hasBias = isGemm && node.inputs.size() > 2 && !node.inputs[2].empty();
      const std::string scaledOut = hasBias ? base + "/y_nobias" : node.outputs[0];
      nodes.push_back({base + "/rescale", "Mul", "", {base + "/acc_f", base + "/s"}, {scaledOut}, {}});
      if (hasBias) nodes.push_back({base + "/bias", "Add", "", {scaledOut, node.inputs[2]}, {node.outputs[0]}, {}});
      consts.erase(tg.weight);
      rep.quantized = true;
      rep.dtype = "int8";
      r.layers.push_back(rep);
      continue;
    }

    // Weight DequantizeLinear (weight-only, static, and dynamic Conv).
    WeightQuantOptions wo;
    wo.dtype = wd;
    wo.scheme = o.mode == Mode::WeightOnly ? (isSignedDType(wd) ? o.weightScheme : Scheme::Asymmetric) : Scheme::Symmetric;
    wo.restrictRange = o.restrictRange;
    wo.reduceRange = o.reduceRange;
    const int64_t channelAxis = isConv ? 0 : (isGemm && transB ? 0 : 1);  // output channels
    const int64_t reduceAxis = isConv ? 1 : (isGemm && transB ? 1 : 0);   // K
    const WeightGranularity gran = o.mode == Mode::WeightOnly ? o.weightGranularity : WeightGranularity::Channel;
    if (gran == WeightGranularity::Channel) {
      wo.channelAxis = channelAxis;
    } else if (gran == WeightGranularity::Group && !isConv) {
      wo.blockAxis = reduceAxis;
      wo.blockSize = o.groupSize;
    } else if (gran == WeightGranularity::Group) {
      wo.channelAxis = channelAxis;
      rep.note = "conv weights use per-channel scales (groups apply to Gemm/MatMul)";
    }
    QuantizedWeight qw = quantizeWeight(w, wo);
    rep.weightSqnrDb = sqnrDb(w.data<float>(), qw.dequantized.data<float>(), w.size());
    rep.bytesAfter = static_cast<int64_t>(qw.codes.bytes.size() + qw.scales.bytes.size() + qw.zeroPoints.bytes.size());
    if (qw.codes.type == ElemType::Int4 || qw.codes.type == ElemType::UInt4 || qw.blockSize > 0) { minOpset = std::max<int64_t>(minOpset, 21); minIr = std::max<int64_t>(minIr, 10); }
    const std::string wq = addConst(base + "/W_q", qw.codes), ws = addConst(base + "/W_scale", qw.scales),
                      wz = addConst(base + "/W_zp", qw.zeroPoints);
    std::vector<Attribute> dqAttrs;
    if (qw.axis >= 0) dqAttrs.push_back(intAttr("axis", qw.axis));
    if (qw.blockSize > 0) dqAttrs.push_back(intAttr("block_size", qw.blockSize));
    nodes.push_back({base + "/dequantize_W", "DequantizeLinear", "", {wq, ws, wz}, {base + "/W_dq"}, dqAttrs});
    consts.erase(tg.weight);
    node.inputs[1] = base + "/W_dq";

    if (o.mode == Mode::Dynamic) {  // Conv: quantize the input per batch
      const std::string xq = base + "/x_q", xs = base + "/x_scale", xz = base + "/x_zp";
      nodes.push_back({base + "/dynamic_quantize", "DynamicQuantizeLinear", "", {node.inputs[0]}, {xq, xs, xz}, {}});
      nodes.push_back({base + "/dequantize_x", "DequantizeLinear", "", {xq, xs, xz}, {base + "/x_dq"}, {}});
      node.inputs[0] = base + "/x_dq";
    } else if (o.mode == Mode::Static) {
      const std::string& act = tg.activation;
      const std::string dqName = act + "/dq";
      if (!quantizedActs.count(act)) {
        auto rg = ranges.find(act);
        if (rg == ranges.end()) throwInvalidArgument("calibration: no range for activation '" + act + "'");
        const QParams p = qparamsFromRange(rg->second.first, rg->second.second, o.activationDtype, o.activationScheme, false);
        const ElemType at = codeElemType(o.activationDtype);
        Tensor zp(at, {});
        if (at == ElemType::UInt8) zp.data<uint8_t>()[0] = static_cast<uint8_t>(p.zeroPoint);
        else if (at == ElemType::Int8) zp.data<int8_t>()[0] = static_cast<int8_t>(p.zeroPoint);
        else throwUnsupported("activations: static quantization supports uint8 and int8 activations");
        const std::string s = addConst(act + "/scale", scalarF(p.scale)), z = addConst(act + "/zero_point", zp);
        nodes.push_back({act + "/quantize", "QuantizeLinear", "", {act, s, z}, {act + "/q"}, {}});
        nodes.push_back({act + "/dequantize", "DequantizeLinear", "", {act + "/q", s, z}, {dqName}, {}});
        quantizedActs.insert(act);
      }
      node.inputs[0] = dqName;
    }
    rep.quantized = true;
    rep.dtype = dtypeName(wd);
    r.layers.push_back(rep);
    nodes.push_back(std::move(node));
  }
  r.model.opsets[""] = std::max(r.model.opset(""), minOpset);
  r.model.irVersion = std::max<int64_t>(src.irVersion, minIr);
  for (auto& [name, t] : consts) {
    r.model.graph.initializerNames.push_back(name);
    r.model.graph.initializers.push_back(std::move(t));
  }
  r.bytesBefore = before;
  r.bytesAfter = 0;
  for (const auto& t : r.model.graph.initializers) r.bytesAfter += static_cast<int64_t>(t.bytes.size());
  return r;
}

std::map<std::string, std::pair<float, float>> calibrate(const Executor& fp32, const PtqOptions& o, const std::vector<Target>& targets,
                                                         const std::vector<Feeds>& calibration, const Progress& progress) {
  std::set<std::string> acts;
  for (const Target& t : targets)
    if (!o.activationRanges.count(t.activation)) acts.insert(t.activation);
  if (acts.empty()) return o.activationRanges;
  if (calibration.empty()) throwInvalidArgument("calibration: static quantization needs at least one calibration input");
  std::map<std::string, std::vector<float>> values;
  for (size_t b = 0; b < calibration.size(); ++b) {
    auto all = fp32.run(calibration[b], true);
    for (const auto& a : acts) {
      auto it = all.find(a);
      const Tensor* t = it != all.end() ? &it->second : nullptr;
      if (!t) {
        auto in = calibration[b].find(a);
        if (in != calibration[b].end()) t = &in->second;
      }
      if (!t || t->type != ElemType::Float) continue;
      const float* p = t->data<float>();
      for (int64_t i = 0; i < t->size(); ++i) {
        if (!std::isfinite(p[i])) throwInvalidArgument("calibration: input " + std::to_string(b) + " gives a non-finite activation in '" + a + "' at index " + std::to_string(i));
      }
      auto& v = values[a];
      v.insert(v.end(), p, p + t->size());
    }
    if (progress) progress(0.6 * static_cast<double>(b + 1) / static_cast<double>(calibration.size()), "calibrating activations");
  }
  std::map<std::string, std::pair<float, float>> ranges = o.activationRanges;
  calib::RangeOptions ro;
  ro.method = o.activationMethod;
  ro.percentile = o.percentile;
  ro.dtype = o.activationDtype;
  ro.scheme = o.activationScheme;
  ro.restrictRange = false;
  for (auto& [a, v] : values) {
    const calib::Range r = calib::sliceRange(v.data(), v.size(), ro);
    ranges[a] = {r.lo, r.hi};
  }
  return ranges;
}

// Output SQNR of every layer and of the model, on up to 8 calibration inputs.
void evaluate(const Executor& fp32, PtqResult& r, const std::vector<Feeds>& calibration) {
  if (calibration.empty()) return;
  // The model's outputs as users run it (integer layers); per-layer outputs
  // from the same graph run op by op, where every layer's output keeps its
  // name (fusion folds Conv -> Relu -> MaxPool -> Q into one value).
  Executor q(r.model);
  graph::ExecutorOptions asWritten;
  asWritten.integerLayers = false;
  Executor qdq(r.model, asWritten);
  std::map<std::string, std::pair<double, double>> layerSums;  // output name -> (signal, noise)
  double signal = 0, noise = 0;
  const size_t n = std::min<size_t>(calibration.size(), 8);
  std::map<std::string, std::string> outputOf;
  for (const Node& node : fp32.plan()) outputOf[node.name] = node.outputs.empty() ? "" : node.outputs[0];
  for (size_t b = 0; b < n; ++b) {
    auto ref = fp32.run(calibration[b], true);
    auto got = q.run(calibration[b], false);
    auto layerGot = qdq.run(calibration[b], true);
    auto accumulate = [](const Tensor& a, const Tensor& c, double& s, double& e) {
      if (a.type != ElemType::Float || c.type != ElemType::Float || a.size() != c.size()) return;
      for (int64_t i = 0; i < a.size(); ++i) {
        const double x = a.data<float>()[i], d = x - c.data<float>()[i];
        s += x * x;
        e += d * d;
      }
    };
    for (const auto& layer : r.layers) {
      const std::string& out = outputOf[layer.node];
      if (ref.count(out) && layerGot.count(out)) accumulate(ref.at(out), layerGot.at(out), layerSums[out].first, layerSums[out].second);
    }
    for (const auto& io : fp32.outputs()) accumulate(ref.at(io.name), got.at(io.name), signal, noise);
  }
  auto db = [](double s, double e) { return e == 0 ? std::numeric_limits<double>::infinity() : 10.0 * std::log10(s / e); };
  for (auto& layer : r.layers) {
    auto it = layerSums.find(outputOf[layer.node]);
    if (it != layerSums.end()) layer.outputSqnrDb = db(it->second.first, it->second.second);
  }
  r.outputSqnrDb = db(signal, noise);
}

}  // namespace

PtqResult quantizeModel(const Executor& fp32, const PtqOptions& o, const std::vector<Feeds>& calibration, const Progress& progress) {
  if (o.groupSize < 1) throwInvalidArgument("weights.groupSize must be >= 1, got " + std::to_string(o.groupSize));
  const std::vector<Target> targets = findTargets(fp32);
  if (progress) progress(0.0, "finding layers");
  std::map<std::string, std::pair<float, float>> ranges;
  if (o.mode == Mode::Static) ranges = calibrate(fp32, o, targets, calibration, progress);
  if (progress) progress(0.65, "quantizing weights");
  PtqResult r = build(fp32, o, targets, std::vector<bool>(targets.size(), true), ranges);
  r.activationRanges = ranges;
  if (progress) progress(0.75, "measuring error");
  evaluate(fp32, r, calibration);
  if (progress) progress(1.0, "done");
  return r;
}

std::vector<Sensitivity> sensitivity(const Executor& fp32, const PtqOptions& o, const std::vector<Feeds>& calibration, const Progress& progress) {
  if (calibration.empty()) throwInvalidArgument("calibration: sensitivity analysis needs calibration inputs");
  const std::vector<Target> targets = findTargets(fp32);
  std::map<std::string, std::pair<float, float>> ranges;
  if (o.mode == Mode::Static) ranges = calibrate(fp32, o, targets, calibration, {});
  std::vector<Sensitivity> out;
  for (size_t t = 0; t < targets.size(); ++t) {
    std::vector<bool> only(targets.size(), false);
    only[t] = true;
    PtqResult r = build(fp32, o, targets, only, ranges);
    evaluate(fp32, r, calibration);
    out.push_back({fp32.plan()[targets[t].step].name, r.outputSqnrDb});
    if (progress) progress(static_cast<double>(t + 1) / static_cast<double>(targets.size()), "layer " + out.back().node);
  }
  std::sort(out.begin(), out.end(), [](const Sensitivity& a, const Sensitivity& b) { return a.outputSqnrDb < b.outputSqnrDb; });
  return out;
}

}  // namespace qwasm::ptq
