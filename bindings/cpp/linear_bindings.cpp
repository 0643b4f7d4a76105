// createLinear: a quantized linear layer usable on its own.
#include <emscripten/bind.h>

#include <memory>
#include <string>

#include "guard.h"
#include "nn/linear.h"

namespace qwasm::bindings {

class LinearHandle {
 public:
  static LinearHandle* create(uintptr_t w, double n, double k, uintptr_t bias, std::string dtype, double groupSize) {
    return guarded([&]() -> LinearHandle* {
      nn::LinearKind kind;
      if (dtype == "fp32") kind = nn::LinearKind::F32;
      else if (dtype == "int8") kind = nn::LinearKind::Int8;
      else if (dtype == "int4") kind = nn::LinearKind::Int4;
      else if (dtype == "uint4") kind = nn::LinearKind::UInt4;
      else throwInvalidArgument("dtype: createLinear supports 'fp32', 'int8', 'int4' and 'uint4', got '" + dtype + "'");
      auto h = std::make_unique<LinearHandle>();
      h->lin = std::make_unique<nn::Linear>(reinterpret_cast<const float*>(w), static_cast<size_t>(n), static_cast<size_t>(k),
                                            bias ? reinterpret_cast<const float*>(bias) : nullptr, kind, static_cast<size_t>(groupSize));
      return h.release();
    });
  }
  void forward(uintptr_t x, double m, uintptr_t y) const {
    guarded([&] { lin->forward(reinterpret_cast<const float*>(x), static_cast<size_t>(m), reinterpret_cast<float*>(y)); });
  }
  double weightBytes() const { return static_cast<double>(lin->weightBytes()); }

  std::unique_ptr<nn::Linear> lin;
};

}  // namespace qwasm::bindings

EMSCRIPTEN_BINDINGS(linear) {
  using qwasm::bindings::LinearHandle;
  emscripten::class_<LinearHandle>("LinearHandle")
      .class_function("create", &LinearHandle::create, emscripten::allow_raw_pointers())
      .function("forward", &LinearHandle::forward)
      .function("weightBytes", &LinearHandle::weightBytes);
}
