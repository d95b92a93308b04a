// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <caf/expected.hpp>

#include "backends/storage_backend.hpp"

namespace aquad {

/// Bucket widths a client may ask for, narrowest first; `auto` walks this
/// ladder.
const std::vector<micros>& resolution_ladder();

/// `1m`, `5m`, ... for a ladder width.
std::string resolution_name(micros width);

/// The ladder width named `text`, if any.
std::optional<micros> parse_resolution(const std::string& text);

/// Number of cells of the epoch-aligned grid of `width` that meet
/// [from, to); `from < to`.
std::uint64_t grid_cells(micros from, micros to, micros width);

/// A statistics query, already validated at the edge.
struct stats_request {
  std::string sensor_id;
  micros from = 0;
  micros to = 0;
  enum class mode { automatic, width, raw } how = mode::automatic;
  micros width = 0; ///< for mode::width
  bool fill = false;
  std::uint64_t max_points = 1000;
  std::uint64_t max_buckets = 100'000;
};

/// One bucket of an answer, clipped to the query's range.
struct stats_bucket {
  micros start = 0;
  micros end = 0;
  bucket_stats stats;
};

/// The answer to a statistics query.
struct stats_result {
  std::string sensor_id;
  micros from = 0;
  micros to = 0;
  std::string resolution;
  bucket_stats summary;
  std::vector<stats_bucket> buckets;
};

/// Computes per-bucket and summary statistics from one snapshot: stored
/// 5-minute buckets before the watermark, stored 1-minute buckets after
/// it, and raw points wherever [from, to) cuts a stored bucket.
caf::expected<stats_result> compute_stats(read_view& view,
                                          const stats_request& req);

} // namespace aquad
