// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <caf/expected.hpp>

#include "backends/storage_backend.hpp"

namespace aquad {

/// One stored number that differs from the one recomputed from raw data.
/// `tier` is `1m`, `5m`, or `sensor` for a sensor record.
struct mismatch {
  std::string sensor;
  std::string tier;
  micros start = 0;
  std::string statistic;
  std::string stored;
  std::string recomputed;
};

/// What a verification found (and, with repair, fixed).
struct verify_report {
  std::uint64_t sensors = 0;
  std::uint64_t points = 0;
  std::uint64_t buckets = 0;
  std::uint64_t mismatched_records = 0;
  std::vector<mismatch> mismatches; ///< at most `max_listed` entries
  bool repaired = false;
};

/// Recomputes every stored bucket of both tiers and every sensor record
/// from the raw points, using the store's watermark to decide which tier
/// should hold each window, and compares them: counts, minima and maxima
/// exactly, means and deviations to a relative 1e-9. With `repair`, wrong
/// or missing records are rewritten and stray ones erased, in one
/// transaction. Reads one snapshot, so it may run beside a live daemon.
caf::expected<verify_report> verify_store(storage_backend& backend,
                                          bool repair,
                                          std::size_t max_listed = 1000);

} // namespace aquad
