#include "train/pooling.h"

#include <limits>

#include "common/error.h"

namespace qwasm::train {

std::string PoolOp::type() const {
  switch (kind_) {
    case Pool::Max: return "MaxPool";
    case Pool::Average: return "AveragePool";
    default: return "GlobalAveragePool";
  }
}

Window2d PoolOp::effective(const Tensor& x) const {
  if (x.shape.size() != 4) throwInvalidArgument(type() + ": input must be [N, C, H, W], got " + graph::shapeString(x.shape));
  if (kind_ != Pool::GlobalAverage) return win_;
  Window2d w;
  w.kh = x.shape[2];
  w.kw = x.shape[3];
  w.sh = w.kh;
  w.sw = w.kw;
  return w;
}

void PoolOp::forward(const std::vector<const Tensor*>& in, Tensor& out, bool training) {
  const Tensor& x = *in[0];
  const Window2d w = effective(x);
  const int64_t N = x.shape[0], C = x.shape[1], H = x.shape[2], W = x.shape[3];
  const int64_t oh = w.outH(H), ow = w.outW(W);
  if (oh < 1 || ow < 1) throwInvalidArgument(type() + ": input " + graph::shapeString(x.shape) + " is smaller than the window");
  out.reset({N, C, oh, ow});
  const bool isMax = kind_ == Pool::Max;
  if (isMax) argmax_.assign(static_cast<size_t>(out.size()), -1);
  for (int64_t nc = 0; nc < N * C; ++nc) {
    const float* plane = x.ptr() + nc * H * W;
    for (int64_t oy = 0; oy < oh; ++oy)
      for (int64_t ox = 0; ox < ow; ++ox) {
        float acc = isMax ? -std::numeric_limits<float>::infinity() : 0.0f;
        int32_t best = -1;
        int64_t count = 0;
        for (int64_t i = 0; i < w.kh; ++i) {
          const int64_t iy = oy * w.sh - w.padTop + i * w.dh;
          for (int64_t j = 0; j < w.kw; ++j) {
            const int64_t ix = ox * w.sw - w.padLeft + j * w.dw;
            if (iy >= 0 && iy < H && ix >= 0 && ix < W) {
              const float v = plane[iy * W + ix];
              if (isMax) {
                if (v > acc || best < 0) { acc = v; best = static_cast<int32_t>(nc * H * W + iy * W + ix); }
              } else {
                acc += v;
              }
              ++count;
            } else if (countPad_ && iy < H + w.padBottom && ix < W + w.padRight) {
              ++count;
            }
          }
        }
        const int64_t o = (nc * oh + oy) * ow + ox;
        if (isMax) argmax_[static_cast<size_t>(o)] = best;
        out.data[static_cast<size_t>(o)] = isMax ? (best >= 0 ? acc : 0.0f) : (count ? acc / static_cast<float>(count) : 0.0f);
      }
  }
}

void PoolOp::backward(const std::vector<const Tensor*>& in, const Tensor& out, const Tensor& dy, const std::vector<Tensor*>& dIn) {
  if (!dIn[0]) return;
  const Tensor& x = *in[0];
  float* dx = dIn[0]->ptr();
  if (kind_ == Pool::Max) {
    if (argmax_.size() != static_cast<size_t>(out.size())) throwInvalidArgument("MaxPool: backward without a forward pass");
    for (int64_t o = 0; o < out.size(); ++o)
      if (argmax_[static_cast<size_t>(o)] >= 0) dx[argmax_[static_cast<size_t>(o)]] += dy.data[static_cast<size_t>(o)];
    return;
  }
  const Window2d w = effective(x);
  const int64_t N = x.shape[0], C = x.shape[1], H = x.shape[2], W = x.shape[3];
  const int64_t oh = out.shape[2], ow = out.shape[3];
  for (int64_t nc = 0; nc < N * C; ++nc)
    for (int64_t oy = 0; oy < oh; ++oy)
      for (int64_t ox = 0; ox < ow; ++ox) {
        int64_t count = 0;
        for (int64_t i = 0; i < w.kh; ++i) {
          const int64_t iy = oy * w.sh - w.padTop + i * w.dh;
          for (int64_t j = 0; j < w.kw; ++j) {
            const int64_t ix = ox * w.sw - w.padLeft + j * w.dw;
            if (iy >= 0 && iy < H && ix >= 0 && ix < W) ++count;
            else if (countPad_ && iy < H + w.padBottom && ix < W + w.padRight) ++count;
          }
        }
        if (!count) continue;
        const float g = dy.data[static_cast<size_t>((nc * oh + oy) * ow + ox)] / static_cast<float>(count);
        for (int64_t i = 0; i < w.kh; ++i) {
          const int64_t iy = oy * w.sh - w.padTop + i * w.dh;
          for (int64_t j = 0; j < w.kw; ++j) {
            const int64_t ix = ox * w.sw - w.padLeft + j * w.dw;
            if (iy >= 0 && iy < H && ix >= 0 && ix < W) dx[nc * H * W + iy * W + ix] += g;
          }
        }
      }
}

ReshapeOp::ReshapeOp(Shape perSample) : perSample_(std::move(perSample)) {
  int unknown = 0;
  for (int64_t d : perSample_) {
    if (d == -1) ++unknown;
    else if (d < 1) throwInvalidArgument("Reshape: dimensions must be positive or -1");
  }
  if (unknown > 1) throwInvalidArgument("Reshape: at most one -1 dimension");
}

void ReshapeOp::forward(const std::vector<const Tensor*>& in, Tensor& out, bool) {
  const Tensor& x = *in[0];
  if (x.shape.empty()) throwInvalidArgument(type() + ": scalar input");
  const int64_t N = x.shape[0], per = N ? x.size() / N : 0;
  Shape s{N};
  int64_t known = 1;
  for (int64_t d : perSample_) known *= d == -1 ? 1 : d;
  for (int64_t d : perSample_) s.push_back(d == -1 ? (known ? per / known : 0) : d);
  if (graph::shapeSize(s) != x.size()) throwInvalidArgument(type() + ": cannot reshape " + graph::shapeString(x.shape) + " to " + graph::shapeString(s));
  out.shape = s;
  out.data = x.data;
}

void ReshapeOp::backward(const std::vector<const Tensor*>&, const Tensor&, const Tensor& dy, const std::vector<Tensor*>& dIn) {
  if (!dIn[0]) return;
  for (int64_t i = 0; i < dy.size(); ++i) dIn[0]->data[static_cast<size_t>(i)] += dy.data[static_cast<size_t>(i)];
}

}  // namespace qwasm::train
