// ONNX protobuf decoding with WireReader. Field numbers from onnx/onnx.proto3.
#include <cstring>
#include <string>

#include "common/error.h"
#include "io/onnx/onnx_model.h"
#include "io/protobuf/wire_reader.h"

namespace qwasm::io::onnx {

using pb::WireReader;
using pb::WireType;

namespace {

// Repeated scalars may arrive packed (one length-delimited field) or not.
template <class ReadOne>
void readRepeated(WireReader& r, WireType type, ReadOne readOne) {
  if (type == WireType::LengthDelimited) {
    WireReader packed = r.message();
    while (!packed.done()) readOne(packed);
  } else {
    readOne(r);
  }
}

void expectType(const WireReader& r, WireType got, WireType want, const char* field) {
  if (got != want) {
    throwFormat(std::string("onnx: field ") + field + " has wire type " + std::to_string(static_cast<int>(got)) +
                " at byte offset " + std::to_string(r.offset()));
  }
}

Tensor readTensor(WireReader r, std::string& name) {
  const size_t start = r.offset();
  std::vector<int64_t> dims;
  int32_t dataType = 0;
  std::string_view raw;
  bool hasRaw = false;
  std::vector<float> floatData;
  std::vector<int64_t> int32Data, int64Data;  // int32_data holds all narrow ints
  std::vector<double> doubleData;
  std::vector<uint64_t> uint64Data;
  bool external = false;
  uint32_t field;
  WireType type;
  while (r.next(field, type)) {
    switch (field) {
      case 1: readRepeated(r, type, [&](WireReader& x) { dims.push_back(x.int64()); }); break;
      case 2: dataType = static_cast<int32_t>(r.varint()); break;
      case 4: readRepeated(r, type, [&](WireReader& x) { floatData.push_back(x.float32()); }); break;
      case 5: readRepeated(r, type, [&](WireReader& x) { int32Data.push_back(static_cast<int32_t>(x.varint())); }); break;
      case 7: readRepeated(r, type, [&](WireReader& x) { int64Data.push_back(x.int64()); }); break;
      case 8: expectType(r, type, WireType::LengthDelimited, "TensorProto.name"); name = r.string(); break;
      case 9: expectType(r, type, WireType::LengthDelimited, "TensorProto.raw_data"); raw = r.bytes(); hasRaw = true; break;
      case 10: readRepeated(r, type, [&](WireReader& x) { doubleData.push_back(x.float64()); }); break;
      case 11: readRepeated(r, type, [&](WireReader& x) { uint64Data.push_back(x.varint()); }); break;
      case 13: r.skip(type); external = true; break;
      case 14: if (r.varint() == 1) external = true; break;
      default: r.skip(type);
    }
  }
  const std::string where = "tensor '" + name + "' at byte offset " + std::to_string(start);
  if (external) {
    throwUnsupported("onnx: " + where + " uses external data; qwasm needs a self-contained .onnx (re-export with all tensors inside the file)");
  }
  if (!graph::isKnownElemType(dataType) || dataType == static_cast<int32_t>(ElemType::String)) {
    throwUnsupported("onnx: " + where + " has unsupported data_type " + std::to_string(dataType));
  }
  for (int64_t d : dims) {
    if (d < 0) throwFormat("onnx: " + where + " has negative dimension " + std::to_string(d));
  }
  Tensor t(static_cast<ElemType>(dataType), dims);  // validates the size
  const size_t n = static_cast<size_t>(t.size());
  const int bits = graph::elemBits(t.type);
  if (hasRaw) {
    if (raw.size() != t.bytes.size()) {
      throwFormat("onnx: " + where + " raw_data holds " + std::to_string(raw.size()) + " bytes, shape " +
                  graph::shapeString(dims) + " needs " + std::to_string(t.bytes.size()));
    }
    if (!raw.empty()) std::memcpy(t.bytes.data(), raw.data(), raw.size());
    return t;
  }
  auto need = [&](size_t have, const char* field) {
    if (have != n && !(have == 0 && n == 0)) {
      throwFormat("onnx: " + where + " has " + std::to_string(have) + " values in " + field + ", shape needs " + std::to_string(n));
    }
  };
  switch (t.type) {
    case ElemType::Float:
      need(floatData.size(), "float_data");
      if (n) std::memcpy(t.bytes.data(), floatData.data(), n * 4);
      break;
    case ElemType::Int64:
      need(int64Data.size(), "int64_data");
      if (n) std::memcpy(t.bytes.data(), int64Data.data(), n * 8);
      break;
    case ElemType::Double:
      need(doubleData.size(), "double_data");
      if (n) std::memcpy(t.bytes.data(), doubleData.data(), n * 8);
      break;
    case ElemType::UInt64: case ElemType::UInt32:
      need(uint64Data.size(), "uint64_data");
      for (size_t i = 0; i < n; ++i) {
        if (t.type == ElemType::UInt64) t.data<uint64_t>()[i] = uint64Data[i];
        else t.data<uint32_t>()[i] = static_cast<uint32_t>(uint64Data[i]);
      }
      break;
    case ElemType::Int4: case ElemType::UInt4:
      // int32_data holds the packed bytes, one per value.
      need(int32Data.size() * 2 - (n % 2), "int32_data");
      for (size_t i = 0; i < t.bytes.size(); ++i) t.bytes[i] = static_cast<uint8_t>(int32Data[i]);
      break;
    default: {
      need(int32Data.size(), "int32_data");
      const size_t width = static_cast<size_t>(bits / 8);
      for (size_t i = 0; i < n; ++i) {
        const int32_t v = static_cast<int32_t>(int32Data[i]);
        std::memcpy(t.bytes.data() + i * width, &v, width);  // little-endian truncation
      }
    }
  }
  return t;
}

Attribute readAttribute(WireReader r) {
  Attribute a;
  uint32_t field;
  WireType type;
  while (r.next(field, type)) {
    switch (field) {
      case 1: a.name = r.string(); break;
      case 2: a.f = r.float32(); break;
      case 3: a.i = r.int64(); break;
      case 4: a.s = r.string(); break;
      case 5: { std::string ignored; a.t = readTensor(r.message(), ignored); break; }
      case 7: readRepeated(r, type, [&](WireReader& x) { a.floats.push_back(x.float32()); }); break;
      case 8: readRepeated(r, type, [&](WireReader& x) { a.ints.push_back(x.int64()); }); break;
      case 9: a.strings.push_back(r.string()); break;
      case 20: a.type = static_cast<AttrType>(r.varint()); break;
      default: r.skip(type);  // subgraphs (If/Loop bodies) are rejected later by op type
    }
  }
  return a;
}

Node readNode(WireReader r) {
  Node n;
  uint32_t field;
  WireType type;
  while (r.next(field, type)) {
    switch (field) {
      case 1: n.inputs.push_back(r.string()); break;
      case 2: n.outputs.push_back(r.string()); break;
      case 3: n.name = r.string(); break;
      case 4: n.opType = r.string(); break;
      case 5: n.attributes.push_back(readAttribute(r.message())); break;
      case 7: n.domain = r.string(); break;
      default: r.skip(type);
    }
  }
  return n;
}

void readShape(WireReader r, ValueInfo& vi) {
  vi.hasShape = true;
  uint32_t field;
  WireType type;
  while (r.next(field, type)) {
    if (field != 1) { r.skip(type); continue; }
    WireReader dim = r.message();
    Dim d;
    uint32_t f2;
    WireType t2;
    while (dim.next(f2, t2)) {
      if (f2 == 1) d.value = dim.int64();
      else if (f2 == 2) d.symbol = dim.string();
      else dim.skip(t2);
    }
    vi.dims.push_back(d);
  }
}

ValueInfo readValueInfo(WireReader r) {
  ValueInfo vi;
  uint32_t field;
  WireType type;
  while (r.next(field, type)) {
    if (field == 1) {
      vi.name = r.string();
    } else if (field == 2) {
      WireReader tp = r.message();
      uint32_t f2;
      WireType t2;
      while (tp.next(f2, t2)) {
        if (f2 != 1) { tp.skip(t2); continue; }  // only tensor types
        WireReader tt = tp.message();
        uint32_t f3;
        WireType t3;
        while (tt.next(f3, t3)) {
          if (f3 == 1) vi.type = static_cast<ElemType>(tt.varint());
          else if (f3 == 2) readShape(tt.message(), vi);
          else tt.skip(t3);
        }
      }
    } else {
      r.skip(type);
    }
  }
  return vi;
}

Graph readGraph(WireReader r) {
  Graph g;
  uint32_t field;
  WireType type;
  while (r.next(field, type)) {
    switch (field) {
      case 1: g.nodes.push_back(readNode(r.message())); break;
      case 2: g.name = r.string(); break;
      case 5: {
        std::string name;
        g.initializers.push_back(readTensor(r.message(), name));
        g.initializerNames.push_back(name);
        break;
      }
      case 11: g.inputs.push_back(readValueInfo(r.message())); break;
      case 12: g.outputs.push_back(readValueInfo(r.message())); break;
      case 13: g.valueInfo.push_back(readValueInfo(r.message())); break;
      case 15: throwUnsupported("onnx: sparse initializers are not supported");
      default: r.skip(type);
    }
  }
  return g;
}

}  // namespace

Model readModel(const uint8_t* data, size_t size) {
  if (size == 0) throwFormat("onnx: the file is empty");
  if (!looksLikeOnnx(data, size)) throwFormat("onnx: not an ONNX model (bad leading bytes at byte offset 0)");
  Model m;
  bool hasGraph = false;
  WireReader r(data, size);
  uint32_t field;
  WireType type;
  while (r.next(field, type)) {
    switch (field) {
      case 1: m.irVersion = r.int64(); break;
      case 2: m.producerName = r.string(); break;
      case 3: m.producerVersion = r.string(); break;
      case 7: m.graph = readGraph(r.message()); hasGraph = true; break;
      case 8: {
        WireReader op = r.message();
        std::string domain;
        int64_t version = 0;
        uint32_t f2;
        WireType t2;
        while (op.next(f2, t2)) {
          if (f2 == 1) domain = op.string();
          else if (f2 == 2) version = op.int64();
          else op.skip(t2);
        }
        if (domain == "ai.onnx") domain = "";
        m.opsets[domain] = version;
        break;
      }
      default: r.skip(type);
    }
  }
  if (!hasGraph) throwFormat("onnx: the model has no graph (truncated file?) — read " + std::to_string(size) + " bytes");
  if (m.graph.nodes.empty() && m.graph.outputs.empty()) throwFormat("onnx: the graph is empty");
  return m;
}

bool looksLikeOnnx(const uint8_t* data, size_t size) {
  if (size < 2) return false;
  // A ModelProto starts with a field key: ir_version (0x08), producer_name
  // (0x12), producer_version (0x1a), domain (0x22), model_version (0x28),
  // doc_string (0x32), graph (0x3a) or opset_import (0x42).
  switch (data[0]) {
    case 0x08: case 0x12: case 0x1a: case 0x22: case 0x28: case 0x32: case 0x3a: case 0x42: return true;
    default: return false;
  }
}

const Attribute* Node::attr(const std::string& attrName) const {
  for (const Attribute& a : attributes) {
    if (a.name == attrName) return &a;
  }
  return nullptr;
}

int64_t Node::attrInt(const std::string& attrName, int64_t fallback) const {
  const Attribute* a = attr(attrName);
  return a ? a->i : fallback;
}

float Node::attrFloat(const std::string& attrName, float fallback) const {
  const Attribute* a = attr(attrName);
  return a ? a->f : fallback;
}

std::string Node::attrString(const std::string& attrName, const std::string& fallback) const {
  const Attribute* a = attr(attrName);
  return a ? a->s : fallback;
}

std::vector<int64_t> Node::attrInts(const std::string& attrName, std::vector<int64_t> fallback) const {
  const Attribute* a = attr(attrName);
  return a ? a->ints : fallback;
}

int64_t Model::opset(const std::string& domain) const {
  auto it = opsets.find(domain);
  return it == opsets.end() ? 0 : it->second;
}

}  // namespace qwasm::io::onnx
