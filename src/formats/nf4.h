// NormalFloat4 (QLoRA, Dettmers et al. 2023): 16 levels that are quantiles of
// N(0, 1) scaled to [-1, 1], with an exact 0. Values are scaled by their
// block's absmax, then mapped to the nearest level.
#pragma once

#include <cstdint>

namespace qwasm::formats {

extern const float kNf4Levels[16];
// Index of the level nearest to v (v in [-1, 1]); ties go to the lower level.
uint8_t nearestNf4(float v) noexcept;

}  // namespace qwasm::formats
