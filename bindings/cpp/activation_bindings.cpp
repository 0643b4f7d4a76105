// Intermediate activations: runs a model on the staged feeds keeping every
// value and hands back copies of the requested ones (activation histograms,
// calibration displays). The model itself is not changed.
#include <emscripten/bind.h>

#include <algorithm>
#include <string>
#include <vector>

#include "model_handle.h"

namespace qwasm::bindings {

namespace {

// A copy of a tensor's bytes as a JS Uint8Array (own buffer, offset 0).
val bytesCopy(const Tensor& t) {
  return val(emscripten::typed_memory_view(t.bytes.size(), t.bytes.data())).call<val>("slice");
}

// { name: { bytes, shape, dtype } } for each requested value name.
val modelActivations(ModelHandle& m, val names) {
  return guarded([&]() -> val {
    const graph::Executor* exec = m.executor();
    if (!exec) throwUnsupported("activations: a safetensors file has no graph to run; load an ONNX model");
    std::vector<std::string> wanted;
    for (unsigned i = 0, n = names["length"].as<unsigned>(); i < n; ++i) wanted.push_back(names[i].as<std::string>());
    if (wanted.empty()) throwInvalidArgument("activations: names must list at least one value name");
    const auto feeds = m.takeFeeds();
    const auto values = exec->run(feeds, /*keepAll=*/true);
    val out = val::object();
    for (const auto& name : wanted) {
      auto it = values.find(name);
      if (it == values.end()) {
        std::string known;
        int listed = 0;
        for (const auto& node : exec->plan()) {
          for (const auto& o : node.outputs) {
            if (o.empty() || listed >= 12) continue;
            known += (listed++ ? ", '" : "'") + o + "'";
          }
        }
        throwInvalidArgument("activations: no value named '" + name + "' in the executed graph (node outputs include " + known + ")");
      }
      const Tensor& t = it->second;
      val v = val::object();
      v.set("bytes", bytesCopy(t));
      v.set("shape", shapeValue(t.shape));
      v.set("dtype", std::string(graph::elemTypeName(t.type)));
      out.set(name, v);
    }
    return out;
  });
}

}  // namespace

}  // namespace qwasm::bindings

EMSCRIPTEN_BINDINGS(activations) {
  emscripten::function("modelActivations", &qwasm::bindings::modelActivations);
}
