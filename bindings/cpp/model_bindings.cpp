// Models: load ONNX or safetensors bytes, describe them, run them.
#include <emscripten/bind.h>

#include "model_handle.h"

EMSCRIPTEN_BINDINGS(model) {
  using qwasm::bindings::ModelHandle;
  emscripten::class_<ModelHandle>("ModelHandle")
      .class_function("load", &ModelHandle::load, emscripten::allow_raw_pointers())
      .function("format", &ModelHandle::format)
      .function("inputs", &ModelHandle::inputs)
      .function("outputs", &ModelHandle::outputs)
      .function("summary", &ModelHandle::summary)
      .function("tensorList", &ModelHandle::tensorList)
      .function("tensorData", &ModelHandle::tensorData)
      .function("clearFeeds", &ModelHandle::clearFeeds)
      .function("setFeed", &ModelHandle::setFeed)
      .function("run", &ModelHandle::run)
      .function("releaseOutputs", &ModelHandle::releaseOutputs);
}
