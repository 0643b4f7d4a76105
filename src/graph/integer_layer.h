// One Conv / Gemm / MatMul of a static QDQ graph running in integers: int8
// weights packed once for the SIMD kernels (kernels/qgemm, kernels/qconv),
// uint8/int8 activations in, and a fused output stage — bias, per-channel
// scales, ReLU, requantization to the next QuantizeLinear's (scale, zero
// point), or float32 where the next op needs floats; dynamic quantization's
// per-run activation quantization runs in front. See integer_fusion.h for
// which subgraphs become one.
#pragma once

#include <cstdint>
#include <vector>

#include "graph/tensor.h"
#include "io/onnx/onnx_model.h"
#include "kernels/qconv/qconv.h"
#include "kernels/qgemm/qgemm.h"

namespace qwasm::graph {

struct IntegerLayerSpec {
  enum class Kind { Conv, Gemm } kind = Kind::Gemm;
  io::onnx::Node conv;  // Conv: the node whose window attributes apply

  // Input activations (uint8 or int8) with their per-tensor quantization;
  // or, with dynamicInput, float32 input quantized on every run to uint8 as
  // ONNX's DynamicQuantizeLinear does (range including 0, scale (hi-lo)/255).
  bool dynamicInput = false;
  ElemType inputType = ElemType::UInt8;
  float inputScale = 1.0f;
  int32_t inputZeroPoint = 0;

  // Int8 symmetric weights: Conv [OC, C/groups, kh, kw], Gemm [N, K] (one
  // output channel per row); one scale, or one per output channel.
  std::vector<int8_t> weights;
  std::vector<int64_t> weightShape;
  std::vector<float> weightScales;
  std::vector<float> bias;  // empty, or one per output channel

  // Output: Float, or UInt8 / Int8 with (outputScale, outputZeroPoint).
  ElemType outputType = ElemType::Float;
  float outputScale = 1.0f;
  int32_t outputZeroPoint = 0;
  bool relu = false;
};

class IntegerLayer {
 public:
  explicit IntegerLayer(IntegerLayerSpec spec);

  // Conv: x [N, C, H, W]; Gemm: x [..., K] -> [..., N].
  Tensor run(const Tensor& x) const;

  const IntegerLayerSpec& spec() const { return spec_; }
  // What the layer stores, for model summaries: weights, scales and bias.
  int64_t parameterCount() const;
  int64_t parameterBytes() const;

 private:
  Tensor runQuantized(const Tensor& x, const kernels::QActivation& act) const;

  IntegerLayerSpec spec_;
  kernels::QPackedWeights packed_;
  kernels::QActivation act_;
  kernels::QOutput out_;
};

}  // namespace qwasm::graph
