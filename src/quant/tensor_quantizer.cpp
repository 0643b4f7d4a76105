#include "quant/tensor_quantizer.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>

#include "common/error.h"
#include "formats/minifloat.h"
#include "formats/nf4.h"
#include "kernels/quantize/quantize_codes.h"

namespace qwasm {

Granularity parseGranularity(const char* name, const char* argName) {
  const std::string n = name;
  if (n == "tensor") return Granularity::Tensor;
  if (n == "channel") return Granularity::Channel;
  if (n == "group") return Granularity::Group;
  throwInvalidArgument(std::string(argName) + ": unknown granularity '" + n + "' (valid: tensor, channel, group)");
}

const char* granularityName(Granularity g) {
  return g == Granularity::Tensor ? "tensor" : g == Granularity::Channel ? "channel" : "group";
}

int64_t QuantizedTensor::size() const {
  int64_t n = 1;
  for (int64_t d : shape) n *= d;
  return n;
}

int64_t QuantizedTensor::byteLength() const {
  const bool anyZp = std::any_of(zeroPoints.begin(), zeroPoints.end(), [](int32_t z) { return z != 0; });
  const bool unitScales = std::all_of(scales.begin(), scales.end(), [](float s) { return s == 1.0f; }) && !isIntegerDType(dtype) && dtype != DType::NF4;
  return static_cast<int64_t>(data.size()) + (unitScales ? 0 : static_cast<int64_t>(scales.size()) * 4) +
         (anyZp ? static_cast<int64_t>(zeroPoints.size()) * 4 : 0);
}

double QuantizedTensor::bitsPerElement() const {
  const int64_t n = size();
  return n ? 8.0 * static_cast<double>(byteLength()) / static_cast<double>(n) : 0.0;
}

namespace {

// Which slice (scale slot) each element belongs to.
struct SliceMap {
  int64_t slots = 1, inner = 1, dim = 1, groups = 1, groupSize = 0, lastDim = 1;
  Granularity g = Granularity::Tensor;

