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

/// The decimal scale of each metric in a block: one for all its points,
/// or -1 where the block stores raw doubles.
struct block_scales {
  int temperature = 0;
  int conductivity = 0;
};

/// The smallest scales at which every point in [begin, end) round-trips.
block_scales scales_of(const raw_point* begin, const raw_point* end);

/// Encodes points sorted by strictly increasing time (at least one) at
/// scales that fit them (from `scales_of` over these or more points).
std::string encode_block(const raw_point* begin, const raw_point* end,
                         block_scales scales);

/// Encodes points at the smallest scales that fit them.
std::string encode_block(const std::vector<raw_point>& points);

/// Exact encoded sizes of runs of `points` at fixed scales, computed
/// without encoding: to cut a long run into blocks of a byte budget.
class block_sizer {
public:
  block_sizer(const std::vector<raw_point>& points, block_scales scales);

  /// Bytes of the block holding points [i, j), i < j.
  std::size_t size(std::size_t i, std::size_t j) const;

private:
  std::vector<std::size_t> first_;  // point k as a block's first point
  std::vector<std::size_t> second_; // point k as a block's second point
  std::vector<std::size_t> prefix_; // sums of point costs inside a block
};

/// Appends the points of a block whose first time is `first` to `out`.
/// Returns false (keeping what was decoded) on a truncated or corrupt block.
bool decode_block(micros first, const void* data, std::size_t size,
                  std::vector<raw_point>& out);

/// The smallest decimal scale s (0-9) at which `v` is m / 10^s for an
/// integer m below 2^53, or -1 when there is none.
int decimal_scale(double v);

} // namespace aquad
