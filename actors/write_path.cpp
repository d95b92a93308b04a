// SPDX-License-Identifier: MIT
#include "actors/write_path.hpp"

#include <algorithm>
#include <numeric>

namespace aquad {

write_path::write_path(write_txn& txn) : txn_(txn), watermark_(min_instant) {
  // A failed read here surfaces again, as an error, on the first apply.
  if (auto w = txn_.watermark())
    watermark_ = *w;
}

caf::expected<write_path::sensor_state*>
write_path::sensor(const std::string& id) {
  auto i = sensors_.find(id);
  if (i != sensors_.end())
    return &i->second;
  auto found = txn_.find_sensor(id);
  if (!found)
    return found.error();
  auto& state = sensors_[id];
  state.record = std::move(*found);
  return &state;
}

caf::expected<std::optional<std::size_t>>
write_path::first_conflict(const ingest_request& request,
                           std::vector<bool>& fresh) {
  const auto& pts = request.points;
  // Visit elements grouped by identity and, within a group, in batch
  // order: the stored point, or else the group's first element, is the
  // reference every other element must equal.
  // Time first: it tells most pairs apart without a string comparison,
  // and a batch in time order needs no sort at all.
  std::vector<std::size_t> order(pts.size());
  std::iota(order.begin(), order.end(), 0);
  auto before = [&](std::size_t a, std::size_t b) {
    if (pts[a].time != pts[b].time)
      return pts[a].time < pts[b].time;
    return pts[a].sensor_id < pts[b].sensor_id;
  };
  if (!std::is_sorted(order.begin(), order.end(), before))
    std::stable_sort(order.begin(), order.end(), before);

  std::optional<std::size_t> rejected;
  for (std::size_t k = 0; k < order.size();) {
    const auto& head = pts[order[k]];
    auto st = sensor(head.sensor_id);
    if (!st)
      return st.error();
    std::optional<raw_point> ref;
    if ((*st)->record) {
      auto found = txn_.find_raw((*st)->record->num, head.time);
      if (!found)
        return found.error();
      ref = *found;
    }
    if (!ref) {
      ref = raw_point{head.time, head.temperature_c, head.conductivity_us_cm};
      fresh[order[k]] = true;
    }
    for (; k < order.size() && pts[order[k]].sensor_id == head.sensor_id
           && pts[order[k]].time == head.time;
         ++k) {
      const auto& m = pts[order[k]];
      bool same = ref->same_values(
        raw_point{m.time, m.temperature_c, m.conductivity_us_cm});
      if (!same && (!rejected || order[k] < *rejected))
        rejected = order[k];
    }
  }
  return rejected;
}

caf::error write_path::store(const measurement& m) {
  auto st = sensor(m.sensor_id);
  if (!st)
    return st.error();
  auto& state = **st;
  if (!state.record) {
    auto num = txn_.allocate_sensor_num();
    if (!num)
      return num.error();
    state.record = sensor_record{m.sensor_id, *num, m.time, m.time, 0, {}};
  }
  auto& rec = *state.record;
  raw_point p{m.time, m.temperature_c, m.conductivity_us_cm};
  if (auto err = txn_.put_raw(rec.num, p))
    return err;

  if (rec.count == 0 || m.time >= rec.last)
    rec.latest = p;
  rec.first = rec.count == 0 ? m.time : std::min(rec.first, m.time);
  rec.last = rec.count == 0 ? m.time : std::max(rec.last, m.time);
  ++rec.count;
  state.dirty = true;

  // A window that has moved to the 5-minute tier takes late points
  // directly; otherwise the point goes to its 1-minute bucket.
  constexpr micros five = 5 * usec_per_min;
  auto window = floor_to(m.time, five);
  auto key = window + five <= watermark_
               ? std::make_tuple(1, rec.num, window)
               : std::make_tuple(0, rec.num, floor_to(m.time, usec_per_min));
  deltas_[key].add(m.temperature_c, m.conductivity_us_cm);
  return {};
}

caf::expected<ingest_outcome>
write_path::apply(const ingest_request& request) {
  ingest_outcome out;
  std::vector<bool> fresh(request.points.size(), false);
  auto conflict = first_conflict(request, fresh);
  if (!conflict)
    return conflict.error();
  if (*conflict) {
    const auto& m = request.points[**conflict];
    problem p;
    p.code = errc::conflict;
    p.message = "sensor " + m.sensor_id + " already has a measurement at "
                + format_timestamp(m.time) + " with other values";
    if (request.batch)
      p.index = **conflict;
    out.error = std::move(p);
    return out;
  }
  for (std::size_t i = 0; i < request.points.size(); ++i) {
    if (!fresh[i]) {
      ++out.duplicates;
      if (!request.batch) {
        const auto& m = request.points[i];
        auto st = sensor(m.sensor_id);
        if (!st)
          return st.error();
        auto found = txn_.find_raw((*st)->record->num, m.time);
        if (!found)
          return found.error();
        out.stored = *found;
      }
      continue;
    }
    if (auto err = store(request.points[i]))
      return err;
    ++out.accepted;
  }
  return out;
}

caf::error write_path::finish() {
  for (const auto& [key, delta] : deltas_) {
    auto t = static_cast<tier>(std::get<0>(key));
    auto num = std::get<1>(key);
    auto start = std::get<2>(key);
    auto existing = txn_.find_bucket(t, num, start);
    if (!existing)
      return existing.error();
    bucket_stats merged = existing->value_or(bucket_stats{});
    merged.merge(delta);
    if (auto err = txn_.put_bucket(t, num, start, merged))
      return err;
  }
  for (const auto& [id, state] : sensors_)
    if (state.dirty)
      if (auto err = txn_.put_sensor(*state.record))
        return err;
  deltas_.clear();
  return {};
}

} // namespace aquad
