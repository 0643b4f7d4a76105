#include "graph/integer_layer.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>

#include "common/error.h"
#include "graph/conv_geometry.h"
#include "graph/op_registry.h"
#include "kernels/quantize/quantize_codes.h"
#include "quant/qparams.h"

namespace qwasm::graph {

namespace {

kernels::QType qtypeOf(ElemType t) {
  if (t == ElemType::UInt8) return kernels::QType::U8;
  if (t == ElemType::Int8) return kernels::QType::S8;
  throwInvalidArgument(std::string("integer layer: activations must be uint8 or int8, got ") + elemTypeName(t));
}

}  // namespace

IntegerLayer::IntegerLayer(IntegerLayerSpec spec) : spec_(std::move(spec)) {
  const IntegerLayerSpec& s = spec_;
  const size_t N = static_cast<size_t>(s.weightShape.at(0));
  const size_t K = static_cast<size_t>(shapeSize(s.weightShape)) / std::max<size_t>(N, 1);
  if (!s.bias.empty() && s.bias.size() != N) throwInvalidArgument("integer layer: bias needs one value per output channel");
  if (s.weightScales.size() != 1 && s.weightScales.size() != N) throwInvalidArgument("integer layer: weight scales must be 1 or one per output channel");
  act_.type = s.dynamicInput ? kernels::QType::U8 : qtypeOf(s.inputType);
  act_.scale = s.inputScale;
  act_.zeroPoint = s.inputZeroPoint;
  out_.kind = s.outputType == ElemType::Float ? kernels::QOutput::Kind::F32
              : s.outputType == ElemType::UInt8 ? kernels::QOutput::Kind::U8
                                                : kernels::QOutput::Kind::S8;
  out_.scale = s.outputScale;
  out_.zeroPoint = s.outputZeroPoint;
  if (s.relu) out_.minValue = 0.0f;

  // Float output adds the float bias after scaling; requantized output adds
  // it to the int32 accumulator as round(b / (sa·sw)), as ONNX Runtime's
  // quantizer stores QLinearConv biases.
  std::vector<int32_t> biasI32;
  const bool requantized = s.outputType != ElemType::Float;
  if (requantized && s.dynamicInput) throwInvalidArgument("integer layer: dynamic input quantization has a float output");
  if (requantized && !s.bias.empty()) {
    biasI32.resize(N);
    for (size_t n = 0; n < N; ++n) {
      const double q = std::nearbyint(static_cast<double>(s.bias[n]) /
                                      (static_cast<double>(s.inputScale) * s.weightScales[s.weightScales.size() == 1 ? 0 : n]));
      biasI32[n] = static_cast<int32_t>(std::clamp(q, -2147483648.0, 2147483647.0));
    }
  }
  const int32_t* bI = biasI32.empty() ? nullptr : biasI32.data();
  const float* bF = (!requantized && !s.bias.empty()) ? s.bias.data() : nullptr;
  if (s.kind == IntegerLayerSpec::Kind::Conv) {
    if (s.weightShape.size() != 4) throwInvalidArgument("integer layer: only 2-D convolutions run in integers");
    kernels::QConvShape cs;
    cs.OC = N;
    cs.groups = static_cast<size_t>(s.conv.attrInt("group", 1));
    cs.C = static_cast<size_t>(s.weightShape[1]) * cs.groups;
    cs.kh = static_cast<size_t>(s.weightShape[2]);
    cs.kw = static_cast<size_t>(s.weightShape[3]);
    cs.H = cs.kh;  // packing does not depend on the input size; any valid one
    cs.W = cs.kw;
    packed_ = kernels::packQConvWeights(s.weights.data(), cs, s.weightScales.data(), s.weightScales.size(), bI, bF);
  } else {
    packed_ = kernels::packQWeights(s.weights.data(), N, K, s.weightScales.data(), s.weightScales.size(), bI, bF);
  }
}

int64_t IntegerLayer::parameterCount() const {
  return static_cast<int64_t>(spec_.weights.size() + spec_.weightScales.size() + spec_.bias.size());
}

int64_t IntegerLayer::parameterBytes() const {
  return static_cast<int64_t>(spec_.weights.size() + 4 * (spec_.weightScales.size() + spec_.bias.size()));
}

Tensor IntegerLayer::run(const Tensor& x) const {
  const IntegerLayerSpec& s = spec_;
  if (!s.dynamicInput) return runQuantized(x, act_);
  const std::string where = "integer " + std::string(s.kind == IntegerLayerSpec::Kind::Conv ? "Conv" : "Gemm") + " '" + s.conv.name + "'";
  if (x.type != ElemType::Float) throwInvalidArgument(where + ": input is " + elemTypeName(x.type) + ", expected float");
  const size_t n = static_cast<size_t>(x.size());
  const float* px = x.data<float>();
  const size_t bad = kernels::first_nonfinite(px, n);
  if (bad < n) throwInvalidArgument(where + ": input has " + (std::isnan(px[bad]) ? "NaN" : "Inf") + " at index " + std::to_string(bad));
  float lo = 0.0f, hi = 0.0f;
  if (n) kernels::minmax_f32(px, n, &lo, &hi);
  const QParams p = asymmetricQParams(lo, hi, DType::UInt8);
  Tensor q(ElemType::UInt8, x.shape);
  kernels::quantize_bytes(px, n, p.scale, p.zeroPoint, 0, 255, q.bytes.data());
  kernels::QActivation act = act_;
  act.type = kernels::QType::U8;
  act.scale = p.scale;
  act.zeroPoint = p.zeroPoint;
  return runQuantized(q, act);
}

Tensor IntegerLayer::runQuantized(const Tensor& x, const kernels::QActivation& act) const {
  const IntegerLayerSpec& s = spec_;
  const std::string where = "integer " + std::string(s.kind == IntegerLayerSpec::Kind::Conv ? "Conv" : "Gemm") + " '" + s.conv.name + "'";
  if (x.type != (s.dynamicInput ? ElemType::UInt8 : s.inputType)) throwInvalidArgument(where + ": input is " + elemTypeName(x.type) + ", expected " + elemTypeName(s.inputType));
  const int64_t N = s.weightShape[0];
  if (s.kind == IntegerLayerSpec::Kind::Gemm) {
    const int64_t K = s.weightShape[1];
    if (x.shape.empty() || x.shape.back() != K) throwInvalidArgument(where + ": input " + shapeString(x.shape) + " does not end in K = " + std::to_string(K));
    const int64_t M = x.size() / K;
    Shape outShape = x.shape;
    outShape.back() = N;
    Tensor y(s.outputType, outShape);
    kernels::qgemm(x.bytes.data(), static_cast<size_t>(M), act, packed_, y.bytes.data(), out_);
    return y;
  }
  if (x.shape.size() != 4) throwInvalidArgument(where + ": input must be N x C x H x W, got " + shapeString(x.shape));
  std::vector<Tensor> unused(1);
  OpContext ctx{s.conv, {}, unused, 13};
  const int64_t H = x.shape[2], W = x.shape[3];
  const Window w = convWindow(ctx, H, W, s.weightShape[2], s.weightShape[3], false);
  kernels::QConvShape cs;
  cs.C = static_cast<size_t>(x.shape[1]);
  cs.H = static_cast<size_t>(H);
  cs.W = static_cast<size_t>(W);
  cs.OC = static_cast<size_t>(N);
  cs.kh = static_cast<size_t>(w.kh);
  cs.kw = static_cast<size_t>(w.kw);
  cs.sh = static_cast<size_t>(w.sh);
  cs.sw = static_cast<size_t>(w.sw);
  cs.dh = static_cast<size_t>(w.dh);
  cs.dw = static_cast<size_t>(w.dw);
  cs.padTop = static_cast<size_t>(w.padTop);
  cs.padLeft = static_cast<size_t>(w.padLeft);
  cs.padBottom = static_cast<size_t>(w.padBottom);
  cs.padRight = static_cast<size_t>(w.padRight);
  cs.groups = packed_.groups;
  if (cs.C != static_cast<size_t>(s.weightShape[1]) * cs.groups) {
    throwInvalidArgument(where + ": input has " + std::to_string(cs.C) + " channels, the weights expect " + std::to_string(s.weightShape[1] * static_cast<int64_t>(cs.groups)));
  }
  if (w.oh < 1 || w.ow < 1) throwInvalidArgument(where + ": the window does not fit the input " + shapeString(x.shape));
  kernels::validateQConvShape(cs);
  Tensor y(s.outputType, {x.shape[0], N, w.oh, w.ow});
  kernels::qconv2d(x.bytes.data(), static_cast<size_t>(x.shape[0]), act, packed_, cs, y.bytes.data(), out_);
  return y;
}

}  // namespace qwasm::graph