  int64_t operator()(int64_t i) const {
    switch (g) {
      case Granularity::Tensor: return 0;
      case Granularity::Channel: return (i / inner) % dim;
      default: return (i / lastDim) * groups + (i % lastDim) / groupSize;
    }
  }
};

void putBits(std::vector<uint8_t>& buf, int64_t i, int bits, uint32_t code) {
  if (bits == 16) {
    buf[static_cast<size_t>(2 * i)] = static_cast<uint8_t>(code);
    buf[static_cast<size_t>(2 * i + 1)] = static_cast<uint8_t>(code >> 8);
    return;
  }
  if (bits == 8) {
    buf[static_cast<size_t>(i)] = static_cast<uint8_t>(code);
    return;
  }
  const int64_t bit = i * bits;
  for (int b = 0; b < bits; ++b) {
    const int64_t pos = bit + b;
    if ((code >> b) & 1) buf[static_cast<size_t>(pos >> 3)] |= static_cast<uint8_t>(1u << (pos & 7));
  }
}

uint32_t getBits(const std::vector<uint8_t>& buf, int64_t i, int bits) {
  if (bits == 16) return buf[static_cast<size_t>(2 * i)] | (static_cast<uint32_t>(buf[static_cast<size_t>(2 * i + 1)]) << 8);
  if (bits == 8) return buf[static_cast<size_t>(i)];
  uint32_t code = 0;
  const int64_t bit = i * bits;
  for (int b = 0; b < bits; ++b) {
    const int64_t pos = bit + b;
    code |= static_cast<uint32_t>((buf[static_cast<size_t>(pos >> 3)] >> (pos & 7)) & 1) << b;
  }
  return code;
}

float formatMax(DType d) {
  switch (d) {
    case DType::FP16: return formats::kFp16Max;
    case DType::BF16: return 3.3895313892515355e38f;
    case DType::FP8E4M3: return formats::kFp8E4M3Max;
    case DType::FP8E5M2: return formats::kFp8E5M2Max;
    default: return 1.0f;
  }
}

uint32_t encodeFloat(DType d, float v) {
  switch (d) {
    case DType::FP16: return formats::floatToHalf(v);
    case DType::BF16: return formats::floatToBFloat16(v);
    case DType::FP8E4M3: return formats::floatToFp8E4M3(v);
    default: return formats::floatToFp8E5M2(v);
  }
}

float decodeFloat(DType d, uint32_t c) {
  switch (d) {
    case DType::FP16: return formats::halfToFloat(static_cast<uint16_t>(c));
    case DType::BF16: return formats::bfloat16ToFloat(static_cast<uint16_t>(c));
    case DType::FP8E4M3: return formats::fp8E4M3ToFloat(static_cast<uint8_t>(c));
    default: return formats::fp8E5M2ToFloat(static_cast<uint8_t>(c));
  }
}

}  // namespace

// Calls f(start, length, slot) for each maximal run of consecutive elements
// that share one slot.
template <class F>
static void forEachRun(const SliceMap& m, int64_t n, F f) {
  if (n == 0) return;
  if (m.g == Granularity::Tensor) {
    f(0, n, 0);
  } else if (m.g == Granularity::Channel) {
    for (int64_t i = 0; i < n; i += m.inner) f(i, std::min(m.inner, n - i), (i / m.inner) % m.dim);
  } else {
    for (int64_t row = 0; row * m.lastDim < n; ++row)
      for (int64_t g = 0; g < m.groups; ++g) {
        const int64_t k0 = g * m.groupSize, len = std::min(m.groupSize, m.lastDim - k0);
        f(row * m.lastDim + k0, len, row * m.groups + g);
      }
  }
}

static SliceMap makeSlices(const std::vector<int64_t>& shape, Granularity g, int64_t axis, int64_t groupSize) {
  SliceMap m;
  m.g = g;
  const int64_t rank = static_cast<int64_t>(shape.size());
  if (g == Granularity::Channel) {
    m.dim = shape[static_cast<size_t>(axis)];
    for (int64_t d = axis + 1; d < rank; ++d) m.inner *= shape[static_cast<size_t>(d)];
    m.slots = m.dim;
  } else if (g == Granularity::Group) {
    m.lastDim = rank ? shape.back() : 1;
    m.groupSize = groupSize;
    m.groups = (m.lastDim + groupSize - 1) / groupSize;
    int64_t rows = 1;
    for (int64_t d = 0; d + 1 < rank; ++d) rows *= shape[static_cast<size_t>(d)];
    m.slots = rows * m.groups;
  }
  return m;
}

QuantizedTensor quantizeTensor(const float* x, size_t length, const std::vector<int64_t>& shape, const QuantizeOptions& o) {
  int64_t n = 1;
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] < 0) throwInvalidArgument("shape[" + std::to_string(d) + "] is negative (" + std::to_string(shape[d]) + ")");
    n *= shape[d];
  }
  if (static_cast<int64_t>(length) != n) {
    throwInvalidArgument("shape: " + std::to_string(length) + " values do not fill a shape of " + std::to_string(n) + " elements");
  }
  if (o.dtype == DType::FP32) throwInvalidArgument("dtype: 'fp32' is not a quantized format");
  QuantizedTensor q;
  q.dtype = o.dtype;
  q.shape = shape;
  q.scheme = o.scheme;
  q.restrictRange = o.restrictRange;
  Granularity g = o.granularity;
  if (o.dtype == DType::NF4 && g == Granularity::Tensor && o.groupSize > 0) g = Granularity::Group;  // nf4 is blockwise
  q.granularity = g;
  const int64_t rank = static_cast<int64_t>(shape.size());
  if (g == Granularity::Channel) {
    if (rank == 0) throwInvalidArgument("axis: a scalar has no channel axis");
    const int64_t axis = o.axis < 0 ? o.axis + rank : o.axis;
    if (axis < 0 || axis >= rank) throwInvalidArgument("axis " + std::to_string(o.axis) + " is out of range for a tensor of rank " + std::to_string(rank));
    q.axis = axis;
    q.scaleShape = {shape[static_cast<size_t>(axis)]};
  } else if (g == Granularity::Group) {
    if (o.groupSize < 1) throwInvalidArgument("groupSize must be >= 1, got " + std::to_string(o.groupSize));
    q.groupSize = o.groupSize;
    q.axis = rank ? rank - 1 : 0;
  }
  const SliceMap slices = makeSlices(shape, g, q.axis, o.groupSize);
  if (g == Granularity::Group) {
    q.scaleShape.clear();
    for (int64_t d = 0; d + 1 < rank; ++d) q.scaleShape.push_back(shape[static_cast<size_t>(d)]);
    q.scaleShape.push_back(slices.groups);
  } else if (g == Granularity::Tensor) {
    q.scaleShape = {1};
  }
  const DTypeInfo& info = dtypeInfo(o.dtype);
  if (info.isInteger) {
    const size_t bad = kernels::first_nonfinite(x, static_cast<size_t>(n));
    if (bad < static_cast<size_t>(n)) {
      throwInvalidArgument(std::string(std::isnan(x[bad]) ? "NaN" : "Inf") + " at index " + std::to_string(bad) + ": integer formats need finite values");
    }
  }
  const int64_t slots = slices.slots;
  // Gather each slice's values (contiguous copies; channel slices may be strided).
  std::vector<std::vector<float>> slice(static_cast<size_t>(slots));
  const bool gather = o.range.method != calib::RangeMethod::MinMax || o.dtype == DType::Int1 || !info.isInteger;
  if (gather && slots > 1) {
    for (int64_t i = 0; i < n; ++i) slice[static_cast<size_t>(slices(i))].push_back(x[i]);
  }
  // Min-max of integer formats: one pass, no copies.
  std::vector<float> sliceLo, sliceHi;
  if (!gather) {
    sliceLo.assign(static_cast<size_t>(slots), INFINITY);
    sliceHi.assign(static_cast<size_t>(slots), -INFINITY);
    forEachRun(slices, n, [&](int64_t start, int64_t len, int64_t slot) {
      float lo, hi;
      kernels::minmax_f32(x + start, static_cast<size_t>(len), &lo, &hi);
      sliceLo[static_cast<size_t>(slot)] = std::min(sliceLo[static_cast<size_t>(slot)], lo);
      sliceHi[static_cast<size_t>(slot)] = std::max(sliceHi[static_cast<size_t>(slot)], hi);
    });
  }
  q.scales.assign(static_cast<size_t>(slots), 1.0f);
  q.zeroPoints.assign(static_cast<size_t>(slots), 0);
  std::vector<QParams> params(static_cast<size_t>(slots));
  calib::RangeOptions ro = o.range;
  ro.dtype = o.dtype;
  ro.scheme = o.scheme;
  ro.restrictRange = o.restrictRange;
  for (int64_t s = 0; s < slots; ++s) {
    const bool own = gather && slots > 1;
    const float* p = own ? slice[static_cast<size_t>(s)].data() : x;
    const size_t count = own ? slice[static_cast<size_t>(s)].size() : static_cast<size_t>(n);
    QParams qp;
    if (o.dtype == DType::Int1) {
      double sum = 0;
      for (size_t i = 0; i < count; ++i) sum += std::fabs(p[i]);
      qp.scale = count && sum > 0 ? static_cast<float>(sum / static_cast<double>(count)) : 1.0f;  // mean |x|: L2-optimal for sign codes
    } else if (info.isInteger) {
      const calib::Range r = gather ? calib::sliceRange(p, count, ro)
                                    : calib::Range{count ? sliceLo[static_cast<size_t>(s)] : 0.0f, count ? sliceHi[static_cast<size_t>(s)] : 0.0f};
      qp = qparamsFromRange(r.lo, r.hi, o.dtype, o.scheme, o.restrictRange);
    } else if (o.dtype == DType::NF4 || o.scaled) {
      float amax = 0.0f;
      for (size_t i = 0; i < count; ++i) if (std::isfinite(p[i])) amax = std::max(amax, std::fabs(p[i]));
      if (o.range.method != calib::RangeMethod::MinMax && count) {
        const calib::Range r = calib::sliceRange(p, count, ro);
        amax = std::max(std::fabs(r.lo), std::fabs(r.hi));
      }
      qp.scale = amax > 0.0f ? amax / formatMax(o.dtype) : 1.0f;
    }
    params[static_cast<size_t>(s)] = qp;
    q.scales[static_cast<size_t>(s)] = qp.scale;
    q.zeroPoints[static_cast<size_t>(s)] = qp.zeroPoint;
  }
  const int bits = info.bits;
  q.data.assign(static_cast<size_t>((n * bits + 7) / 8), 0);
  const CodeRange range = info.isInteger ? codeRange(o.dtype, o.scheme, o.restrictRange) : CodeRange{0, 0};
  if (info.isInteger && o.dtype != DType::Int1) {
    // Runs of elements sharing one (s, z) go through the SIMD kernel, in
    // cache-sized chunks, then get packed.
    constexpr int64_t kChunk = 4096;
    std::vector<int32_t> codes(static_cast<size_t>(std::min<int64_t>(n, kChunk)));
    const uint32_t mask = (1u << bits) - 1;
    forEachRun(slices, n, [&](int64_t start, int64_t len, int64_t slot) {
      const QParams& p = params[static_cast<size_t>(slot)];
      for (int64_t c = 0; c < len; c += kChunk) {
        const int64_t m = std::min(kChunk, len - c);
        kernels::quantize_codes(x + start + c, static_cast<size_t>(m), p.scale, p.zeroPoint, range.qmin, range.qmax, codes.data());
        if (bits == 8) {
          uint8_t* out = q.data.data() + start + c;
          for (int64_t i = 0; i < m; ++i) out[i] = static_cast<uint8_t>(codes[static_cast<size_t>(i)]);
        } else if (bits == 4) {
          for (int64_t i = 0; i < m; ++i) {
            const int64_t e = start + c + i;
            uint8_t& b = q.data[static_cast<size_t>(e >> 1)];
            const uint8_t nib = static_cast<uint8_t>(codes[static_cast<size_t>(i)] & 15);
            b = (e & 1) ? static_cast<uint8_t>((b & 0x0F) | (nib << 4)) : static_cast<uint8_t>((b & 0xF0) | nib);
          }
        } else {
          for (int64_t i = 0; i < m; ++i) putBits(q.data, start + c + i, bits, static_cast<uint32_t>(codes[static_cast<size_t>(i)]) & mask);
        }
      }
    });
    return q;
  }
  for (int64_t i = 0; i < n; ++i) {
    const QParams& p = params[static_cast<size_t>(slices(i))];
    uint32_t code;
    if (o.dtype == DType::Int1) {
      code = x[i] >= 0.0f ? 1 : 0;
    } else if (info.isInteger) {
      code = static_cast<uint32_t>(quantizeValue(x[i], p, range)) & ((1u << bits) - 1);
    } else if (o.dtype == DType::NF4) {
      code = formats::nearestNf4(x[i] / p.scale);
    } else {
      code = encodeFloat(o.dtype, o.scaled ? x[i] / p.scale : x[i]);
    }
    putBits(q.data, i, bits, code);
  }
  return q;
}

