// SPDX-License-Identifier: MIT
#include "backends/lmdb/block_store.hpp"

#include <algorithm>

#include <lmdb++.h>

#include "backends/lmdb/lmdb_codec.hpp"
#include "backends/lmdb/raw_block.hpp"

namespace aquad {

namespace {

MDB_val key_val(const series_key& k) {
  return MDB_val{sizeof k.bytes, const_cast<unsigned char*>(k.bytes)};
}

// The first time of the stored block of `sensor` that covers `t`: the
// greatest block start at or before `t`.
std::optional<micros> stored_block_for(MDB_txn* txn, MDB_dbi dbi,
                                       sensor_num sensor, micros t) {
  auto cur = lmdb::cursor::open(txn, dbi);
  series_key k{sensor, t};
  MDB_val key = key_val(k), val;
  bool found = lmdb::cursor_get(cur, &key, &val, MDB_SET_RANGE);
  if (found) {
    auto pos = series_key::decode(key.mv_data, key.mv_size);
    if (pos.sensor == sensor && pos.time == t)
      return t;
    found = lmdb::cursor_get(cur, &key, &val, MDB_PREV);
  } else {
    found = lmdb::cursor_get(cur, &key, &val, MDB_LAST);
  }
  if (!found)
    return std::nullopt;
  auto pos = series_key::decode(key.mv_data, key.mv_size);
  if (pos.sensor != sensor)
    return std::nullopt;
  return pos.time;
}

std::vector<raw_point> load(MDB_txn* txn, MDB_dbi dbi, sensor_num sensor,
                            micros first) {
  series_key k{sensor, first};
  MDB_val key = key_val(k), val;
  std::vector<raw_point> pts;
  if (lmdb::dbi_get(txn, dbi, &key, &val))
    decode_block(first, val.mv_data, val.mv_size, pts);
  return pts;
}

const raw_point* find_in(const std::vector<raw_point>& pts, micros t) {
  auto it = std::lower_bound(
    pts.begin(), pts.end(), t,
    [](const raw_point& p, micros x) { return p.time < x; });
  return it != pts.end() && it->time == t ? &*it : nullptr;
}

} // namespace

std::optional<raw_point> find_block_point(MDB_txn* txn, MDB_dbi dbi,
                                          sensor_num sensor, micros t) {
  auto first = stored_block_for(txn, dbi, sensor, t);
  if (!first)
    return std::nullopt;
  auto pts = load(txn, dbi, sensor, *first);
  if (auto* p = find_in(pts, t))
    return *p;
  return std::nullopt;
}

void scan_block_points(MDB_txn* txn, MDB_dbi dbi, sensor_num sensor,
                       micros from, micros to, bool descending,
                       const raw_visitor& visit) {
  auto cur = lmdb::cursor::open(txn, dbi);
  std::vector<raw_point> pts;
  MDB_val key, val;
  if (!descending) {
    // Start at the block covering `from`, or the first one after it.
    auto start = stored_block_for(txn, dbi, sensor, from).value_or(from);
    series_key k{sensor, start};
    key = key_val(k);
    for (bool ok = lmdb::cursor_get(cur, &key, &val, MDB_SET_RANGE); ok;
         ok = lmdb::cursor_get(cur, &key, &val, MDB_NEXT)) {
      auto pos = series_key::decode(key.mv_data, key.mv_size);
      if (pos.sensor != sensor || pos.time >= to)
        return;
      pts.clear();
      decode_block(pos.time, val.mv_data, val.mv_size, pts);
      for (const auto& p : pts) {
        if (p.time >= to)
          return;
        if (p.time >= from && !visit(p))
          return;
      }
    }
    return;
  }
  // Descending: from the last block starting before `to`, backwards until
  // a block starting at or before `from` has been read.
  series_key k{sensor, to};
  key = key_val(k);
  bool ok = lmdb::cursor_get(cur, &key, &val, MDB_SET_RANGE)
              ? lmdb::cursor_get(cur, &key, &val, MDB_PREV)
              : lmdb::cursor_get(cur, &key, &val, MDB_LAST);
  for (; ok; ok = lmdb::cursor_get(cur, &key, &val, MDB_PREV)) {
    auto pos = series_key::decode(key.mv_data, key.mv_size);
    if (pos.sensor != sensor || pos.time >= to)
      return;
    pts.clear();
    decode_block(pos.time, val.mv_data, val.mv_size, pts);
    for (auto it = pts.rbegin(); it != pts.rend(); ++it) {
      if (it->time < from)
        return;
      if (it->time < to && !visit(*it))
        return;
    }
    if (pos.time <= from)
      return;
  }
}

block_writer::block* block_writer::load_into_cache(sensor_num sensor,
                                                   micros first) {
  auto [pos, inserted] = cache_.try_emplace({sensor, first});
  if (inserted) {
    pos->second.points = load(txn_, dbi_, sensor, first);
    pos->second.stored_key = first;
  }
  return &pos->second;
}

// A point before every block of its sensor joins the first block, which
// then starts at the point: backfill sent newest first then fills blocks
// instead of making one block per point.
block_writer::block* block_writer::extend_first_block(sensor_num sensor,
                                                      micros t) {
  auto stored = stored_block_for(txn_, dbi_, sensor, max_instant);
  std::optional<micros> first;
  if (stored) {
    auto cur = lmdb::cursor::open(txn_, dbi_);
    series_key k{sensor, min_instant};
    MDB_val key = key_val(k), val;
    if (lmdb::cursor_get(cur, &key, &val, MDB_SET_RANGE)) {
      auto pos = series_key::decode(key.mv_data, key.mv_size);
      if (pos.sensor == sensor)
        first = pos.time;
    }
  }
  auto it = cache_.lower_bound({sensor, min_instant});
  if (it != cache_.end() && it->first.first == sensor
      && (!first || it->first.second < *first))
    first = it->first.second;
  if (!first)
    return &cache_[{sensor, t}];
  auto moved = std::move(*load_into_cache(sensor, *first));
  cache_.erase({sensor, *first});
  auto& b = cache_[{sensor, t}];
  b = std::move(moved);
  b.grew_at_front = true;
  return &b;
}

block_writer::block* block_writer::locate(sensor_num sensor, micros t,
                                          bool create) {
  auto stored = stored_block_for(txn_, dbi_, sensor, t);
  // A block made (or moved) in this transaction is not in LMDB under its
  // key yet: look in the cache too, and take the later candidate.
  std::optional<micros> cached;
  auto it = cache_.upper_bound({sensor, t});
  if (it != cache_.begin() && std::prev(it)->first.first == sensor)
    cached = std::prev(it)->first.second;
  // A stored key that was moved to an earlier start in the cache no
  // longer names a block of its own.
  if (stored && cached && *cached < *stored) {
    auto moved = cache_.find({sensor, *cached});
    if (moved->second.stored_key == stored)
      stored.reset();
  }
  auto best = std::max(stored, cached);
  if (best)
    return load_into_cache(sensor, *best);
  return create ? extend_first_block(sensor, t) : nullptr;
}

std::optional<raw_point> block_writer::find(sensor_num sensor, micros t) {
  auto* b = locate(sensor, t, false);
  if (b == nullptr)
    return std::nullopt;
  if (auto* p = find_in(b->points, t))
    return *p;
  return std::nullopt;
}

void block_writer::put(sensor_num sensor, const raw_point& p) {
  auto* b = locate(sensor, p.time, true);
  auto& pts = b->points;
  b->dirty = true;
  if (pts.empty() || p.time > pts.back().time) {
    pts.push_back(p);
    return;
  }
  auto it = std::lower_bound(
    pts.begin(), pts.end(), p.time,
    [](const raw_point& q, micros x) { return q.time < x; });
  if (it != pts.end() && it->time == p.time)
    *it = p;
  else
    pts.insert(it, p);
}

// Writes points (sorted, not empty) as blocks no larger than
// max_block_bytes, each keyed by its first point's time. Blocks are
// packed full from the end opposite to where they grow, so appends and
// newest-first backfill alike leave full blocks behind. One scale per
// metric serves every block cut from the run, which lets the cuts be
// found from exact sizes without trial encodings.
void block_writer::write(sensor_num sensor,
                         const std::vector<raw_point>& points,
                         bool pack_from_back) {
  auto scales = scales_of(points.data(), points.data() + points.size());
  block_sizer sizer{points, scales};
  auto put = [&](std::size_t i, std::size_t j) {
    auto bytes = encode_block(points.data() + i, points.data() + j, scales);
    series_key k{sensor, points[i].time};
    MDB_val key = key_val(k), val{bytes.size(), bytes.data()};
    lmdb::dbi_put(txn_, dbi_, &key, &val, 0);
  };
  if (pack_from_back) {
    for (std::size_t j = points.size(); j > 0;) {
      std::size_t i = j - 1;
      while (i > 0 && sizer.size(i - 1, j) <= max_block_bytes)
        --i;
      put(i, j);
      j = i;
    }
    return;
  }
  for (std::size_t i = 0; i < points.size();) {
    std::size_t j = i + 1;
    while (j < points.size() && sizer.size(i, j + 1) <= max_block_bytes)
      ++j;
    put(i, j);
    i = j;
  }
}

void block_writer::flush() {
  for (auto& [k, b] : cache_) {
    if (!b.dirty || b.points.empty())
      continue;
    if (b.stored_key && *b.stored_key != b.points.front().time) {
      series_key old{k.first, *b.stored_key};
      MDB_val key = key_val(old);
      lmdb::dbi_del(txn_, dbi_, &key, nullptr);
    }
    write(k.first, b.points, b.grew_at_front);
  }
  cache_.clear();
}

} // namespace aquad
