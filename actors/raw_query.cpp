// SPDX-License-Identifier: MIT
#include "actors/raw_query.hpp"

#include <algorithm>

#include "common/errc.hpp"

namespace aquad {

caf::expected<raw_result> read_raw_page(read_view& view,
                                        const raw_request& req) {
  auto sensor = read_sensor(view, req.sensor_id);
  if (!sensor)
    return sensor.error();
  raw_result out{req.sensor_id, req.from, req.to, req.descending, {}, false};

  auto from = req.from;
  auto to = req.to;
  if (req.after) {
    if (req.descending)
      to = std::min(to, *req.after);
    else
      from = std::max(from, *req.after + 1);
  }
  // One point past the page tells whether another page follows.
  out.points.reserve(std::min<std::uint64_t>(req.limit + 1, 4096));
  auto err = view.scan_raw(sensor->num, from, to, req.descending,
                           [&](const raw_point& p) {
                             out.points.push_back(p);
                             return out.points.size() <= req.limit;
                           });
  if (err)
    return err;
  if (out.points.size() > req.limit) {
    out.points.pop_back();
    out.more = true;
  }
  return out;
}

caf::expected<sensor_record> read_sensor(read_view& view,
                                         const std::string& id) {
  auto found = view.find_sensor(id);
  if (!found)
    return found.error();
  if (!*found)
    return make_error(errc::unknown_sensor,
                      "sensor " + id + " has never reported");
  return std::move(**found);
}

caf::expected<std::vector<sensor_record>> read_sensors(read_view& view) {
  std::vector<sensor_record> out;
  auto err = view.each_sensor([&](const sensor_record& r) {
    out.push_back(r);
    return true;
  });
  if (err)
    return err;
  return out;
}

} // namespace aquad
