#include "quant/tensor_quantizer.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <utility>

#include "common/error.h"
#include "formats/minifloat.h"
#include "formats/nf4.h"
#include "kernels/quantize/code_packing.h"
#include "kernels/quantize/float_convert.h"
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

// Which slice (scale slot) each element belongs to, as maximal runs of
// consecutive elements sharing one slot.
struct SliceMap {
  int64_t total = 0, slots = 1, inner = 1, dim = 1, groups = 1, groupSize = 1, lastDim = 1;
  Granularity g = Granularity::Tensor;

  // The slot of element i and the end of its run.
  std::pair<int64_t, int64_t> runAt(int64_t i) const {
    switch (g) {
      case Granularity::Tensor: return {0, total};
      case Granularity::Channel: {
        const int64_t block = i / inner;
        return {block % dim, (block + 1) * inner};
      }
      default: {
        const int64_t row = i / lastDim, k = i - row * lastDim, grp = k / groupSize;
        return {row * groups + grp, row * lastDim + std::min((grp + 1) * groupSize, lastDim)};
      }
    }
  }
};

SliceMap makeSlices(const std::vector<int64_t>& shape, Granularity g, int64_t axis, int64_t groupSize) {
  SliceMap m;
  m.g = g;
  m.total = 1;
  for (int64_t d : shape) m.total *= d;
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

// Calls f(start, length, slot) for each run inside [begin, end).
template <class F>
void forEachRun(const SliceMap& m, int64_t begin, int64_t end, F&& f) {
  for (int64_t i = begin; i < end;) {
    auto [slot, runEnd] = m.runAt(i);
    runEnd = std::min(runEnd, end);
    f(i, runEnd - i, slot);
    i = runEnd;
  }
}

// Elements per chunk of the byte-code scratch buffer (a multiple of 8, so
// every chunk starts on a byte boundary of the packed codes).
constexpr int64_t kChunk = 4096;

float formatMax(DType d) {
  switch (d) {
    case DType::FP16: return formats::kFp16Max;
    case DType::BF16: return 3.3895313892515355e38f;
    case DType::FP8E4M3: return formats::kFp8E4M3Max;
    case DType::FP8E5M2: return formats::kFp8E5M2Max;
    default: return 1.0f;
  }
}

kernels::Fp8Kind fp8Kind(DType d) { return d == DType::FP8E4M3 ? kernels::Fp8Kind::E4M3 : kernels::Fp8Kind::E5M2; }

// Per-slot statistics in one pass over the runs, no copies: min/max
// (integer formats), sum |x| (int1), finite absmax (scaled float formats).
[[gnu::noinline]] void sliceStats(const SliceMap& slices, const float* x, DType dtype, bool scaledFloat, float* lo, float* hi,
                                  double* absSum, int64_t* count) {
  const bool isInteger = isIntegerDType(dtype);
  forEachRun(slices, 0, slices.total, [&](int64_t start, int64_t len, int64_t slot) {
    const float* p = x + start;
    const size_t s = static_cast<size_t>(slot);
    count[s] += len;
    if (dtype == DType::Int1) {
      double sum = 0;
      for (int64_t i = 0; i < len; ++i) sum += std::fabs(p[i]);
      absSum[s] += sum;
    } else if (isInteger) {
      float a, b;
      kernels::minmax_f32(p, static_cast<size_t>(len), &a, &b);
      lo[s] = std::min(lo[s], a);
      hi[s] = std::max(hi[s], b);
    } else if (scaledFloat) {
      float amax = hi[s] < 0.0f ? 0.0f : hi[s];
      for (int64_t i = 0; i < len; ++i) if (std::isfinite(p[i])) amax = std::max(amax, std::fabs(p[i]));
      hi[s] = amax;
    }
  });
}

// (s, z) of every slot from the one-pass statistics (min-max ranges). Kept
// free of objects with destructors: in wasm builds with JS-based exceptions a
// call that may throw from such a frame goes through a JS trampoline, which
// costs more than the whole computation of a 32-element group.
[[gnu::noinline]] void paramsFromStats(const QuantizeOptions& o, size_t slots, float* lo, float* hi, const double* absSum,
                                       const int64_t* count, QParams* params, float* scales, int32_t* zeroPoints) {
  const DTypeInfo& info = dtypeInfo(o.dtype);
  const bool scaledFloat = !info.isInteger && (o.dtype == DType::NF4 || o.scaled);
  if (info.isInteger && o.dtype != DType::Int1) {
    for (size_t s = 0; s < slots; ++s) if (!count[s]) lo[s] = hi[s] = 0.0f;  // empty slice: zero width
    qparamsFromRanges(lo, hi, slots, o.dtype, o.scheme, o.restrictRange, params);
  } else {
    for (size_t s = 0; s < slots; ++s) {
      QParams qp;
      if (o.dtype == DType::Int1) {
        // mean |x|: the scale that minimises the squared error of sign codes.
        qp.scale = count[s] && absSum[s] > 0 ? static_cast<float>(absSum[s] / static_cast<double>(count[s])) : 1.0f;
      } else if (scaledFloat) {
        const float amax = count[s] ? std::max(hi[s], 0.0f) : 0.0f;
        qp.scale = amax > 0.0f ? amax / formatMax(o.dtype) : 1.0f;
        if (!(qp.scale > 0.0f)) qp.scale = 1.0f;  // amax so small the division underflows
      }
      params[s] = qp;
    }
  }
  for (size_t s = 0; s < slots; ++s) {
    scales[s] = params[s].scale;
    zeroPoints[s] = params[s].zeroPoint;
  }
}

// Everything quantize, fake-quantize and dequantize share: the validated
// layout and one (s, z) per slot.
struct Plan {
  QuantizedTensor q;  // without data
  SliceMap slices;
  std::vector<QParams> params;
  CodeRange range{0, 0};
  int64_t n = 0;
};

Plan makePlan(const float* x, size_t length, const std::vector<int64_t>& shape, const QuantizeOptions& o) {
  int64_t n = 1;
  for (size_t d = 0; d < shape.size(); ++d) {
    if (shape[d] < 0) throwInvalidArgument("shape[" + std::to_string(d) + "] is negative (" + std::to_string(shape[d]) + ")");
    n *= shape[d];
  }
  if (static_cast<int64_t>(length) != n) {
    throwInvalidArgument("shape: " + std::to_string(length) + " values do not fill a shape of " + std::to_string(n) + " elements");
  }
  if (o.dtype == DType::FP32) throwInvalidArgument("dtype: 'fp32' is not a quantized format");
  Plan plan;
  plan.n = n;
  QuantizedTensor& q = plan.q;
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
  plan.slices = makeSlices(shape, g, q.axis, g == Granularity::Group ? o.groupSize : 1);
  const SliceMap& slices = plan.slices;
  if (g == Granularity::Group) {
    q.scaleShape.clear();
    for (int64_t d = 0; d + 1 < rank; ++d) q.scaleShape.push_back(shape[static_cast<size_t>(d)]);
    q.scaleShape.push_back(slices.groups);
  } else if (g == Granularity::Tensor) {
    q.scaleShape = {1};
  }
  const DTypeInfo& info = dtypeInfo(o.dtype);
  if (info.isInteger || o.dtype == DType::NF4) {  // nf4's 16 levels have no NaN/Inf either
    const size_t bad = kernels::first_nonfinite(x, static_cast<size_t>(n));
    if (bad < static_cast<size_t>(n)) {
      throwInvalidArgument(std::string(std::isnan(x[bad]) ? "NaN" : "Inf") + " at index " + std::to_string(bad) + ": " + dtypeName(o.dtype) + " needs finite values");
    }
  }
  const size_t slots = static_cast<size_t>(slices.slots);
  const bool scaledFloat = !info.isInteger && (o.dtype == DType::NF4 || o.scaled);
  // Per-slot statistics in one pass over the runs (no copies):
  // min/max (integer min-max), sum |x| (int1), finite absmax (scaled floats).
  std::vector<float> lo(slots, INFINITY), hi(slots, -INFINITY);
  std::vector<double> absSum(slots, 0.0);
  std::vector<int64_t> count(slots, 0);
  const bool custom = o.range.method != calib::RangeMethod::MinMax;
  // Range methods other than min-max see each slice as one contiguous array:
  // strided channel slices and groups are gathered.
  std::vector<std::vector<float>> gathered(custom && slots > 1 && (info.isInteger || scaledFloat) ? slots : 0);
  sliceStats(slices, x, o.dtype, scaledFloat, lo.data(), hi.data(), absSum.data(), count.data());
  if (!gathered.empty()) {
    forEachRun(slices, 0, n, [&](int64_t start, int64_t len, int64_t slot) {
      gathered[static_cast<size_t>(slot)].insert(gathered[static_cast<size_t>(slot)].end(), x + start, x + start + len);
    });
  }
  calib::RangeOptions ro = o.range;
  ro.dtype = o.dtype;
  ro.scheme = o.scheme;
  ro.restrictRange = o.restrictRange;
  auto customRange = [&](size_t s) {
    const float* p = gathered.empty() ? x : gathered[s].data();
    return calib::sliceRange(p, static_cast<size_t>(count[s]), ro);
  };
  plan.params.assign(slots, QParams{});
  q.scales.assign(slots, 1.0f);
  q.zeroPoints.assign(slots, 0);
  if (!custom) {
    paramsFromStats(o, slots, lo.data(), hi.data(), absSum.data(), count.data(), plan.params.data(), q.scales.data(), q.zeroPoints.data());
  } else {
    for (size_t s = 0; s < slots; ++s) {
      QParams qp;
      if (o.dtype == DType::Int1) {
        qp.scale = count[s] && absSum[s] > 0 ? static_cast<float>(absSum[s] / static_cast<double>(count[s])) : 1.0f;
      } else if (info.isInteger) {
        const calib::Range r = count[s] ? customRange(s) : calib::Range{};
        qp = qparamsFromRange(r.lo, r.hi, o.dtype, o.scheme, o.restrictRange);
      } else if (scaledFloat) {
        float amax = count[s] ? std::max(hi[s], 0.0f) : 0.0f;
        if (count[s]) {
          // The clip search needs finite values; floats may carry NaN/Inf.
          if (gathered.empty()) gathered.assign(1, std::vector<float>(x, x + count[s]));
          std::vector<float>& v = gathered.size() == 1 ? gathered[0] : gathered[s];
          v.erase(std::remove_if(v.begin(), v.end(), [](float f) { return !std::isfinite(f); }), v.end());
          if (!v.empty()) {
            const calib::Range r = calib::sliceRange(v.data(), v.size(), ro);
            amax = std::max(std::fabs(r.lo), std::fabs(r.hi));
          }
        }
        qp.scale = amax > 0.0f ? amax / formatMax(o.dtype) : 1.0f;
        if (!(qp.scale > 0.0f)) qp.scale = 1.0f;
      }
      plan.params[s] = qp;
      q.scales[s] = qp.scale;
      q.zeroPoints[s] = qp.zeroPoint;
    }
  }
  plan.range = info.isInteger ? codeRange(o.dtype, o.scheme, o.restrictRange) : CodeRange{0, 0};
  return plan;
}

// Quantizes elements [begin, end) of x into one byte per code.
void byteCodes(const Plan& plan, const float* x, int64_t begin, int64_t end, uint8_t* codes) {
  const DType d = plan.q.dtype;
  forEachRun(plan.slices, begin, end, [&](int64_t start, int64_t len, int64_t slot) {
    const QParams& p = plan.params[static_cast<size_t>(slot)];
    uint8_t* out = codes + (start - begin);
    const float* in = x + start;
    if (d == DType::Int1) {
      for (int64_t i = 0; i < len; ++i) out[i] = in[i] >= 0.0f ? 1 : 0;
    } else if (d == DType::NF4) {
      kernels::quantize_nf4(in, static_cast<size_t>(len), p.scale, out);
    } else {
      kernels::quantize_bytes(in, static_cast<size_t>(len), p.scale, p.zeroPoint, plan.range.qmin, plan.range.qmax, out);
    }
  });
}

void encode(const Plan& plan, const float* x, std::vector<uint8_t>& data) {
  const QuantizedTensor& q = plan.q;
  const int bits = dtypeBits(q.dtype);
  const int64_t n = plan.n;
  data.assign(static_cast<size_t>((n * bits + 7) / 8), 0);
  if (isIntegerDType(q.dtype) || q.dtype == DType::NF4) {
    if (bits == 8) {  // codes go straight to their bytes
      byteCodes(plan, x, 0, n, data.data());
      return;
    }
    std::vector<uint8_t> codes(static_cast<size_t>(std::min(n, kChunk)));
    for (int64_t c0 = 0; c0 < n; c0 += kChunk) {
      const int64_t c1 = std::min(n, c0 + kChunk);
      byteCodes(plan, x, c0, c1, codes.data());
      kernels::pack_codes(codes.data(), static_cast<size_t>(c1 - c0), bits, data.data() + c0 * bits / 8);
    }
    return;
  }
  forEachRun(plan.slices, 0, n, [&](int64_t start, int64_t len, int64_t slot) {
    const float divisor = plan.params[static_cast<size_t>(slot)].scale;
    const size_t m = static_cast<size_t>(len);
    switch (q.dtype) {
      case DType::FP16: kernels::f32_to_f16(x + start, m, divisor, data.data() + 2 * start); break;
      case DType::BF16: kernels::f32_to_bf16(x + start, m, divisor, data.data() + 2 * start); break;
      default: kernels::f32_to_fp8(x + start, m, fp8Kind(q.dtype), divisor, data.data() + start); break;
    }
  });
}

SliceMap slicesOf(const QuantizedTensor& q) {
  return makeSlices(q.shape, q.granularity, q.axis, q.granularity == Granularity::Group ? std::max<int64_t>(q.groupSize, 1) : 1);
}

// Byte codes of elements [begin, end) (begin a multiple of 8), sign-extended
// for signed integer types.
void unpackRange(const QuantizedTensor& q, int64_t begin, int64_t end, uint8_t* codes) {
  const int bits = dtypeBits(q.dtype);
  const bool signExtend = isIntegerDType(q.dtype) && isSignedDType(q.dtype) && q.dtype != DType::Int1;
  kernels::unpack_codes(q.data.data() + begin * bits / 8, static_cast<size_t>(end - begin), bits, signExtend, codes);
}

}  // namespace

