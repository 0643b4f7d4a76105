#include "graph/integer_fusion.h"

#include <algorithm>
#include <cmath>
#include <optional>

namespace qwasm::graph {

using io::onnx::Node;

namespace {

struct ScalarQuant {
  float scale = 1.0f;
  int32_t zeroPoint = 0;
  ElemType type = ElemType::UInt8;
};

// (scale, zero-point) of a QuantizeLinear / DequantizeLinear whose parameters
// are per-tensor constants, reading inputs 1 and 2 of `n`.
std::optional<ScalarQuant> scalarParams(const Node& n, const std::map<std::string, Tensor>& constants) {
  if (n.inputs.size() < 2) return std::nullopt;
  auto s = constants.find(n.inputs[1]);
  if (s == constants.end() || s->second.type != ElemType::Float || s->second.size() != 1) return std::nullopt;
  ScalarQuant q;
  q.scale = s->second.data<float>()[0];
  if (!(q.scale > 0.0f) || !std::isfinite(q.scale)) return std::nullopt;
  if (n.inputs.size() > 2 && !n.inputs[2].empty()) {
    auto z = constants.find(n.inputs[2]);
    if (z == constants.end() || z->second.size() != 1) return std::nullopt;
    q.type = z->second.type;
    if (q.type == ElemType::UInt8) q.zeroPoint = z->second.data<uint8_t>()[0];
    else if (q.type == ElemType::Int8) q.zeroPoint = z->second.data<int8_t>()[0];
    else return std::nullopt;
  } else if (n.attr("output_dtype")) {
    return std::nullopt;
  }
  return q;
}

bool isStructural(const Node& n, const std::map<std::string, Tensor>& constants) {
  const bool oneOutput = n.outputs.size() == 1 || std::all_of(n.outputs.begin() + 1, n.outputs.end(), [](const std::string& o) { return o.empty(); });
  if (!oneOutput) return false;
  if (n.opType == "MaxPool" || n.opType == "Flatten" || n.opType == "Identity" || n.opType == "Dropout") return true;
  return n.opType == "Reshape" && n.inputs.size() > 1 && constants.count(n.inputs[1]);
}

std::vector<int8_t> int8Codes(const Tensor& t) {
  const int8_t* p = t.data<int8_t>();
  return std::vector<int8_t>(p, p + t.size());
}

}  // namespace

std::map<std::string, std::shared_ptr<const IntegerLayer>> fuseIntegerLayers(
    std::vector<Node>& plan, std::map<std::string, Tensor>& constants,
    const std::map<std::string, QuantizedConstant>& quantized, const std::set<std::string>& graphOutputs) {
  std::map<std::string, std::shared_ptr<const IntegerLayer>> layers;
  std::map<std::string, size_t> producer;
  std::map<std::string, std::vector<size_t>> readers;
  for (size_t i = 0; i < plan.size(); ++i) {
    for (const auto& o : plan[i].outputs) producer[o] = i;
    for (const auto& in : plan[i].inputs) readers[in].push_back(i);
  }
  std::vector<bool> drop(plan.size(), false);
  auto singleReader = [&](const std::string& v) -> std::optional<size_t> {
    if (graphOutputs.count(v)) return std::nullopt;
    auto r = readers.find(v);
    if (r == readers.end() || r->second.size() != 1) return std::nullopt;
    return r->second[0];
  };

  for (size_t i = 0; i < plan.size(); ++i) {
    const Node& L = plan[i];
    const bool isConv = L.opType == "Conv", isGemm = L.opType == "Gemm", isMatMul = L.opType == "MatMul";
    if (!(isConv || isGemm || isMatMul) || drop[i] || L.inputs.size() < 2 || L.outputs.size() != 1) continue;
    // Input: DequantizeLinear of a per-tensor uint8/int8 activation, maybe
    // through reshapes / max pooling (DequantizeLinear is monotone too).
    std::vector<size_t> inChain;
    std::string v = L.inputs[0];
    for (auto p = producer.find(v); p != producer.end() && !drop[p->second] && isStructural(plan[p->second], constants) &&
                                    !graphOutputs.count(v) && readers[v].size() == 1;
         p = producer.find(v)) {
      inChain.insert(inChain.begin(), p->second);
      v = plan[p->second].inputs[0];
    }
    auto px = producer.find(v);
    if (px == producer.end() || plan[px->second].opType != "DequantizeLinear") continue;
    const Node dqx = plan[px->second];
    std::optional<ScalarQuant> xq = scalarParams(dqx, constants);
    if (constants.count(dqx.inputs[0])) continue;
    std::string fusedInput = dqx.inputs[0];
    const bool dynamic = !xq;
    if (dynamic) {  // dynamic quantization: DequantizeLinear(DynamicQuantizeLinear(x)), read by nothing else
      auto pd = producer.find(dqx.inputs[0]);
      if (pd == producer.end() || !inChain.empty() || dqx.inputs.size() < 3) continue;
      const Node& d = plan[pd->second];
      if (d.opType != "DynamicQuantizeLinear" || d.outputs.size() != 3 || dqx.inputs[1] != d.outputs[1] || dqx.inputs[2] != d.outputs[2]) continue;
      if (!std::all_of(d.outputs.begin(), d.outputs.end(), [&](const std::string& o) { return !graphOutputs.count(o) && readers[o].size() == 1; })) continue;
      fusedInput = d.inputs[0];
      xq = ScalarQuant{};
    }
    // Weight: folded DequantizeLinear of int8 symmetric codes.
    auto qw = quantized.find(L.inputs[1]);
    if (qw == quantized.end()) continue;
    const QuantizedConstant& w = qw->second;
    if (w.codes.type != ElemType::Int8 || w.blockSize != 0 || w.scale.type != ElemType::Float) continue;
    if (w.hasZeroPoint) {
      const int8_t* z = w.zeroPoint.data<int8_t>();
      if (w.zeroPoint.type != ElemType::Int8 || std::any_of(z, z + w.zeroPoint.size(), [](int8_t v) { return v != 0; })) continue;
    }
    IntegerLayerSpec spec;
    spec.conv = L;
    spec.dynamicInput = dynamic;
    spec.inputType = xq->type;
    spec.inputScale = xq->scale;
    spec.inputZeroPoint = xq->zeroPoint;
    const int64_t rank = static_cast<int64_t>(w.codes.shape.size());
    const int64_t scaleAxis = w.axis < 0 ? w.axis + rank : w.axis;
    const int64_t numScales = w.scale.size();
    spec.weightScales.assign(w.scale.data<float>(), w.scale.data<float>() + numScales);
    if (std::any_of(spec.weightScales.begin(), spec.weightScales.end(), [](float s) { return !(s > 0.0f) || !std::isfinite(s); })) continue;
    int64_t N = 0;
    if (isConv) {
      if (rank != 4 || (numScales != 1 && scaleAxis != 0)) continue;
      spec.kind = IntegerLayerSpec::Kind::Conv;
      spec.weights = int8Codes(w.codes);
      spec.weightShape = w.codes.shape;
      N = w.codes.shape[0];
    } else {
      if (rank != 2) continue;
      const bool transB = isGemm && L.attrInt("transB", 0) != 0;
      if (isGemm && (L.attrInt("transA", 0) != 0 || L.attrFloat("alpha", 1.0f) != 1.0f || L.attrFloat("beta", 1.0f) != 1.0f)) continue;
      const int64_t K = transB ? w.codes.shape[1] : w.codes.shape[0];
      N = transB ? w.codes.shape[0] : w.codes.shape[1];
      if (numScales != 1 && scaleAxis != (transB ? 0 : 1)) continue;
      spec.kind = IntegerLayerSpec::Kind::Gemm;
      spec.weightShape = {N, K};
      spec.weights.resize(static_cast<size_t>(N * K));
      const int8_t* c = w.codes.data<int8_t>();
      for (int64_t n = 0; n < N; ++n)
        for (int64_t k = 0; k < K; ++k) spec.weights[static_cast<size_t>(n * K + k)] = transB ? c[n * K + k] : c[k * N + n];
    }
    if (numScales != 1 && numScales != N) continue;
    // Bias: Conv / Gemm input 2, or MatMul followed by Add of a constant [N].
    std::string out = L.outputs[0];
    std::optional<size_t> absorbedAdd;
    const std::string biasName = (isConv || isGemm) && L.inputs.size() > 2 ? L.inputs[2] : "";
    if (!biasName.empty()) {
      auto b = constants.find(biasName);
      if (b == constants.end() || b->second.type != ElemType::Float || b->second.size() != N) continue;
      spec.bias.assign(b->second.data<float>(), b->second.data<float>() + N);
    } else if (isMatMul) {
      if (auto r = singleReader(out); r && plan[*r].opType == "Add" && plan[*r].inputs.size() == 2) {
        const Node& add = plan[*r];
        const std::string& other = add.inputs[0] == out ? add.inputs[1] : add.inputs[0];
        auto b = constants.find(other);
        if (b != constants.end() && b->second.type == ElemType::Float && b->second.size() == N && b->second.shape.size() == 1) {
          spec.bias.assign(b->second.data<float>(), b->second.data<float>() + N);
          absorbedAdd = *r;
          out = add.outputs[0];
        }
      }
    }
    // Output chain: ReLU / structural ops up to a per-tensor QuantizeLinear.
    std::vector<size_t> chain;
    std::optional<size_t> q;
    std::string cur = out;
    while (auto r = singleReader(cur)) {
      const Node& n = plan[*r];
      if (n.inputs.empty() || n.inputs[0] != cur) break;
      if (n.opType == "Relu" || isStructural(n, constants)) {
        chain.push_back(*r);
        cur = n.outputs[0];
        continue;
      }
      if (n.opType == "QuantizeLinear") {
        const std::optional<ScalarQuant> yq = scalarParams(n, constants);
        if (yq) {
          q = *r;
          spec.outputType = yq->type;
          spec.outputScale = yq->scale;
          spec.outputZeroPoint = yq->zeroPoint;
        }
      }
      break;
    }
    if (dynamic && q) {  // dynamic layers have a float output stage
      q.reset();
      spec.outputType = ElemType::Float;
    }
    if (!q) {  // float output: only a ReLU right behind the layer joins it
      chain.resize(!chain.empty() && plan[chain[0]].opType == "Relu" ? 1 : 0);
    }
    // Rewrite. Removed nodes (ReLUs, the Add, Q) hand their output name to
    // whatever produces their input, so readers need no renaming.
    Node fused;
    fused.name = L.name;
    fused.opType = kIntegerLayerOp;
    fused.inputs = {inChain.empty() ? fusedInput : L.inputs[0]};
    if (!inChain.empty()) plan[inChain.front()].inputs[0] = dqx.inputs[0];
    fused.outputs = {out};
    std::string* tail = &fused.outputs[0];  // the value the next removed node would rename
    if (absorbedAdd) drop[*absorbedAdd] = true;
    for (size_t c : chain) {
      Node& n = plan[c];
      if (n.opType == "Relu") {
        spec.relu = true;
        *tail = n.outputs[0];
        drop[c] = true;
      } else {
        tail = &n.outputs[0];
      }
    }
    if (q) {
      *tail = plan[*q].outputs[0];
      drop[*q] = true;
    }
    const std::string key = fused.outputs[0];
    layers[key] = std::make_shared<const IntegerLayer>(std::move(spec));
    plan[i] = std::move(fused);
    // Keep the lookup tables true for later layers: the structural nodes'
    // outputs (possibly renamed) and the fused node's output.
    producer[plan[i].outputs[0]] = i;
    for (size_t c : chain) {
      if (drop[c]) continue;
      producer[plan[c].outputs[0]] = c;
    }
    readers.clear();
    for (size_t k = 0; k < plan.size(); ++k) {
      if (drop[k]) continue;
      for (const auto& in : plan[k].inputs) readers[in].push_back(k);
    }
  }

  // ONNX Runtime's dynamic MatMul pattern (our dynamic export too):
  //   DynamicQuantizeLinear(x) -> MatMulInteger(x_q, W_q, x_zp, 0) -> Cast(float)
  //   -> Mul(·, x_scale · W_scale) [-> Add(bias)] [-> Relu]
  // becomes one layer quantizing x per run in front of the int8 GEMM.
  for (size_t i = 0; i < plan.size(); ++i) {
    const Node& d = plan[i];
    if (drop[i] || d.opType != "DynamicQuantizeLinear" || d.outputs.size() != 3) continue;
    const std::string &xqName = d.outputs[0], &xsName = d.outputs[1], &xzName = d.outputs[2];
    const auto m = singleReader(xqName);
    if (!m || plan[*m].opType != "MatMulInteger") continue;
    const Node& mm = plan[*m];
    if (mm.inputs.size() < 3 || mm.inputs[0] != xqName || mm.inputs[2] != xzName || !singleReader(xzName)) continue;
    auto w = constants.find(mm.inputs[1]);
    if (w == constants.end() || w->second.type != ElemType::Int8 || w->second.shape.size() != 2) continue;
    if (mm.inputs.size() > 3 && !mm.inputs[3].empty()) {
      auto wz = constants.find(mm.inputs[3]);
      if (wz == constants.end() || wz->second.type != ElemType::Int8) continue;
      const int8_t* z = wz->second.data<int8_t>();
      if (std::any_of(z, z + wz->second.size(), [](int8_t v) { return v != 0; })) continue;
    }
    const auto cast = singleReader(mm.outputs[0]);
    if (!cast || plan[*cast].opType != "Cast" || plan[*cast].attrInt("to", 0) != static_cast<int64_t>(ElemType::Float)) continue;
    const auto mul = singleReader(plan[*cast].outputs[0]);
    if (!mul || plan[*mul].opType != "Mul" || plan[*mul].inputs.size() != 2) continue;
    const Node& rescale = plan[*mul];
    const std::string& sName = rescale.inputs[0] == plan[*cast].outputs[0] ? rescale.inputs[1] : rescale.inputs[0];
    auto ps = producer.find(sName);
    const auto xsReader = singleReader(xsName);
    if (ps == producer.end() || !xsReader || *xsReader != ps->second || plan[ps->second].opType != "Mul" || !singleReader(sName)) continue;
    const Node& scaleMul = plan[ps->second];
    const std::string& wsName = scaleMul.inputs[0] == xsName ? scaleMul.inputs[1] : scaleMul.inputs[0];
    auto ws = constants.find(wsName);
    const int64_t K = w->second.shape[0], N = w->second.shape[1];
    if (ws == constants.end() || ws->second.type != ElemType::Float || (ws->second.size() != 1 && ws->second.size() != N)) continue;
    IntegerLayerSpec spec;
    spec.kind = IntegerLayerSpec::Kind::Gemm;
    spec.conv = mm;
    spec.conv.name = rescale.name;
    spec.dynamicInput = true;
    spec.weightShape = {N, K};
    spec.weights.resize(static_cast<size_t>(N * K));
    const int8_t* c = w->second.data<int8_t>();
    for (int64_t n = 0; n < N; ++n)
      for (int64_t k = 0; k < K; ++k) spec.weights[static_cast<size_t>(n * K + k)] = c[k * N + n];
    spec.weightScales.assign(ws->second.data<float>(), ws->second.data<float>() + ws->second.size());
    if (std::any_of(spec.weightScales.begin(), spec.weightScales.end(), [](float v) { return !(v > 0.0f) || !std::isfinite(v); })) continue;
    std::vector<size_t> removed = {*m, *cast, *mul, ps->second};
    std::string out = rescale.outputs[0];
    if (auto a = singleReader(out); a && plan[*a].opType == "Add" && plan[*a].inputs.size() == 2) {
      const std::string& other = plan[*a].inputs[0] == out ? plan[*a].inputs[1] : plan[*a].inputs[0];
      auto b = constants.find(other);
      if (b != constants.end() && b->second.type == ElemType::Float && b->second.size() == N && b->second.shape.size() == 1) {
        spec.bias.assign(b->second.data<float>(), b->second.data<float>() + N);
        removed.push_back(*a);
        out = plan[*a].outputs[0];
      }
    }
    if (auto r = singleReader(out); r && plan[*r].opType == "Relu") {
      spec.relu = true;
      removed.push_back(*r);
      out = plan[*r].outputs[0];
    }
    Node fused;
    fused.name = spec.conv.name;
    fused.opType = kIntegerLayerOp;
    fused.inputs = {d.inputs[0]};
    fused.outputs = {out};
    layers[out] = std::make_shared<const IntegerLayer>(std::move(spec));
    for (size_t k : removed) drop[k] = true;
    // The fused node takes the last removed node's place (its readers come later).
    const size_t at = *std::max_element(removed.begin(), removed.end());
    drop[at] = false;
    plan[at] = std::move(fused);
    drop[i] = true;  // the DynamicQuantizeLinear
    readers.clear();
    for (size_t k = 0; k < plan.size(); ++k) {
      if (drop[k]) continue;
      for (const auto& in : plan[k].inputs) readers[in].push_back(k);
    }
  }

  // Dead-node elimination (the activations' DequantizeLinear), then unread constants.
  for (bool changed = true; changed;) {
    changed = false;
    std::set<std::string> read(graphOutputs.begin(), graphOutputs.end());
    for (size_t k = 0; k < plan.size(); ++k)
      if (!drop[k]) read.insert(plan[k].inputs.begin(), plan[k].inputs.end());
    for (size_t k = 0; k < plan.size(); ++k) {
      if (drop[k]) continue;
      if (std::none_of(plan[k].outputs.begin(), plan[k].outputs.end(), [&](const std::string& o) { return !o.empty() && read.count(o); })) {
        drop[k] = true;
        changed = true;
      }
    }
  }
  std::vector<Node> kept;
  for (size_t k = 0; k < plan.size(); ++k) if (!drop[k]) kept.push_back(std::move(plan[k]));
  plan = std::move(kept);
  std::set<std::string> used(graphOutputs.begin(), graphOutputs.end());
  for (const Node& n : plan) used.insert(n.inputs.begin(), n.inputs.end());
  for (auto it = constants.begin(); it != constants.end();) it = used.count(it->first) ? std::next(it) : constants.erase(it);
  return layers;
}

}  // namespace qwasm::graph
