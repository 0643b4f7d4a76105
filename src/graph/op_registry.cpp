#include "graph/op_registry.h"

#include <map>
#include <mutex>

#include "common/error.h"

namespace qwasm::graph {

namespace {

std::map<std::string, OpFn>& registry() {
  static std::map<std::string, OpFn> ops;
  return ops;
}

void ensureRegistered() {
  static std::once_flag once;
  std::call_once(once, [] {
    registerElementwiseOps();
    registerLinearOps();
    registerConvPoolOps();
    registerShapeOps();
    registerNormalizationOps();
    registerQuantOps();
  });
}

}  // namespace

const Tensor& OpContext::in(size_t i) const {
  if (!has(i)) fail("input " + std::to_string(i) + " is missing");
  return *inputs[i];
}

const Tensor& OpContext::floatIn(size_t i) const {
  const Tensor& t = in(i);
  if (t.type != ElemType::Float) {
    fail("input " + std::to_string(i) + " ('" + node.inputs[i] + "') is " + elemTypeName(t.type) + ", expected float32");
  }
  return t;
}

void OpContext::fail(const std::string& message) const {
  throwInvalidArgument(node.opType + " node '" + node.name + "': " + message);
}

void registerOp(const std::string& opType, OpFn fn) { registry()[opType] = std::move(fn); }

const OpFn* findOp(const std::string& opType) {
  ensureRegistered();
  auto it = registry().find(opType);
  return it == registry().end() ? nullptr : &it->second;
}

std::string supportedOpList() {
  ensureRegistered();
  std::string out;
  for (const auto& [name, fn] : registry()) out += (out.empty() ? "" : ", ") + name;
  return out;
}

}  // namespace qwasm::graph
