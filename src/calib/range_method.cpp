#include "calib/range_method.h"

#include <string>

#include "common/error.h"

namespace qwasm::calib {

RangeMethod parseRangeMethod(std::string_view name, const char* argName) {
  if (name == "minmax") return RangeMethod::MinMax;
  if (name == "percentile") return RangeMethod::Percentile;
  if (name == "mse") return RangeMethod::MSE;
  if (name == "entropy") return RangeMethod::Entropy;
  throwInvalidArgument(std::string(argName) + ": unknown range method '" + std::string(name) +
                       "' (valid: minmax, percentile, mse, entropy)");
}

const char* rangeMethodName(RangeMethod method) {
  switch (method) {
    case RangeMethod::MinMax: return "minmax";
    case RangeMethod::Percentile: return "percentile";
    case RangeMethod::MSE: return "mse";
    case RangeMethod::Entropy: return "entropy";
  }
  return "minmax";
}

}  // namespace qwasm::calib
