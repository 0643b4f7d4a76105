#include <gtest/gtest.h>

#include <cstring>
#include <fstream>
#include <iterator>

#include "common/error.h"
#include "io/onnx/onnx_model.h"
#include "io/protobuf/wire_reader.h"
#include "io/protobuf/wire_writer.h"
#include "io/safetensors/safetensors.h"

namespace qwasm::io {
namespace {

using graph::ElemType;
using graph::Tensor;

onnx::Model tinyModel() {
  onnx::Model m;
  m.opsets[""] = 13;
  m.graph.name = "tiny";
  float w[6] = {1, 2, 3, 4, 5, 6};
  m.graph.initializers.push_back(Tensor::fromFloats({3, 2}, w));
  m.graph.initializerNames.push_back("w");
  onnx::Node n;
  n.name = "mm";
  n.opType = "MatMul";
  n.inputs = {"x", "w"};
  n.outputs = {"y"};
  onnx::Attribute a;
  a.name = "note";
  a.type = onnx::AttrType::Ints;
  a.ints = {-1, 0, 300};
  n.attributes.push_back(a);
  m.graph.nodes.push_back(n);
  onnx::ValueInfo x{"x", ElemType::Float, {{-1, "batch"}, {3, ""}}, true};
  onnx::ValueInfo y{"y", ElemType::Float, {{-1, "batch"}, {2, ""}}, true};
  m.graph.inputs.push_back(x);
  m.graph.outputs.push_back(y);
  return m;
}

TEST(Protobuf, VarintsRoundTripAndTruncationNamesOffset) {
  pb::WireWriter w;
  w.varintField(1, 0);
  w.varintField(2, 300);
  w.int64Field(3, -5);
  w.bytesField(4, "hello");
  std::vector<uint8_t> bytes = w.take();
  pb::WireReader r(bytes.data(), bytes.size());
  uint32_t f;
  pb::WireType t;
  ASSERT_TRUE(r.next(f, t));
  EXPECT_EQ(r.varint(), 0u);
  ASSERT_TRUE(r.next(f, t));
  EXPECT_EQ(r.varint(), 300u);
  ASSERT_TRUE(r.next(f, t));
  EXPECT_EQ(r.int64(), -5);
  ASSERT_TRUE(r.next(f, t));
  EXPECT_EQ(r.string(), "hello");
  EXPECT_FALSE(r.next(f, t));
  pb::WireReader cut(bytes.data(), bytes.size() - 2);
  for (int i = 0; i < 3; ++i) { cut.next(f, t); cut.varint(); }
  cut.next(f, t);
  try {
    cut.bytes();
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::Format);
    EXPECT_NE(std::string(e.what()).find("byte offset"), std::string::npos);
  }
}

TEST(OnnxIO, WriteThenReadRoundTrips) {
  const std::vector<uint8_t> bytes = onnx::writeModel(tinyModel());
  ASSERT_TRUE(onnx::looksLikeOnnx(bytes.data(), bytes.size()));
  onnx::Model m = onnx::readModel(bytes.data(), bytes.size());
  EXPECT_EQ(m.opset(""), 13);
  ASSERT_EQ(m.graph.initializers.size(), 1u);
  EXPECT_EQ(m.graph.initializerNames[0], "w");
  EXPECT_EQ(m.graph.initializers[0].shape, (graph::Shape{3, 2}));
  EXPECT_EQ(m.graph.initializers[0].data<float>()[5], 6.0f);
  ASSERT_EQ(m.graph.nodes.size(), 1u);
  EXPECT_EQ(m.graph.nodes[0].opType, "MatMul");
  EXPECT_EQ(m.graph.nodes[0].attrInts("note"), (std::vector<int64_t>{-1, 0, 300}));
  EXPECT_EQ(m.graph.inputs[0].dims[0].symbol, "batch");
  EXPECT_EQ(m.graph.inputs[0].dims[1].value, 3);
  EXPECT_EQ(onnx::writeModel(m), bytes);  // stable
}

TEST(OnnxIO, EveryTruncationThrowsFormatError) {
  const std::vector<uint8_t> bytes = onnx::writeModel(tinyModel());
  for (size_t cut = 0; cut < bytes.size(); ++cut) {
    try {
      onnx::readModel(bytes.data(), cut);
      // A cut that happens to end on a field boundary may still parse; it must
      // then be a model without its later fields, never garbage.
    } catch (const Error& e) {
      EXPECT_TRUE(e.kind() == ErrorKind::Format) << "cut " << cut << ": " << e.what();
    }
  }
}

TEST(OnnxIO, ReadsExportedFixture) {
  std::ifstream f(std::string(QWASM_TEST_DATA_DIR) + "/models/mlp_gelu.onnx", std::ios::binary);
  ASSERT_TRUE(f.good());
  std::vector<uint8_t> bytes((std::istreambuf_iterator<char>(f)), std::istreambuf_iterator<char>());
  onnx::Model m = onnx::readModel(bytes.data(), bytes.size());
  EXPECT_EQ(m.opset(""), 13);
  EXPECT_EQ(m.producerName, "pytorch");
  EXPECT_EQ(m.graph.inputs[0].name, "input");
  EXPECT_EQ(m.graph.inputs[0].dims[0].symbol, "batch");
}

TEST(Safetensors, RoundTripsEveryDtypeAndRejectsBadOffsets) {
  safetensors::File file;
  file.metadata["format"] = "qwasm";
  for (ElemType t : {ElemType::Float, ElemType::Float16, ElemType::BFloat16, ElemType::Int8, ElemType::UInt8, ElemType::Int32, ElemType::Int64}) {
    Tensor x(t, {2, 3});
    for (size_t i = 0; i < x.bytes.size(); ++i) x.bytes[i] = static_cast<uint8_t>(i * 7 + static_cast<int>(t));
    file.tensors.emplace_back(std::string("t") + graph::elemTypeName(t), x);
  }
  std::vector<uint8_t> bytes = safetensors::write(file);
  EXPECT_EQ((8 + (bytes[0] | bytes[1] << 8)) % 8, 0);  // data section aligned
  safetensors::File back = safetensors::read(bytes.data(), bytes.size());
  ASSERT_EQ(back.tensors.size(), file.tensors.size());
  for (size_t i = 0; i < file.tensors.size(); ++i) {
    EXPECT_EQ(back.tensors[i].first, file.tensors[i].first);
    EXPECT_EQ(back.tensors[i].second.type, file.tensors[i].second.type);
    EXPECT_EQ(back.tensors[i].second.bytes, file.tensors[i].second.bytes);
  }
  EXPECT_EQ(back.metadata.at("format"), "qwasm");
  for (size_t cut = 0; cut + 1 < bytes.size(); cut += 7) {
    EXPECT_THROW(safetensors::read(bytes.data(), cut), Error) << cut;
  }
}

}  // namespace
}  // namespace qwasm::io
