// Post-training quantization of a whole model. The result is a standard
// ONNX QDQ graph (what ONNX Runtime's quantizer emits), built from the
// executor's folded graph: the model qwasm runs is exactly the model it
// exports, so export and execution cannot disagree.
//   weight-only: weights -> codes + DequantizeLinear (per-tensor, per-channel
//                or blocked per-group, int8/uint8/int4/uint4)
//   dynamic:     int8 per-channel weights; MatMul/Gemm become ORT's
//                DynamicQuantizeLinear + MatMulInteger pattern, Conv
//                quantizes its input per batch (DynamicQuantizeLinear + DQ)
//   static:      activation ranges calibrated on sample inputs; QuantizeLinear
//                / DequantizeLinear pairs in front of every quantized op
#pragma once

#include <functional>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "calib/range_method.h"
#include "graph/executor.h"
#include "io/onnx/onnx_model.h"
#include "quant/dtype.h"

namespace qwasm::ptq {

enum class Mode { WeightOnly, Dynamic, Static };
enum class WeightGranularity { Tensor, Channel, Group };

Mode parseMode(const std::string& name);
const char* modeName(Mode mode);

struct LayerOverride {
  bool skip = false;          // keep this layer in float32
  bool hasDtype = false;
  DType dtype = DType::Int8;  // a different weight dtype for this layer
};

struct PtqOptions {
  Mode mode = Mode::Static;
  // weights
  DType weightDtype = DType::Int8;
  Scheme weightScheme = Scheme::Symmetric;
  WeightGranularity weightGranularity = WeightGranularity::Channel;
  int64_t groupSize = 32;
  bool restrictRange = true;
  bool reduceRange = false;  // 7-bit weights (see WeightQuantOptions::reduceRange)
  // activations (static)
  DType activationDtype = DType::UInt8;
  Scheme activationScheme = Scheme::Asymmetric;
  calib::RangeMethod activationMethod = calib::RangeMethod::MinMax;
  double percentile = 99.99;
  // Fixed activation ranges [lo, hi] by activation (value) name, used instead
  // of calibrated ones (static mode): the frozen or learned ranges of
  // quantization-aware training, so that the QDQ model reproduces the
  // fake-quantized model. Activations listed here need no calibration data.
  std::map<std::string, std::pair<float, float>> activationRanges;
  // node names or weight names to keep in float32, and per-layer settings
  std::set<std::string> exclude;
  std::map<std::string, LayerOverride> overrides;
};

struct LayerReport {
  std::string node;
  std::string op;
  std::string weight;
  bool quantized = false;
  std::string dtype;          // weight dtype used ("fp32" when kept)
  std::string note;           // why a layer was kept in float32
  double weightSqnrDb = 0;    // weights vs their dequantized codes
  double outputSqnrDb = 0;    // the layer's output vs float32, on the calibration data
  int64_t bytesBefore = 0;    // float32 weight bytes
  int64_t bytesAfter = 0;     // codes + scales + zero-points
  int64_t parameters = 0;
};

struct PtqResult {
  io::onnx::Model model;  // the QDQ model (export with io::onnx::writeModel)
  std::vector<LayerReport> layers;
  int64_t bytesBefore = 0;   // all constants, float32 model
  int64_t bytesAfter = 0;    // all constants, quantized model
  double outputSqnrDb = 0;   // model outputs vs float32 on the calibration data (Infinity if exact)
  std::map<std::string, std::pair<float, float>> activationRanges;  // static mode: calibrated [lo, hi]
};

using Feeds = std::map<std::string, graph::Tensor>;
using Progress = std::function<void(double fraction, const std::string& message)>;

// `calibration`: sample inputs (required for static; used for the report in
// every mode — without them the report has no output SQNR).
PtqResult quantizeModel(const graph::Executor& fp32, const PtqOptions& options, const std::vector<Feeds>& calibration,
                        const Progress& progress = {});

struct Sensitivity {
  std::string node;
  double outputSqnrDb;  // model output SQNR with only this layer quantized
};
// Quantizes one layer at a time; most sensitive (lowest SQNR) first.
std::vector<Sensitivity> sensitivity(const graph::Executor& fp32, const PtqOptions& options, const std::vector<Feeds>& calibration,
                                     const Progress& progress = {});

// SQNR in dB of approx vs reference (Infinity when equal).
double sqnrDb(const float* reference, const float* approx, int64_t n);

}  // namespace qwasm::ptq
