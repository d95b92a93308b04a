// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <tuple>
#include <vector>

#include <caf/expected.hpp>

#include "backends/storage_backend.hpp"
#include "common/errc.hpp"
#include "common/measurement.hpp"

namespace aquad {

/// The validated measurements of one POST, handed from the HTTP edge to
/// the ingest actor. `batch` tells a JSON array from a single object.
struct ingest_request {
  std::vector<measurement> points;
  bool batch = false;
};

/// How one request fared inside a commit: either `error` (a 409 naming the
/// first rejected element; nothing of the request stored) or the counts of
/// newly stored and duplicate measurements.
struct ingest_outcome {
  std::optional<problem> error;
  std::uint64_t accepted = 0;
  std::uint64_t duplicates = 0;
  /// For a single measurement that was a duplicate: the stored one, which
  /// the answer echoes (it may differ in form, such as 21 for 21.0).
  std::optional<raw_point> stored;
};

/// Applies ingest requests to one write transaction: checks duplicates and
/// conflicts, stores raw points, registers sensors, and folds every new
/// point into the bucket of the tier that holds its window. Bucket updates
/// are gathered per bucket and written once by `finish`, so a commit of
/// many points touches each bucket once. Used by the ingest actor only;
/// lives no longer than the transaction.
class write_path {
public:
  explicit write_path(write_txn& txn);

  /// Applies one request, all or nothing. A conflict is an outcome; an
  /// error means the transaction is unusable and must be discarded.
  caf::expected<ingest_outcome> apply(const ingest_request& request);

  /// Writes the gathered bucket and sensor updates. Call once, before the
  /// transaction commits.
  caf::error finish();

private:
  struct sensor_state {
    std::optional<sensor_record> record; // empty until registered
    bool dirty = false;
  };

  caf::expected<sensor_state*> sensor(const std::string& id);
  caf::expected<std::optional<std::size_t>>
  first_conflict(const ingest_request& request, std::vector<bool>& fresh);
  caf::error store(const measurement& m);

  write_txn& txn_;
  micros watermark_;
  std::map<std::string, sensor_state, std::less<>> sensors_;
  std::map<std::tuple<int, sensor_num, micros>, bucket_stats> deltas_;
};

} // namespace aquad
