// SPDX-License-Identifier: MIT
#pragma once

#include <map>
#include <optional>
#include <utility>
#include <vector>

#include <lmdb.h>

#include "backends/storage_backend.hpp"

namespace aquad {

/// Raw points in LMDB as blocks (see raw_block.hpp): each key is a sensor
/// and the time of the block's first point; a block holds the points from
/// its first time up to the next block's first time. Functions here call
/// lmdb++ and throw its exceptions; the backend's callers catch them.

/// Largest encoded block: one 4 KiB LMDB overflow page less its header,
/// so that a full block wastes no page space.
constexpr std::size_t max_block_bytes = 4080;

/// The point of `sensor` at `t` in the snapshot `txn`, if any.
std::optional<raw_point> find_block_point(MDB_txn* txn, MDB_dbi dbi,
                                          sensor_num sensor, micros t);

/// Visits the points of `sensor` in [from, to), in either direction.
void scan_block_points(MDB_txn* txn, MDB_dbi dbi, sensor_num sensor,
                       micros from, micros to, bool descending,
                       const raw_visitor& visit);

/// Decoded blocks touched by one write transaction. Points go into the
/// cached block that covers them; `flush` encodes the changed blocks
/// (splitting any that outgrew `max_block_bytes`) and writes them, so a
/// commit of many points re-encodes each block once. Lives inside one
/// write transaction, on its thread.
class block_writer {
public:
  block_writer(MDB_txn* txn, MDB_dbi dbi) : txn_(txn), dbi_(dbi) {}

  std::optional<raw_point> find(sensor_num sensor, micros t);
  void put(sensor_num sensor, const raw_point& p);

  /// Writes every changed block and empties the cache.
  void flush();

private:
  struct block {
    std::vector<raw_point> points;
    bool dirty = false;
    std::optional<micros> stored_key; ///< its key in LMDB, if stored
    bool grew_at_front = false;       ///< a point went before its start
  };
  using block_key = std::pair<sensor_num, micros>;

  block* locate(sensor_num sensor, micros t, bool create);
  block* load_into_cache(sensor_num sensor, micros first);
  block* extend_first_block(sensor_num sensor, micros t);
  void write(sensor_num sensor, const std::vector<raw_point>& points,
             bool pack_from_back);

  MDB_txn* txn_;
  MDB_dbi dbi_;
  std::map<block_key, block> cache_;
};

} // namespace aquad