QuantizedTensor quantizeTensor(const float* x, size_t length, const std::vector<int64_t>& shape, const QuantizeOptions& o) {
  Plan plan = makePlan(x, length, shape, o);
  encode(plan, x, plan.q.data);
  return std::move(plan.q);
}

std::vector<int32_t> tensorCodes(const QuantizedTensor& q) {
  const int64_t n = q.size();
  std::vector<int32_t> out(static_cast<size_t>(n));
  const int bits = dtypeBits(q.dtype);
  if (bits == 16) {
    for (int64_t i = 0; i < n; ++i) out[static_cast<size_t>(i)] = q.data[static_cast<size_t>(2 * i)] | (q.data[static_cast<size_t>(2 * i + 1)] << 8);
    return out;
  }
  const bool isSigned = isIntegerDType(q.dtype) && isSignedDType(q.dtype) && q.dtype != DType::Int1;
  std::vector<uint8_t> codes(static_cast<size_t>(std::min(n, kChunk)));
  for (int64_t c0 = 0; c0 < n; c0 += kChunk) {
    const int64_t c1 = std::min(n, c0 + kChunk);
    unpackRange(q, c0, c1, codes.data());
    for (int64_t i = c0; i < c1; ++i) {
      const uint8_t c = codes[static_cast<size_t>(i - c0)];
      out[static_cast<size_t>(i)] = isSigned ? static_cast<int8_t>(c) : c;
    }
  }
  return out;
}

