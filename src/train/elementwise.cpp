#include "train/elementwise.h"

#include "common/error.h"
#include "graph/broadcast.h"

namespace qwasm::train {

BinaryOp::BinaryOp(Binary kind, std::string name, Tensor constant, int constantIndex, bool trainable)
    : kind_(kind), constant_(Param(std::move(name), std::move(constant))), constantIndex_(constantIndex), trainable_(trainable) {
  constant_->decay = false;
}

std::string BinaryOp::type() const {
  switch (kind_) {
    case Binary::Add: return "Add";
    case Binary::Sub: return "Sub";
    case Binary::Mul: return "Mul";
    default: return "Div";
  }
}

std::vector<Param*> BinaryOp::params() {
  if (constant_ && trainable_) return {&*constant_};
  return {};
}

void BinaryOp::forward(const std::vector<const Tensor*>& in, Tensor& out, bool) {
  const Tensor* a = in[0];
  const Tensor* b = in.size() > 1 ? in[1] : nullptr;
  if (constant_) {
    if (constantIndex_ == 0) { b = a; a = &constant_->value; }
    else b = &constant_->value;
  }
  const Shape shape = graph::broadcastShapes(a->shape, b->shape, type().c_str());
  out.reset(shape);
  const float *pa = a->ptr(), *pb = b->ptr();
  float* py = out.ptr();
  switch (kind_) {
    case Binary::Add: graph::forEachBroadcast(a->shape, b->shape, shape, [&](int64_t i, int64_t ia, int64_t ib) { py[i] = pa[ia] + pb[ib]; }); break;
    case Binary::Sub: graph::forEachBroadcast(a->shape, b->shape, shape, [&](int64_t i, int64_t ia, int64_t ib) { py[i] = pa[ia] - pb[ib]; }); break;
    case Binary::Mul: graph::forEachBroadcast(a->shape, b->shape, shape, [&](int64_t i, int64_t ia, int64_t ib) { py[i] = pa[ia] * pb[ib]; }); break;
    case Binary::Div: graph::forEachBroadcast(a->shape, b->shape, shape, [&](int64_t i, int64_t ia, int64_t ib) { py[i] = pa[ia] / pb[ib]; }); break;
  }
}

void BinaryOp::backward(const std::vector<const Tensor*>& in, const Tensor& out, const Tensor& dy, const std::vector<Tensor*>& dIn) {
  const Tensor* a = in[0];
  const Tensor* b = in.size() > 1 ? in[1] : nullptr;
  Tensor* da = dIn[0];
  Tensor* db = dIn.size() > 1 ? dIn[1] : nullptr;
  if (constant_) {
    Tensor* dc = trainable_ ? &constant_->grad : nullptr;
    if (constantIndex_ == 0) { b = a; db = da; a = &constant_->value; da = dc; }
    else { b = &constant_->value; db = dc; }
  }
  const float *pa = a->ptr(), *pb = b->ptr(), *g = dy.ptr();
  float* pda = da ? da->ptr() : nullptr;
  float* pdb = db ? db->ptr() : nullptr;
  graph::forEachBroadcast(a->shape, b->shape, out.shape, [&](int64_t i, int64_t ia, int64_t ib) {
    switch (kind_) {
      case Binary::Add:
        if (pda) pda[ia] += g[i];
        if (pdb) pdb[ib] += g[i];
        break;
      case Binary::Sub:
        if (pda) pda[ia] += g[i];
        if (pdb) pdb[ib] -= g[i];
        break;
      case Binary::Mul:
        if (pda) pda[ia] += g[i] * pb[ib];
        if (pdb) pdb[ib] += g[i] * pa[ia];
        break;
      case Binary::Div:
        if (pda) pda[ia] += g[i] / pb[ib];
        if (pdb) pdb[ib] -= g[i] * pa[ia] / (pb[ib] * pb[ib]);
        break;
    }
  });
}

}  // namespace qwasm::train
