// The subset of ONNX's protobuf schema (onnx.proto3) that qwasm reads and
// writes: model, graph, node, attribute, tensor, value info. Field numbers are
// in onnx_reader.cpp / onnx_writer.cpp next to where they are used.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "graph/tensor.h"

namespace qwasm::io::onnx {

using graph::ElemType;
using graph::Tensor;

enum class AttrType : int32_t {
  Undefined = 0, Float = 1, Int = 2, String = 3, Tensor = 4, Graph = 5,
  Floats = 6, Ints = 7, Strings = 8, Tensors = 9, Graphs = 10,
};

struct Attribute {
  std::string name;
  AttrType type = AttrType::Undefined;
  float f = 0;
  int64_t i = 0;
  std::string s;
  std::optional<graph::Tensor> t;
  std::vector<float> floats;
  std::vector<int64_t> ints;
  std::vector<std::string> strings;
};

struct Node {
  std::string name;
  std::string opType;
  std::string domain;  // "" or "ai.onnx" = default; "com.microsoft" = ORT contrib
  std::vector<std::string> inputs;   // "" = omitted optional input
  std::vector<std::string> outputs;
  std::vector<Attribute> attributes;

  const Attribute* attr(const std::string& attrName) const;
  int64_t attrInt(const std::string& attrName, int64_t fallback) const;
  float attrFloat(const std::string& attrName, float fallback) const;
  std::string attrString(const std::string& attrName, const std::string& fallback) const;
  std::vector<int64_t> attrInts(const std::string& attrName, std::vector<int64_t> fallback = {}) const;
};

// One dimension of a declared input/output: a number, or a symbol ("batch").
struct Dim {
  int64_t value = -1;   // -1 when symbolic or unknown
  std::string symbol;   // dim_param, when given
};

struct ValueInfo {
  std::string name;
  ElemType type = ElemType::Float;
  std::vector<Dim> dims;
  bool hasShape = false;
};

struct Graph {
  std::string name;
  std::vector<Node> nodes;
  std::vector<Tensor> initializers;
  std::vector<std::string> initializerNames;  // parallel to initializers
  std::vector<ValueInfo> inputs;   // may include initializers (older exporters)
  std::vector<ValueInfo> outputs;
  std::vector<ValueInfo> valueInfo;
};

struct Model {
  int64_t irVersion = 8;
  std::map<std::string, int64_t> opsets;  // domain ("" = ai.onnx) -> version
  std::string producerName;
  std::string producerVersion;
  Graph graph;

  int64_t opset(const std::string& domain = "") const;
};

// Parses an ONNX file. Throws Format (naming the byte offset) on corrupt or
// truncated data and Unsupported for external data or unknown element types.
Model readModel(const uint8_t* data, size_t size);

// Serialises a model (tensors always as raw_data).
std::vector<uint8_t> writeModel(const Model& model);

// True when the bytes look like an ONNX ModelProto (first field is a valid
// ir_version/graph key) — used to sniff ONNX vs safetensors.
bool looksLikeOnnx(const uint8_t* data, size_t size);

}  // namespace qwasm::io::onnx
