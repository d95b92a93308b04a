// SPDX-License-Identifier: MIT
#include "actors/stats_query.hpp"

#include <algorithm>

#include "common/errc.hpp"

namespace aquad {

namespace {

constexpr micros five_min = 5 * usec_per_min;

// Cells of the answer grid in ascending order; points and stored buckets
// arrive in time order, so each lands in the last cell or a new one.
class cell_builder {
public:
  explicit cell_builder(micros width) : width_(width) {}

  void add(micros t, const bucket_stats& s) {
    auto start = floor_to(t, width_);
    if (cells_.empty() || cells_.back().start != start)
      cells_.push_back({start, start + width_, {}});
    cells_.back().stats.merge(s);
  }

  void add_point(const raw_point& p) {
    bucket_stats one;
    one.add(p.temperature_c, p.conductivity_us_cm);
    add(p.time, one);
  }

  std::vector<stats_bucket>& cells() { return cells_; }

private:
  micros width_;
  std::vector<stats_bucket> cells_;
};

caf::error add_raw(read_view& view, sensor_num num, micros from, micros to,
                   cell_builder& cells) {
  return view.scan_raw(num, from, to, false, [&](const raw_point& p) {
    cells.add_point(p);
    return true;
  });
}

// Adds [from, to) of one tier's region: whole stored buckets where they fit,
// raw points for the cut ends.
caf::error add_region(read_view& view, sensor_num num, tier t, micros from,
                      micros to, cell_builder& cells) {
  auto w = tier_width(t);
  auto inner_from = ceil_to(from, w);
  auto inner_to = floor_to(to, w);
  if (inner_from >= inner_to)
    return add_raw(view, num, from, to, cells);
  if (auto err = add_raw(view, num, from, inner_from, cells))
    return err;
  auto err = view.scan_buckets(t, num, inner_from, inner_to,
                               [&](micros start, const bucket_stats& s) {
                                 cells.add(start, s);
                                 return true;
                               });
  if (err)
    return err;
  return add_raw(view, num, inner_to, to, cells);
}

std::vector<stats_bucket> with_empty_cells(std::vector<stats_bucket> found,
                                           micros from, micros to,
                                           micros width) {
  std::vector<stats_bucket> all;
  auto next = found.begin();
  for (auto c = floor_to(from, width); c < to; c += width) {
    if (next != found.end() && next->start == c)
      all.push_back(*next++);
    else
      all.push_back({c, c + width, {}});
  }
  return all;
}

caf::error too_many(std::uint64_t cells, std::uint64_t limit) {
  return make_error(errc::too_many_buckets,
                    "the range holds " + std::to_string(cells)
                      + " buckets at this resolution; the limit "
                        "(query.max_buckets) is "
                      + std::to_string(limit));
}

// Picks the width and checks the limits; returns 0 for raw.
caf::expected<micros> choose_width(const stats_request& req,
                                   micros watermark) {
  if (req.how == stats_request::mode::raw)
    return micros{0};
  micros width = req.width;
  if (req.how == stats_request::mode::automatic) {
    width = usec_per_day;
    for (auto w : resolution_ladder()) {
      if (w == usec_per_min && req.from < watermark)
        continue;
      if (grid_cells(req.from, req.to, w) <= req.max_points) {
        width = w;
        break;
      }
    }
  } else if (width == usec_per_min && req.from < watermark) {
    return make_error(errc::resolution_unavailable,
                      "1m buckets are kept only from "
                        + format_timestamp(watermark)
                        + " on; for this range use 5m, 15m, 30m, 1h, 3h, "
                          "6h, 12h, 1d or raw");
  }
  auto cells = grid_cells(req.from, req.to, width);
  bool bounded = req.how == stats_request::mode::automatic && !req.fill;
  if (!bounded && cells > req.max_buckets)
    return too_many(cells, req.max_buckets);
  return width;
}

} // namespace

const std::vector<micros>& resolution_ladder() {
  static const std::vector<micros> ladder = {
    usec_per_min,      five_min,          15 * usec_per_min,
    30 * usec_per_min, usec_per_hour,     3 * usec_per_hour,
    6 * usec_per_hour, 12 * usec_per_hour, usec_per_day};
  return ladder;
}

std::string resolution_name(micros width) {
  return width == 0 ? "raw" : format_duration(width);
}

std::optional<micros> parse_resolution(const std::string& text) {
  for (auto w : resolution_ladder())
    if (format_duration(w) == text)
      return w;
  return std::nullopt;
}

std::uint64_t grid_cells(micros from, micros to, micros width) {
  auto first = floor_to(from, width);
  auto last = floor_to(to - 1, width);
  return static_cast<std::uint64_t>((last - first) / width) + 1;
}

caf::expected<stats_result> compute_stats(read_view& view,
                                          const stats_request& req) {
  auto sensor = view.find_sensor(req.sensor_id);
  if (!sensor)
    return sensor.error();
  if (!*sensor)
    return make_error(errc::unknown_sensor,
                      "sensor " + req.sensor_id + " has never reported");
  auto num = (*sensor)->num;
  auto watermark = view.watermark();
  if (!watermark)
    return watermark.error();
  auto width = choose_width(req, *watermark);
  if (!width)
    return width.error();

  stats_result out{req.sensor_id, req.from, req.to, resolution_name(*width),
                   {},            {}};
  if (*width == 0) {
    // One bucket spanning the whole range, from raw points alone.
    bucket_stats all;
    auto err = view.scan_raw(num, req.from, req.to, false,
                             [&](const raw_point& p) {
                               all.add(p.temperature_c, p.conductivity_us_cm);
                               return true;
                             });
    if (err)
      return err;
    if (!all.empty() || req.fill)
      out.buckets.push_back({req.from, req.to, all});
  } else {
    cell_builder cells{*width};
    auto split = std::clamp(*watermark, req.from, req.to);
    if (req.from < split)
      if (auto err = add_region(view, num, tier::five_minute, req.from, split,
                                cells))
        return err;
    if (split < req.to)
      if (auto err = add_region(view, num, tier::minute, split, req.to,
                                cells))
        return err;
    out.buckets = std::move(cells.cells());
    if (req.fill)
      out.buckets = with_empty_cells(std::move(out.buckets), req.from,
                                     req.to, *width);
  }

  std::vector<bucket_stats> parts;
  parts.reserve(out.buckets.size());
  for (auto& b : out.buckets) {
    b.start = std::max(b.start, req.from);
    b.end = std::min(b.end, req.to);
    parts.push_back(b.stats);
  }
  out.summary = merge_all(std::move(parts));
  return out;
}

} // namespace aquad
