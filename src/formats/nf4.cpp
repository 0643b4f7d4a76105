#include "formats/nf4.h"

namespace qwasm::formats {

// The table of bitsandbytes / QLoRA.
const float kNf4Levels[16] = {
    -1.0f, -0.6961928009986877f, -0.5250730514526367f, -0.39491748809814453f,
    -0.28444138169288635f, -0.18477343022823334f, -0.09105003625154495f, 0.0f,
    0.07958029955625534f, 0.16093020141124725f, 0.24611230194568634f, 0.33791524171829224f,
    0.44070982933044434f, 0.5626170039176941f, 0.7229568362236023f, 1.0f,
};

uint8_t nearestNf4(float v) noexcept {
  // Binary search over the midpoints between consecutive levels.
  uint8_t lo = 0;
  for (uint8_t step = 8; step > 0; step >>= 1) {
    const uint8_t probe = static_cast<uint8_t>(lo + step);
    if (probe < 16 && v > 0.5f * (kNf4Levels[probe - 1] + kNf4Levels[probe])) lo = probe;
  }
  return lo;
}

}  // namespace qwasm::formats
