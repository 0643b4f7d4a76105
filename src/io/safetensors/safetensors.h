// safetensors: an 8-byte little-endian header length, a JSON header
// {"name": {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {...}}
// and the raw little-endian tensor bytes. Reader validates every offset
// against the file; writer emits tensors in the given order, 8-byte aligned.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "graph/tensor.h"

namespace qwasm::io::safetensors {

struct File {
  std::vector<std::pair<std::string, graph::Tensor>> tensors;  // file order
  std::map<std::string, std::string> metadata;
};

// dtype names: F32 F16 BF16 F64 I8 U8 I16 U16 I32 U32 I64 U64 BOOL F8_E4M3 F8_E5M2 (+ I4/U4, qwasm extension)
const char* dtypeName(graph::ElemType type);

File read(const uint8_t* data, size_t size);
std::vector<uint8_t> write(const File& file);
bool looksLikeSafetensors(const uint8_t* data, size_t size);

}  // namespace qwasm::io::safetensors
