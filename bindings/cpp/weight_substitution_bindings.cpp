// A model with some of its float32 constants replaced, as ONNX bytes of the
// executed graph (after constant and BatchNorm folding, so the names are the
// ones Model.tensors() lists). Lets a caller measure weight formats the QDQ
// export cannot carry (fp8, nf4, int3, ...) by running the model on their
// dequantized values ("fake quantization"); the source model is not changed.
#include <emscripten/bind.h>

#include <cstring>
#include <map>
#include <string>

#include "io/onnx/onnx_model.h"
#include "model_handle.h"

namespace qwasm::bindings {

namespace {

io::onnx::ValueInfo valueInfoOf(const graph::GraphIO& io) {
  io::onnx::ValueInfo vi;
  vi.name = io.name;
  vi.type = io.type;
  vi.dims = io.dims;
  vi.hasShape = io.hasShape;
  return vi;
}

// replacements: [{ name, ptr, length }] with `length` float32 values at `ptr`.
val modelWithConstants(ModelHandle& m, val replacements) {
  return guarded([&]() -> val {
    const graph::Executor* exec = m.executor();
    if (!exec) throwUnsupported("withWeights: a safetensors file has no graph; load an ONNX model");
    std::map<std::string, Tensor> constants = exec->constants();
    for (unsigned i = 0, n = replacements["length"].as<unsigned>(); i < n; ++i) {
      const val r = replacements[i];
      const std::string name = r["name"].as<std::string>();
      const auto length = static_cast<int64_t>(r["length"].as<double>());
      auto it = constants.find(name);
      if (it == constants.end()) throwInvalidArgument("withWeights: the model has no constant tensor named '" + name + "'");
      Tensor& t = it->second;
      if (t.type != ElemType::Float) {
        throwInvalidArgument("withWeights: '" + name + "' is " + graph::elemTypeName(t.type) + "; only float32 tensors can be replaced");
      }
      if (length != t.size()) {
        throwInvalidArgument("withWeights: '" + name + "' has " + std::to_string(t.size()) + " values (shape " + graph::shapeString(t.shape) +
                             "), got " + std::to_string(length));
      }
      std::memcpy(t.bytes.data(), reinterpret_cast<const void*>(static_cast<uintptr_t>(r["ptr"].as<double>())), t.bytes.size());
    }
    io::onnx::Model out;
    const io::onnx::Model& src = exec->model();
    out.irVersion = src.irVersion;
    out.opsets = src.opsets;
    out.producerName = src.producerName;
    out.producerVersion = src.producerVersion;
    out.graph.name = src.graph.name;
    out.graph.nodes = exec->plan();
    for (auto& [name, t] : constants) {
      out.graph.initializerNames.push_back(name);
      out.graph.initializers.push_back(std::move(t));
    }
    for (const auto& io : exec->inputs()) out.graph.inputs.push_back(valueInfoOf(io));
    for (const auto& io : exec->outputs()) out.graph.outputs.push_back(valueInfoOf(io));
    const std::vector<uint8_t> bytes = io::onnx::writeModel(out);
    return val(emscripten::typed_memory_view(bytes.size(), bytes.data())).call<val>("slice");
  });
}

}  // namespace

}  // namespace qwasm::bindings

EMSCRIPTEN_BINDINGS(weight_substitution) {
  emscripten::function("modelWithConstants", &qwasm::bindings::modelWithConstants);
}
