// SPDX-License-Identifier: MIT
#pragma once

#include <doctest/doctest.h>

#include <memory>
#include <string>
#include <vector>

#include "actors/downsampler.hpp"
#include "actors/stats_query.hpp"
#include "actors/write_path.hpp"
#include "backends/memory/memory_backend.hpp"
#include "backends/storage_backend.hpp"
#include "config/config.hpp"
#include "support/temp_dir.hpp"

namespace aquad::test {

/// A store driven the way the actors drive it, without actors: ingest
/// commits through `write_path`, aging through `run_rollup` at a time the
/// test chooses. For unit tests of the write, rollup and query logic.
class store_harness {
public:
  explicit store_harness(const std::string& kind = "memory") {
    config cfg;
    cfg.storage.backend = kind;
    cfg.storage.path = dir_.path() + "/store";
    cfg.storage.map_size = 256ULL << 20;
    auto b = open_backend(cfg);
    REQUIRE(b);
    backend = std::move(*b);
  }

  /// Applies requests in one commit and returns their outcomes.
  std::vector<ingest_outcome> ingest(const std::vector<ingest_request>& reqs) {
    auto txn = backend->begin_write();
    REQUIRE(txn);
    write_path path{**txn};
    std::vector<ingest_outcome> out;
    for (const auto& r : reqs) {
      auto o = path.apply(r);
      REQUIRE(o);
      out.push_back(*o);
    }
    REQUIRE_FALSE(path.finish());
    REQUIRE_FALSE((*txn)->commit());
    return out;
  }

  ingest_outcome ingest_one(const std::vector<measurement>& points,
                            bool batch = true) {
    return ingest({ingest_request{points, batch}}).front();
  }

  rollup_report age(micros now, micros minute_tier = usec_per_hour) {
    auto r = run_rollup(*backend, now, minute_tier);
    REQUIRE(r);
    return *r;
  }

  caf::expected<stats_result> stats(const stats_request& req) {
    auto view = backend->begin_read();
    REQUIRE(view);
    return compute_stats(**view, req);
  }

  std::shared_ptr<storage_backend> backend;

private:
  temp_dir dir_;
};

inline measurement m(const std::string& id, micros t, double temp,
                     double cond = 1000) {
  return measurement{id, t, temp, cond};
}

} // namespace aquad::test