void dequantizeTensor(const QuantizedTensor& q, float* out) {
  const int64_t n = q.size();
  const SliceMap slices = slicesOf(q);
  const DType d = q.dtype;
  if (!isIntegerDType(d) && d != DType::NF4) {
    forEachRun(slices, 0, n, [&](int64_t start, int64_t len, int64_t slot) {
      const size_t m = static_cast<size_t>(len);
      switch (d) {
        case DType::FP16: kernels::f16_to_f32(q.data.data() + 2 * start, m, out + start); break;
        case DType::BF16: kernels::bf16_to_f32(q.data.data() + 2 * start, m, out + start); break;
        default: kernels::fp8_to_f32(q.data.data() + start, m, fp8Kind(d), out + start); break;
      }
      const float s = q.scales[static_cast<size_t>(slot)];
      if (s != 1.0f) kernels::scale_f32(out + start, m, s);
    });
    return;
  }
  const bool isSigned = isSignedDType(d) && d != DType::Int1 && d != DType::NF4;
  std::vector<uint8_t> codes(static_cast<size_t>(std::min(n, kChunk)));
  for (int64_t c0 = 0; c0 < n; c0 += kChunk) {
    const int64_t c1 = std::min(n, c0 + kChunk);
    unpackRange(q, c0, c1, codes.data());
    forEachRun(slices, c0, c1, [&](int64_t start, int64_t len, int64_t slot) {
      const float s = q.scales[static_cast<size_t>(slot)];
      const uint8_t* c = codes.data() + (start - c0);
      float* o = out + start;
      if (d == DType::Int1) {
        for (int64_t i = 0; i < len; ++i) o[i] = c[i] ? s : -s;
      } else if (d == DType::NF4) {
        for (int64_t i = 0; i < len; ++i) o[i] = formats::kNf4Levels[c[i] & 15] * s;
      } else {
        kernels::dequantize_bytes(c, static_cast<size_t>(len), isSigned, s, q.zeroPoints[static_cast<size_t>(slot)], o);
      }
    });
  }
}

void fakeQuantizeTensor(const float* x, size_t length, const std::vector<int64_t>& shape, const QuantizeOptions& o, float* out) {
  Plan plan = makePlan(x, length, shape, o);
  if (isIntegerDType(o.dtype) && o.dtype != DType::Int1) {
    // One fused pass per run, no packing (bit-identical to the two-step path).
    forEachRun(plan.slices, 0, plan.n, [&](int64_t start, int64_t len, int64_t slot) {
      const QParams& p = plan.params[static_cast<size_t>(slot)];
      kernels::fake_quantize(x + start, static_cast<size_t>(len), p.scale, p.zeroPoint, plan.range.qmin, plan.range.qmax, out + start);
    });
    return;
  }
  encode(plan, x, plan.q.data);
  dequantizeTensor(plan.q, out);
}

}  // namespace qwasm
