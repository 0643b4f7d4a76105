#include "common/build_info.h"

#include <gtest/gtest.h>

#include "common/error.h"

namespace qwasm {
namespace {

TEST(BuildInfo, ReportsVersionAndIsa) {
  BuildInfo info = buildInfo();
  EXPECT_FALSE(info.version.empty());
  EXPECT_EQ(info.version, QWASM_VERSION);
#if defined(__wasm_simd128__)
  EXPECT_TRUE(info.simd);
  EXPECT_EQ(info.isa, "wasm-simd128");
#elif defined(__wasm__)
  EXPECT_EQ(info.isa, "wasm-scalar");
#endif
}

TEST(Error, CarriesKindAndMessage) {
  try {
    throwInvalidArgument("shape: expected 4 elements, got 3");
    FAIL() << "no throw";
  } catch (const Error& e) {
    EXPECT_EQ(e.kind(), ErrorKind::InvalidArgument);
    EXPECT_STREQ(e.what(), "shape: expected 4 elements, got 3");
    EXPECT_STREQ(errorKindName(e.kind()), "InvalidArgument");
  }
}

}  // namespace
}  // namespace qwasm
