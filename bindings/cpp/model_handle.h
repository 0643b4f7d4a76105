// ModelHandle: a loaded model as the bindings hold it (an ONNX executor or a
// safetensors container), shared by model_bindings.cpp and ptq_bindings.cpp.
#pragma once

#include <emscripten/val.h>

#include <cstdint>
#include <cstring>
#include <map>
#include <memory>
#include <string>

#include "graph/executor.h"
#include "guard.h"
#include "io/onnx/onnx_model.h"
#include "io/safetensors/safetensors.h"

namespace qwasm::bindings {

using emscripten::val;
using graph::ElemType;
using graph::Tensor;

namespace detail {

inline val dimsValue(const graph::GraphIO& io) {
  val dims = val::array();
  for (const auto& d : io.dims) {
    if (!d.symbol.empty()) dims.call<void>("push", d.symbol);
    else if (d.value >= 0) dims.call<void>("push", static_cast<double>(d.value));
    else dims.call<void>("push", std::string("?"));
  }
  return dims;
}

inline val ioList(const std::vector<graph::GraphIO>& list) {
  val out = val::array();
  for (const auto& io : list) {
    val v = val::object();
    v.set("name", io.name);
    v.set("shape", io.hasShape ? dimsValue(io) : val::null());
    v.set("dtype", std::string(graph::elemTypeName(io.type)));
    out.call<void>("push", v);
  }
  return out;
}

inline val shapeValue(const graph::Shape& s) {
  val a = val::array();
  for (int64_t d : s) a.call<void>("push", static_cast<double>(d));
  return a;
}

}  // namespace detail
using namespace detail;

// Staged inputs and held outputs of an executor, as the JS run() protocol
// uses them: setFeed() per input (data copied in), run() returns
// [{ name, shape, dtype, ptr, byteLength }] pointing at outputs held until
// release().
class ExecutorSession {
 public:
  void setFeed(const std::string& name, uintptr_t ptr, const val& shapeArr, int elemType) {
    guarded([&] {
      graph::Shape shape;
      const unsigned rank = shapeArr["length"].as<unsigned>();
      for (unsigned i = 0; i < rank; ++i) shape.push_back(static_cast<int64_t>(shapeArr[i].as<double>()));
      Tensor t(static_cast<ElemType>(elemType), shape);
      if (!t.bytes.empty()) std::memcpy(t.bytes.data(), reinterpret_cast<const void*>(ptr), t.bytes.size());
      feeds_[name] = std::move(t);
    });
  }

  val run(const graph::Executor& exec) {
    results_ = exec.run(feeds_);
    feeds_.clear();
    val out = val::array();
    for (const auto& io : exec.outputs()) {
      const Tensor& t = results_.at(io.name);
      val v = val::object();
      v.set("name", io.name);
      v.set("shape", shapeValue(t.shape));
      v.set("dtype", std::string(graph::elemTypeName(t.type)));
      v.set("ptr", static_cast<double>(reinterpret_cast<uintptr_t>(t.bytes.data())));
      v.set("byteLength", static_cast<double>(t.bytes.size()));
      out.call<void>("push", v);
    }
    return out;
  }

  void release() { results_.clear(); feeds_.clear(); }
  std::map<std::string, Tensor> takeFeeds() { return std::move(feeds_); }

 private:
  std::map<std::string, Tensor> feeds_;
  std::map<std::string, Tensor> results_;
};

// A loaded model: an ONNX graph (runnable) or a safetensors tensor container.
class ModelHandle {
 public:
  static ModelHandle* load(uintptr_t ptr, size_t size) {
    return guarded([&]() -> ModelHandle* {
      const auto* data = reinterpret_cast<const uint8_t*>(ptr);
      auto handle = std::make_unique<ModelHandle>();
      if (io::safetensors::looksLikeSafetensors(data, size)) {
        handle->tensors_ = io::safetensors::read(data, size);
        handle->format_ = "safetensors";
      } else {
        handle->exec_ = std::make_unique<graph::Executor>(io::onnx::readModel(data, size));
        handle->format_ = "onnx";
      }
      return handle.release();
    });
  }

  std::string format() const { return format_; }

  val inputs() const { return exec_ ? ioList(exec_->inputs()) : val::array(); }
  val outputs() const { return exec_ ? ioList(exec_->outputs()) : val::array(); }

