// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include <caf/expected.hpp>

#include "backends/storage_backend.hpp"

namespace aquad {

/// A page of raw measurements, already validated at the edge. `after`
/// resumes a walk: only points strictly past it (in the walk's order) are
/// returned.
struct raw_request {
  std::string sensor_id;
  micros from = 0;
  micros to = 0;
  bool descending = false;
  std::uint64_t limit = 1000;
  std::optional<micros> after;
};

/// One page; `more` is true when points remain past the last one.
struct raw_result {
  std::string sensor_id;
  micros from = 0;
  micros to = 0;
  bool descending = false;
  std::vector<raw_point> points;
  bool more = false;
};

/// Reads one page. Pages resume by time, the identity of a point within a
/// sensor, so a walk returns each point that existed when it began exactly
/// once, whatever is written meanwhile.
caf::expected<raw_result> read_raw_page(read_view& view,
                                        const raw_request& req);

/// One sensor's record, or `unknown_sensor`.
caf::expected<sensor_record> read_sensor(read_view& view,
                                         const std::string& id);

/// Every sensor's record, in id order.
caf::expected<std::vector<sensor_record>> read_sensors(read_view& view);

} // namespace aquad
