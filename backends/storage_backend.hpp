// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <caf/error.hpp>
#include <caf/expected.hpp>

#include "common/measurement.hpp"
#include "common/stats.hpp"
#include "common/time.hpp"

namespace aquad {

struct config;

/// Compact number a backend gives each sensor id on registration; keys use
/// it instead of the id. Stable for the life of the store.
using sensor_num = std::uint32_t;

/// The two aggregate tiers: 1-minute buckets for recent windows, 5-minute
/// buckets for windows at or before the watermark.
enum class tier : std::uint8_t { minute = 0, five_minute = 1 };

/// Width of one bucket of a tier.
constexpr micros tier_width(tier t) {
  return t == tier::minute ? usec_per_min : 5 * usec_per_min;
}

/// What the store knows of one sensor: its number, the span and count of
/// its measurements, and its most recent one.
struct sensor_record {
  std::string id;
  sensor_num num = 0;
  micros first = 0;
  micros last = 0;
  std::uint64_t count = 0;
  raw_point latest;
};

/// Visitors return false to stop a scan early.
using raw_visitor = std::function<bool(const raw_point&)>;
using bucket_visitor = std::function<bool(micros, const bucket_stats&)>;
using sensor_visitor = std::function<bool(const sensor_record&)>;

/// A consistent snapshot of the store. Every call sees the same state,
/// whatever commits meanwhile. Owned by one thread at a time; cheap to
/// open, and should be closed (destroyed) promptly. All failures are
/// `aquad::errc` values (`storage_unavailable`, `storage_full`).
class read_view {
public:
  virtual ~read_view() = default;

  /// The record of sensor `id`, or nothing when it never reported.
  virtual caf::expected<std::optional<sensor_record>>
  find_sensor(std::string_view id) = 0;

  /// Visits every sensor, in id order.
  virtual caf::error each_sensor(const sensor_visitor& visit) = 0;

  /// The raw point of `sensor` at exactly `t`, if stored.
  virtual caf::expected<std::optional<raw_point>> find_raw(sensor_num sensor,
                                                           micros t) = 0;

  /// Visits raw points with time in [from, to), ascending or descending.
  virtual caf::error scan_raw(sensor_num sensor, micros from, micros to,
                              bool descending, const raw_visitor& visit) = 0;

  /// Visits the buckets of a tier whose start lies in [from, to), ascending.
  virtual caf::error scan_buckets(tier t, sensor_num sensor, micros from,
                                  micros to, const bucket_visitor& visit) = 0;

  /// The bucket of a tier starting at `start`, if stored.
  virtual caf::expected<std::optional<bucket_stats>>
  find_bucket(tier t, sensor_num sensor, micros start) = 0;

  /// Windows ending at or before the watermark live in the 5-minute tier,
  /// later ones in the 1-minute tier. `min_instant` in a new store.
  virtual caf::expected<micros> watermark() = 0;

  /// Number of stored buckets in a tier, over all sensors.
  virtual caf::expected<std::uint64_t> bucket_count(tier t) = 0;
};

/// The one write transaction of a store: its reads see its own writes. At
/// most one is open at a time (`begin_write` waits for the previous one).
/// Nothing is visible to readers before `commit`; destroying it without a
/// commit discards everything. Must be used and destroyed on the thread
/// that opened it.
class write_txn : public read_view {
public:
  /// Gives a new sensor its number; the caller then stores its record.
  virtual caf::expected<sensor_num> allocate_sensor_num() = 0;

  virtual caf::error put_sensor(const sensor_record& record) = 0;
  virtual caf::error put_raw(sensor_num sensor, const raw_point& point) = 0;
  virtual caf::error put_bucket(tier t, sensor_num sensor, micros start,
                                const bucket_stats& stats) = 0;
  virtual caf::error erase_bucket(tier t, sensor_num sensor,
                                  micros start) = 0;
  virtual caf::error set_watermark(micros watermark) = 0;

  /// Makes every write visible and durable (synced when the store was
  /// opened with `sync: full`) before it returns. Call at most once.
  virtual caf::error commit() = 0;
};

/// A place to keep measurements and aggregates. Thread-safe: any thread
/// may open read views; writes are serialised by `begin_write`.
class storage_backend {
public:
  virtual ~storage_backend() = default;

  /// `lmdb` or `memory`.
  virtual const char* name() const = 0;

  virtual caf::expected<std::unique_ptr<read_view>> begin_read() = 0;
  virtual caf::expected<std::unique_ptr<write_txn>> begin_write() = 0;

  /// Bytes the store occupies (on disk, or in memory for the fake).
  virtual std::uint64_t size_bytes() = 0;

  /// Writes a consistent, compacted copy of the store into the empty
  /// directory `dir` while the store stays in use.
  virtual caf::error copy_to(const std::string& dir) = 0;

  /// True when the store could only be opened for reading; every
  /// `begin_write` then fails with `storage_unavailable`.
  virtual bool read_only() const { return false; }

  /// Makes room after a write failed with `storage_full`, if the backend
  /// can (LMDB doubles its map); true when a retry may succeed. Call with
  /// no transaction of the calling thread open.
  virtual bool grow() { return false; }
};

/// Whether opening may create a new, empty store.
enum class open_mode { create, existing };

/// Opens the backend that `cfg.storage` names. With `open_mode::existing`
/// (the tools: verify, backup) a missing store is an error, not a new one.
caf::expected<std::shared_ptr<storage_backend>>
open_backend(const config& cfg, open_mode mode = open_mode::create);

} // namespace aquad