  val summary() const {
    return guarded([&]() -> val {
      val s = val::object();
      s.set("format", format_);
      if (exec_) {
        const auto& g = exec_->summary();
        val ops = val::object();
        for (const auto& [op, n] : g.opCounts) ops.set(op, n);
        s.set("ops", ops);
        s.set("nodeCount", g.nodeCount);
        s.set("parameterCount", static_cast<double>(g.parameterCount));
        s.set("parameterBytes", static_cast<double>(g.parameterBytes));
        s.set("foldedNodes", g.foldedNodes);
        s.set("foldedBatchNorms", g.foldedBatchNorms);
        s.set("integerLayers", g.integerLayers);
        s.set("opset", static_cast<double>(g.opset));
        s.set("producer", g.producer);
        val nodes = val::array();
        const std::map<std::string, graph::Shape> shapes = exec_->inferShapes();
        for (const auto& n : exec_->plan()) {
          val v = val::object();
          v.set("name", n.name);
          v.set("op", n.opType);
          val ins = val::array();
          for (const auto& in : n.inputs) ins.call<void>("push", in);
          v.set("inputs", ins);
          val outs = val::array();
          for (const auto& o : n.outputs) outs.call<void>("push", o);
          v.set("outputs", outs);
          if (!shapes.empty()) {
            val outShapes = val::array();
            for (const auto& o : n.outputs) {
              auto sh = shapes.find(o);
              outShapes.call<void>("push", sh == shapes.end() ? val::null() : shapeValue(sh->second));
            }
            v.set("outputShapes", outShapes);
          }
          nodes.call<void>("push", v);
        }
        s.set("nodes", nodes);
      } else {
        int64_t count = 0, bytes = 0;
        for (const auto& [name, t] : tensors_.tensors) { count += t.size(); bytes += static_cast<int64_t>(t.bytes.size()); }
        s.set("parameterCount", static_cast<double>(count));
        s.set("parameterBytes", static_cast<double>(bytes));
        s.set("tensorCount", static_cast<double>(tensors_.tensors.size()));
      }
      return s;
    });
  }

  // Constant tensors (ONNX initializers after folding) or safetensors entries:
  // [{ name, shape, dtype, byteLength }].
  val tensorList() const {
    val out = val::array();
    auto add = [&](const std::string& name, const Tensor& t) {
      val v = val::object();
      v.set("name", name);
      v.set("shape", shapeValue(t.shape));
      v.set("dtype", std::string(graph::elemTypeName(t.type)));
      v.set("byteLength", static_cast<double>(t.bytes.size()));
      out.call<void>("push", v);
    };
    if (exec_) for (const auto& [name, t] : exec_->constants()) add(name, t);
    else for (const auto& [name, t] : tensors_.tensors) add(name, t);
    return out;
  }

  // Pointer to a tensor's bytes (valid until the handle is deleted), or 0.
  uintptr_t tensorData(const std::string& name) const {
    const Tensor* t = findTensor(name);
    return t ? reinterpret_cast<uintptr_t>(t->bytes.data()) : 0;
  }

  // Feeds are staged one by one (data copied), then run() executes.
  void clearFeeds() { session_.release(); }
  void setFeed(const std::string& name, uintptr_t ptr, val shapeArr, int elemType) { session_.setFeed(name, ptr, shapeArr, elemType); }
  val run() {
    return guarded([&]() -> val {
      if (!exec_) throwUnsupported("this is a safetensors file: it holds tensors but no graph to run (load an .onnx model to run it)");
      return session_.run(*exec_);
    });
  }
  void releaseOutputs() { session_.release(); }

  const graph::Executor* executor() const { return exec_.get(); }
  // Takes the staged feeds (for calibration samples).
  std::map<std::string, Tensor> takeFeeds() { return session_.takeFeeds(); }

 private:
  const Tensor* findTensor(const std::string& name) const {
    if (exec_) {
      auto it = exec_->constants().find(name);
      return it == exec_->constants().end() ? nullptr : &it->second;
    }
    for (const auto& [n, t] : tensors_.tensors) if (n == name) return &t;
    return nullptr;
  }

  std::string format_;
  std::unique_ptr<graph::Executor> exec_;
  io::safetensors::File tensors_;
  ExecutorSession session_;
};

}  // namespace qwasm::bindings

