#include "graph/broadcast.h"

#include <algorithm>
#include <string>

#include "common/error.h"

namespace qwasm::graph {

Shape broadcastShapes(const Shape& a, const Shape& b, const char* what) {
  const size_t rank = std::max(a.size(), b.size());
  Shape out(rank);
  for (size_t i = 0; i < rank; ++i) {
    const int64_t da = i < rank - a.size() ? 1 : a[i - (rank - a.size())];
    const int64_t db = i < rank - b.size() ? 1 : b[i - (rank - b.size())];
    if (da != db && da != 1 && db != 1) {
      throwInvalidArgument(std::string(what) + ": shapes " + shapeString(a) + " and " + shapeString(b) + " do not broadcast");
    }
    out[i] = da == 1 ? db : da;
  }
  return out;
}

std::vector<int64_t> broadcastIndex(const Shape& in, const Shape& out) {
  const size_t rank = out.size();
  const size_t off = rank - in.size();
  std::vector<int64_t> stride(rank, 0);
  int64_t s = 1;
  for (size_t i = rank; i-- > off;) {
    const int64_t d = in[i - off];
    stride[i] = d == 1 ? 0 : s;
    s *= d;
  }
  const int64_t n = shapeSize(out);
  std::vector<int64_t> idx(static_cast<size_t>(n));
  std::vector<int64_t> pos(rank, 0);
  int64_t cur = 0;
  for (int64_t i = 0; i < n; ++i) {
    idx[static_cast<size_t>(i)] = cur;
    for (size_t d = rank; d-- > 0;) {
      ++pos[d];
      cur += stride[d];
      if (pos[d] < out[d]) break;
      cur -= stride[d] * out[d];
      pos[d] = 0;
    }
  }
  return idx;
}

}  // namespace qwasm::graph
