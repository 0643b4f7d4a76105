#include "graph/conv_geometry.h"

#include <algorithm>
#include <string>
#include <vector>

namespace qwasm::graph {

Window convWindow(const OpContext& c, int64_t H, int64_t W, int64_t kh, int64_t kw, bool is1d) {
  auto two = [&](const char* name, int64_t dflt) {
    std::vector<int64_t> v = c.node.attrInts(name);
    if (v.empty()) return std::vector<int64_t>{dflt, dflt};
    if (is1d && v.size() == 1) return std::vector<int64_t>{dflt == 0 ? 0 : 1, v[0]};
    if (v.size() != 2) c.fail(std::string("attribute ") + name + " must have 2 values (2-D only)");
    return v;
  };
  Window w{};
  w.kh = kh;
  w.kw = kw;
  auto s = two("strides", 1), d = two("dilations", 1);
  w.sh = s[0]; w.sw = s[1]; w.dh = d[0]; w.dw = d[1];
  if (w.sh < 1 || w.sw < 1 || w.dh < 1 || w.dw < 1) c.fail("strides and dilations must be >= 1");
  std::vector<int64_t> pads = c.node.attrInts("pads");
  if (is1d && pads.size() == 2) pads = {0, pads[0], 0, pads[1]};
  if (pads.empty()) pads = {0, 0, 0, 0};
  if (pads.size() != 4) c.fail("attribute pads must have 4 values");
  w.padTop = pads[0]; w.padLeft = pads[1]; w.padBottom = pads[2]; w.padRight = pads[3];
  const std::string autoPad = c.node.attrString("auto_pad", "NOTSET");
  const int64_t ekh = (kh - 1) * w.dh + 1, ekw = (kw - 1) * w.dw + 1;
  if (autoPad == "SAME_UPPER" || autoPad == "SAME_LOWER") {
    const int64_t oh = (H + w.sh - 1) / w.sh, ow = (W + w.sw - 1) / w.sw;
    const int64_t ph = std::max<int64_t>(0, (oh - 1) * w.sh + ekh - H), pw = std::max<int64_t>(0, (ow - 1) * w.sw + ekw - W);
    const bool upper = autoPad == "SAME_UPPER";
    w.padTop = upper ? ph / 2 : ph - ph / 2; w.padBottom = ph - w.padTop;
    w.padLeft = upper ? pw / 2 : pw - pw / 2; w.padRight = pw - w.padLeft;
  } else if (autoPad == "VALID") {
    w.padTop = w.padLeft = w.padBottom = w.padRight = 0;
  }
  const bool ceilMode = c.node.attrInt("ceil_mode", 0) != 0;
  auto outDim = [&](int64_t in, int64_t padA, int64_t padB, int64_t ek, int64_t st) {
    const int64_t span = in + padA + padB - ek;
    if (span < 0) c.fail("kernel larger than padded input");
    return (ceilMode ? (span + st - 1) / st : span / st) + 1;
  };
  w.oh = outDim(H, w.padTop, w.padBottom, ekh, w.sh);
  w.ow = outDim(W, w.padLeft, w.padRight, ekw, w.sw);
  return w;
}


}  // namespace qwasm::graph
