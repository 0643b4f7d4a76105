// Conv (2-D NCHW: groups, strides, pads, dilations, auto_pad) on
// kernels::fconv2d, pooling, and BatchNormalization (inference form). 1-D
// convs are handled as 2-D with height 1.
#include <algorithm>
#include <type_traits>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "graph/conv_geometry.h"
#include "kernels/fconv/fconv.h"
#include "kernels/pool/maxpool.h"
#include "graph/op_registry.h"

namespace qwasm::graph {

namespace {

void convOp(OpContext& c) {
  const Tensor& x = c.floatIn(0);
  const Tensor& wt = c.floatIn(1);
  const bool is1d = x.shape.size() == 3;
  if (!(x.shape.size() == 4 || is1d) || wt.shape.size() != x.shape.size()) {
    c.fail("only 1-D and 2-D convolutions are supported, got X " + shapeString(x.shape) + " W " + shapeString(wt.shape));
  }
  const int64_t N = x.shape[0], C = x.shape[1];
  const int64_t H = is1d ? 1 : x.shape[2], W = is1d ? x.shape[2] : x.shape[3];
  const int64_t M = wt.shape[0], Cg = wt.shape[1];
  const int64_t kh = is1d ? 1 : wt.shape[2], kw = is1d ? wt.shape[2] : wt.shape[3];
  const int64_t groups = c.node.attrInt("group", 1);
  if (groups < 1 || C % groups != 0 || M % groups != 0 || Cg != C / groups) {
    c.fail("channels do not match groups: X has " + std::to_string(C) + " channels, W " + shapeString(wt.shape) + ", group=" + std::to_string(groups));
  }
  const Window w = convWindow(c, H, W, kh, kw, is1d);
  Shape outShape = is1d ? Shape{N, M, w.ow} : Shape{N, M, w.oh, w.ow};
  Tensor y(ElemType::Float, outShape);
  const float* bias = nullptr;
  if (c.has(2)) {
    const Tensor& b = c.floatIn(2);
    if (b.size() != M) c.fail("bias has " + std::to_string(b.size()) + " values, expected " + std::to_string(M));
    bias = b.data<float>();
  }
  kernels::QConvShape shape;
  shape.C = static_cast<size_t>(C), shape.H = static_cast<size_t>(H), shape.W = static_cast<size_t>(W);
  shape.OC = static_cast<size_t>(M), shape.kh = static_cast<size_t>(kh), shape.kw = static_cast<size_t>(kw);
  shape.sh = static_cast<size_t>(w.sh), shape.sw = static_cast<size_t>(w.sw), shape.dh = static_cast<size_t>(w.dh), shape.dw = static_cast<size_t>(w.dw);
  shape.padTop = static_cast<size_t>(w.padTop), shape.padLeft = static_cast<size_t>(w.padLeft);
  shape.padBottom = static_cast<size_t>(w.padBottom), shape.padRight = static_cast<size_t>(w.padRight);
  shape.groups = static_cast<size_t>(groups);
  kernels::fconv2d(x.data<float>(), static_cast<size_t>(N), wt.data<float>(), bias, shape, y.data<float>());
  c.outputs[0] = std::move(y);
}

// Average pooling (max pooling runs kernels::maxpool2d, also on the
// uint8/int8 codes of integer-fused QDQ graphs).
void averagePlanes(const float* px, float* py, int64_t planes, int64_t H, int64_t W, const Window& w, bool countPad) {
  for (int64_t nc = 0; nc < planes; ++nc) {
    const float* plane = px + nc * H * W;
    for (int64_t oy = 0; oy < w.oh; ++oy) {
      for (int64_t ox = 0; ox < w.ow; ++ox) {
        float acc = 0.0f;
        int64_t count = 0;
        for (int64_t i = 0; i < w.kh; ++i) {
          const int64_t iy = oy * w.sh - w.padTop + i * w.dh;
          for (int64_t j = 0; j < w.kw; ++j) {
            const int64_t ix = ox * w.sw - w.padLeft + j * w.dw;
            if (iy >= 0 && iy < H && ix >= 0 && ix < W) {
              acc += plane[iy * W + ix];
              ++count;
            } else if (countPad && iy < H + w.padBottom && ix < W + w.padRight) {
              ++count;
            }
          }
        }
        py[(nc * w.oh + oy) * w.ow + ox] = count ? acc / static_cast<float>(count) : 0.0f;
      }
    }
  }
}

void poolOp(OpContext& c, bool isMax) {
  const Tensor& x = isMax && c.has(0) && (c.in(0).type == ElemType::UInt8 || c.in(0).type == ElemType::Int8) ? c.in(0) : c.floatIn(0);
  const bool is1d = x.shape.size() == 3;
  if (!(x.shape.size() == 4 || is1d)) c.fail("only 1-D and 2-D pooling is supported, got " + shapeString(x.shape));
  std::vector<int64_t> ks = c.node.attrInts("kernel_shape");
  if (is1d && ks.size() == 1) ks = {1, ks[0]};
  if (ks.size() != 2) c.fail("kernel_shape must have 2 values");
  const int64_t N = x.shape[0], C = x.shape[1];
  const int64_t H = is1d ? 1 : x.shape[2], W = is1d ? x.shape[2] : x.shape[3];
  const Window w = convWindow(c, H, W, ks[0], ks[1], is1d);
  const bool countPad = c.node.attrInt("count_include_pad", 0) != 0;
  Tensor y(x.type, is1d ? Shape{N, C, w.ow} : Shape{N, C, w.oh, w.ow});
  if (isMax) {
    kernels::PoolWindow pw;
    pw.kh = static_cast<size_t>(w.kh), pw.kw = static_cast<size_t>(w.kw), pw.sh = static_cast<size_t>(w.sh), pw.sw = static_cast<size_t>(w.sw);
    pw.dh = static_cast<size_t>(w.dh), pw.dw = static_cast<size_t>(w.dw), pw.padTop = static_cast<size_t>(w.padTop), pw.padLeft = static_cast<size_t>(w.padLeft);
    pw.oh = static_cast<size_t>(w.oh), pw.ow = static_cast<size_t>(w.ow);
    const size_t planes = static_cast<size_t>(N * C), h = static_cast<size_t>(H), wd = static_cast<size_t>(W);
    switch (x.type) {
      case ElemType::UInt8: kernels::maxpool2d(x.data<uint8_t>(), y.data<uint8_t>(), planes, h, wd, pw); break;
      case ElemType::Int8: kernels::maxpool2d(x.data<int8_t>(), y.data<int8_t>(), planes, h, wd, pw); break;
      default: kernels::maxpool2d(x.data<float>(), y.data<float>(), planes, h, wd, pw); break;
    }
    c.outputs[0] = std::move(y);
    return;
  }
  averagePlanes(x.data<float>(), y.data<float>(), N * C, H, W, w, countPad);
  c.outputs[0] = std::move(y);
}

void globalAveragePool(OpContext& c) {
  const Tensor& x = c.floatIn(0);
  if (x.shape.size() < 3) c.fail("input must be N x C x spatial...");
  const int64_t N = x.shape[0], C = x.shape[1], S = x.size() / std::max<int64_t>(1, N * C);
  Shape out = {N, C};
  for (size_t i = 2; i < x.shape.size(); ++i) out.push_back(1);
  Tensor y(ElemType::Float, out);
  for (int64_t i = 0; i < N * C; ++i) {
    double s = 0;
    for (int64_t k = 0; k < S; ++k) s += x.data<float>()[i * S + k];
    y.data<float>()[i] = static_cast<float>(s / static_cast<double>(S));
  }
  c.outputs[0] = std::move(y);
}

void batchNorm(OpContext& c) {
  const Tensor& x = c.floatIn(0);
  if (x.shape.size() < 2) c.fail("input must have a channel axis");
  const int64_t C = x.shape[1];
  for (size_t i = 1; i <= 4; ++i) {
    if (c.floatIn(i).size() != C) c.fail("parameter " + std::to_string(i) + " must have " + std::to_string(C) + " values");
  }
  const float eps = c.node.attrFloat("epsilon", 1e-5f);
  const float *scale = c.in(1).data<float>(), *bias = c.in(2).data<float>();
  const float *mean = c.in(3).data<float>(), *var = c.in(4).data<float>();
  Tensor y(ElemType::Float, x.shape);
  const int64_t N = x.shape[0], S = x.size() / std::max<int64_t>(1, N * C);
  for (int64_t n = 0; n < N; ++n)
    for (int64_t ch = 0; ch < C; ++ch) {
      const float k = scale[ch] / std::sqrt(var[ch] + eps);
      const float b = bias[ch] - mean[ch] * k;
      const float* src = x.data<float>() + (n * C + ch) * S;
      float* dst = y.data<float>() + (n * C + ch) * S;
      for (int64_t i = 0; i < S; ++i) dst[i] = src[i] * k + b;
    }
  c.outputs[0] = std::move(y);
}

}  // namespace

void registerConvPoolOps() {
  registerOp("Conv", convOp);
  registerOp("MaxPool", [](OpContext& c) {
    if (c.outputs.size() > 1 && !c.node.outputs[1].empty()) c.fail("MaxPool Indices output is not supported");
    poolOp(c, true);
  });
  registerOp("AveragePool", [](OpContext& c) { poolOp(c, false); });
  registerOp("GlobalAveragePool", globalAveragePool);
  registerOp("BatchNormalization", batchNorm);
}

}  // namespace qwasm::graph
