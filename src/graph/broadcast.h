// numpy-style broadcasting for the elementwise ops.
#pragma once

#include <cstdint>
#include <vector>

#include "graph/tensor.h"

namespace qwasm::graph {

// The broadcast shape of a and b; throws InvalidArgument on a mismatch.
Shape broadcastShapes(const Shape& a, const Shape& b, const char* what);

// For each output element (row-major over `out`), the flat index into an
// input of shape `in` broadcast to `out`.
std::vector<int64_t> broadcastIndex(const Shape& in, const Shape& out);

// Calls f(outIndex, aIndex, bIndex) for every element of the broadcast shape;
// fast paths for equal shapes and a scalar operand.
template <class F>
void forEachBroadcast(const Shape& a, const Shape& b, const Shape& out, F f) {
  const int64_t n = shapeSize(out);
  const int64_t na = shapeSize(a), nb = shapeSize(b);
  if (na == n && nb == n) {
    for (int64_t i = 0; i < n; ++i) f(i, i, i);
  } else if (nb == 1 && na == n) {
    for (int64_t i = 0; i < n; ++i) f(i, i, 0);
  } else if (na == 1 && nb == n) {
    for (int64_t i = 0; i < n; ++i) f(i, 0, i);
  } else {
    const std::vector<int64_t> ia = broadcastIndex(a, out), ib = broadcastIndex(b, out);
    for (int64_t i = 0; i < n; ++i) f(i, ia[i], ib[i]);
  }
}

}  // namespace qwasm::graph