std::vector<int32_t> tensorCodes(const QuantizedTensor& q) {
  const int64_t n = q.size();
  const DTypeInfo& info = dtypeInfo(q.dtype);
  std::vector<int32_t> out(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    uint32_t c = getBits(q.data, i, info.bits);
    int32_t v = static_cast<int32_t>(c);
    if (info.isInteger && info.isSigned && q.dtype != DType::Int1 && (c >> (info.bits - 1)) & 1) v = static_cast<int32_t>(c) - (1 << info.bits);
    out[static_cast<size_t>(i)] = v;
  }
  return out;
}

void dequantizeTensor(const QuantizedTensor& q, float* out) {
  const int64_t n = q.size();
  const SliceMap slices = makeSlices(q.shape, q.granularity, q.axis, q.groupSize > 0 ? q.groupSize : 1);
  const std::vector<int32_t> codes = tensorCodes(q);
  const DTypeInfo& info = dtypeInfo(q.dtype);
  for (int64_t i = 0; i < n; ++i) {
    const int64_t s = slices(i);
    const QParams p{q.scales[static_cast<size_t>(s)], q.zeroPoints[static_cast<size_t>(s)]};
    const int32_t c = codes[static_cast<size_t>(i)];
    if (q.dtype == DType::Int1) out[i] = (c ? 1.0f : -1.0f) * p.scale;
    else if (info.isInteger) out[i] = dequantizeValue(c, p);
    else if (q.dtype == DType::NF4) out[i] = formats::kNf4Levels[c] * p.scale;
    else out[i] = decodeFloat(q.dtype, static_cast<uint32_t>(c)) * p.scale;
  }
}

void fakeQuantizeTensor(const float* x, size_t length, const std::vector<int64_t>& shape, const QuantizeOptions& o, float* out) {
  dequantizeTensor(quantizeTensor(x, length, shape, o), out);
}

}  // namespace qwasm
