// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "common/measurement.hpp"

namespace aquad {

/// The compact form of consecutive raw points of one sensor (see
/// docs/storage.md). Times are stored as varints of the change between
/// successive gaps; each metric as varints of the change between successive
/// decimal mantissas at one scale per block, chosen so that every value
/// comes back bit for bit; a metric that has no such form (0.1 + 0.2, say)
/// is stored as raw doubles for that block. The first point's time is the
/// block's key and is not repeated inside.
///
/// Pure functions over bytes; thread-safe.

/// Encodes points sorted by strictly increasing time (at least one).
std::string encode_block(const std::vector<raw_point>& points);

/// Appends the points of a block whose first time is `first` to `out`.
/// Returns false (keeping what was decoded) on a truncated or corrupt block.
bool decode_block(micros first, const void* data, std::size_t size,
                  std::vector<raw_point>& out);

/// The smallest decimal scale s (0-9) at which `v` is m / 10^s for an
/// integer m below 2^53, or -1 when there is none.
int decimal_scale(double v);

} // namespace aquad
