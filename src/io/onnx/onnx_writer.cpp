// ONNX protobuf encoding with WireWriter. Field numbers from onnx/onnx.proto3.
#include "io/onnx/onnx_model.h"
#include "io/protobuf/wire_writer.h"

namespace qwasm::io::onnx {

using pb::WireWriter;

namespace {

WireWriter tensorMessage(const Tensor& t, const std::string& name) {
  WireWriter w;
  for (int64_t d : t.shape) w.int64Field(1, d);
  w.varintField(2, static_cast<uint64_t>(t.type));
  w.bytesField(8, name);
  w.bytesField(9, t.bytes.data(), t.bytes.size());
  return w;
}

WireWriter attributeMessage(const Attribute& a) {
  WireWriter w;
  w.bytesField(1, a.name);
  switch (a.type) {
    case AttrType::Float: w.floatField(2, a.f); break;
    case AttrType::Int: w.int64Field(3, a.i); break;
    case AttrType::String: w.bytesField(4, a.s); break;
    case AttrType::Tensor: if (a.t) w.messageField(5, tensorMessage(*a.t, "")); break;
    case AttrType::Floats: for (float f : a.floats) w.floatField(7, f); break;
    case AttrType::Ints: for (int64_t i : a.ints) w.int64Field(8, i); break;
    case AttrType::Strings: for (const auto& s : a.strings) w.bytesField(9, s); break;
    default: break;
  }
  w.varintField(20, static_cast<uint64_t>(a.type));
  return w;
}

WireWriter nodeMessage(const Node& n) {
  WireWriter w;
  for (const auto& in : n.inputs) w.bytesField(1, in);
  for (const auto& out : n.outputs) w.bytesField(2, out);
  if (!n.name.empty()) w.bytesField(3, n.name);
  w.bytesField(4, n.opType);
  for (const auto& a : n.attributes) w.messageField(5, attributeMessage(a));
  if (!n.domain.empty()) w.bytesField(7, n.domain);
  return w;
}

WireWriter valueInfoMessage(const ValueInfo& vi) {
  WireWriter tensorType;
  tensorType.varintField(1, static_cast<uint64_t>(vi.type));
  if (vi.hasShape) {
    WireWriter shape;
    for (const Dim& d : vi.dims) {
      WireWriter dim;
      if (!d.symbol.empty()) dim.bytesField(2, d.symbol);
      else if (d.value >= 0) dim.int64Field(1, d.value);
      shape.messageField(1, dim);
    }
    tensorType.messageField(2, shape);
  }
  WireWriter typeProto;
  typeProto.messageField(1, tensorType);
  WireWriter w;
  w.bytesField(1, vi.name);
  w.messageField(2, typeProto);
  return w;
}

}  // namespace

std::vector<uint8_t> writeModel(const Model& model) {
  WireWriter g;
  for (const Node& n : model.graph.nodes) g.messageField(1, nodeMessage(n));
  g.bytesField(2, model.graph.name.empty() ? "main" : model.graph.name);
  for (size_t i = 0; i < model.graph.initializers.size(); ++i) {
    g.messageField(5, tensorMessage(model.graph.initializers[i], model.graph.initializerNames[i]));
  }
  for (const auto& vi : model.graph.inputs) g.messageField(11, valueInfoMessage(vi));
  for (const auto& vi : model.graph.outputs) g.messageField(12, valueInfoMessage(vi));
  for (const auto& vi : model.graph.valueInfo) g.messageField(13, valueInfoMessage(vi));

  WireWriter m;
  m.int64Field(1, model.irVersion);
  m.bytesField(2, model.producerName.empty() ? "qwasm" : model.producerName);
  if (!model.producerVersion.empty()) m.bytesField(3, model.producerVersion);
  m.messageField(7, g);
  for (const auto& [domain, version] : model.opsets) {
    WireWriter op;
    if (!domain.empty()) op.bytesField(1, domain);
    op.int64Field(2, version);
    m.messageField(8, op);
  }
  return m.take();
}

}  // namespace qwasm::io::onnx
