// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>

#include <caf/expected.hpp>

#include "backends/storage_backend.hpp"

namespace aquad {

/// What one rollup did.
struct rollup_report {
  micros watermark_before = 0;
  micros watermark_after = 0;
  std::uint64_t windows_moved = 0;  ///< 5-minute buckets written
  std::uint64_t minute_buckets = 0; ///< 1-minute buckets merged and erased
};

/// The watermark that should hold at `now`: the start of the 5-minute
/// window containing `now - minute_tier`. Every window ending at or before
/// it belongs in the 5-minute tier.
micros rollup_target(micros now, micros minute_tier);

/// Moves every 1-minute bucket of a window ending at or before `target`
/// into its 5-minute bucket (merged with any already there), erases the
/// 1-minute buckets, and raises the watermark to `target`, all in `txn`.
/// Does nothing when the watermark is already at or past `target`. The
/// caller commits; a crash before the commit leaves the old state whole.
caf::expected<rollup_report> roll_up(write_txn& txn, micros target);

} // namespace aquad
