#include "io/safetensors/safetensors.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "common/error.h"
#include "io/json/json.h"

namespace qwasm::io::safetensors {

using graph::ElemType;

namespace {

constexpr std::pair<ElemType, const char*> kNames[] = {
    {ElemType::Float, "F32"},  {ElemType::Float16, "F16"}, {ElemType::BFloat16, "BF16"}, {ElemType::Double, "F64"},
    {ElemType::Int8, "I8"},    {ElemType::UInt8, "U8"},    {ElemType::Int16, "I16"},     {ElemType::UInt16, "U16"},
    {ElemType::Int32, "I32"},  {ElemType::UInt32, "U32"},  {ElemType::Int64, "I64"},     {ElemType::UInt64, "U64"},
    {ElemType::Bool, "BOOL"},  {ElemType::Float8E4M3FN, "F8_E4M3"}, {ElemType::Float8E5M2, "F8_E5M2"},
    {ElemType::Int4, "I4"},    {ElemType::UInt4, "U4"},
};

ElemType parseDtype(const std::string& name, const std::string& tensor) {
  for (const auto& [t, n] : kNames) if (name == n) return t;
  throwUnsupported("safetensors: tensor '" + tensor + "' has unsupported dtype '" + name + "'");
}

uint64_t readU64(const uint8_t* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

}  // namespace

const char* dtypeName(ElemType type) {
  for (const auto& [t, n] : kNames) if (t == type) return n;
  throwUnsupported(std::string("safetensors: cannot store ") + graph::elemTypeName(type));
}

bool looksLikeSafetensors(const uint8_t* data, size_t size) {
  if (size < 10) return false;
  const uint64_t n = readU64(data);
  return n >= 2 && n <= size - 8 && data[8] == '{';
}

File read(const uint8_t* data, size_t size) {
  if (size < 8) throwFormat("safetensors: file of " + std::to_string(size) + " bytes is too short for the 8-byte header length (byte offset 0)");
  const uint64_t headerLen = readU64(data);
  if (headerLen > size - 8) {
    throwFormat("safetensors: header length " + std::to_string(headerLen) + " runs past the end of the file (" + std::to_string(size) + " bytes) at byte offset 0");
  }
  const json::Value header = json::parse(std::string_view(reinterpret_cast<const char*>(data + 8), headerLen), 8);
  if (!header.isObject()) throwFormat("safetensors: the header at byte offset 8 is not a JSON object");
  const size_t dataStart = 8 + static_cast<size_t>(headerLen);
  const size_t dataSize = size - dataStart;
  File file;
  for (const auto& [name, entry] : header.object) {
    if (name == "__metadata__") {
      if (!entry.isObject()) throwFormat("safetensors: __metadata__ is not an object");
      for (const auto& [k, v] : entry.object) file.metadata[k] = v.isString() ? v.str : "";
      continue;
    }
    const json::Value* dtype = entry.find("dtype");
    const json::Value* shape = entry.find("shape");
    const json::Value* offsets = entry.find("data_offsets");
    if (!entry.isObject() || !dtype || !dtype->isString() || !shape || !shape->isArray() || !offsets || !offsets->isArray() || offsets->array.size() != 2) {
      throwFormat("safetensors: entry '" + name + "' needs dtype, shape and data_offsets [begin, end]");
    }
    graph::Shape dims;
    for (const auto& d : shape->array) {
      if (!d.isNumber() || d.number < 0 || d.number != std::floor(d.number) || d.number > 1e12) {
        throwFormat("safetensors: tensor '" + name + "' has an invalid dimension");
      }
      dims.push_back(static_cast<int64_t>(d.number));
    }
    const double b = offsets->array[0].number, e = offsets->array[1].number;
    if (!(b >= 0 && e >= b && e <= static_cast<double>(dataSize))) {
      throwFormat("safetensors: tensor '" + name + "' data_offsets [" + std::to_string(static_cast<int64_t>(b)) + ", " +
                  std::to_string(static_cast<int64_t>(e)) + "] lie outside the " + std::to_string(dataSize) +
                  " data bytes (which start at byte offset " + std::to_string(dataStart) + ")");
    }
    graph::Tensor t(parseDtype(dtype->str, name), dims);
    const size_t begin = static_cast<size_t>(b), end = static_cast<size_t>(e);
    if (end - begin != t.bytes.size()) {
      throwFormat("safetensors: tensor '" + name + "' has " + std::to_string(end - begin) + " bytes at byte offset " +
                  std::to_string(dataStart + begin) + ", shape " + graph::shapeString(dims) + " needs " + std::to_string(t.bytes.size()));
    }
    if (!t.bytes.empty()) std::memcpy(t.bytes.data(), data + dataStart + begin, t.bytes.size());
    file.tensors.emplace_back(name, std::move(t));
  }
  return file;
}

std::vector<uint8_t> write(const File& file) {
  std::string header = "{";
  if (!file.metadata.empty()) {
    header += "\"__metadata__\":{";
    bool first = true;
    for (const auto& [k, v] : file.metadata) {
      header += (first ? "" : ",") + json::quote(k) + ":" + json::quote(v);
      first = false;
    }
    header += "}";
  }
  size_t offset = 0;
  for (const auto& [name, t] : file.tensors) {
    if (header.size() > 1) header += ",";
    header += json::quote(name) + ":{\"dtype\":\"" + dtypeName(t.type) + "\",\"shape\":[";
    for (size_t i = 0; i < t.shape.size(); ++i) header += (i ? "," : "") + std::to_string(t.shape[i]);
    header += "],\"data_offsets\":[" + std::to_string(offset) + "," + std::to_string(offset + t.bytes.size()) + "]}";
    offset += t.bytes.size();
  }
  header += "}";
  while ((8 + header.size()) % 8 != 0) header += ' ';  // align the data section
  std::vector<uint8_t> out(8 + header.size() + offset);
  const uint64_t n = header.size();
  for (int i = 0; i < 8; ++i) out[i] = static_cast<uint8_t>(n >> (8 * i));
  std::memcpy(out.data() + 8, header.data(), header.size());
  size_t pos = 8 + header.size();
  for (const auto& [name, t] : file.tensors) {
    if (!t.bytes.empty()) std::memcpy(out.data() + pos, t.bytes.data(), t.bytes.size());
    pos += t.bytes.size();
  }
  return out;
}

}  // namespace qwasm::io::safetensors
