// SPDX-License-Identifier: MIT
#include "actors/rollup.hpp"

#include <vector>

namespace aquad {

namespace {

constexpr micros five_min = 5 * usec_per_min;

struct minute_bucket {
  micros start;
  bucket_stats stats;
};

// Moves one sensor's aged 1-minute buckets; adds to the report's counts.
caf::error roll_up_sensor(write_txn& txn, sensor_num num, micros target,
                          rollup_report& report) {
  std::vector<minute_bucket> aged;
  auto err = txn.scan_buckets(tier::minute, num, min_instant, target,
                              [&](micros start, const bucket_stats& s) {
                                aged.push_back({start, s});
                                return true;
                              });
  if (err)
    return err;
  for (std::size_t i = 0; i < aged.size();) {
    auto window = floor_to(aged[i].start, five_min);
    auto merged = txn.find_bucket(tier::five_minute, num, window);
    if (!merged)
      return merged.error();
    bucket_stats stats = merged->value_or(bucket_stats{});
    for (; i < aged.size() && floor_to(aged[i].start, five_min) == window;
         ++i) {
      stats.merge(aged[i].stats);
      if (auto e = txn.erase_bucket(tier::minute, num, aged[i].start))
        return e;
      ++report.minute_buckets;
    }
    if (auto e = txn.put_bucket(tier::five_minute, num, window, stats))
      return e;
    ++report.windows_moved;
  }
  return {};
}

} // namespace

micros rollup_target(micros now, micros minute_tier) {
  return floor_to(now - minute_tier, five_min);
}

caf::expected<rollup_report> roll_up(write_txn& txn, micros target) {
  rollup_report report;
  auto current = txn.watermark();
  if (!current)
    return current.error();
  report.watermark_before = report.watermark_after = *current;
  if (*current >= target)
    return report;

  std::vector<sensor_num> nums;
  auto err = txn.each_sensor([&](const sensor_record& r) {
    nums.push_back(r.num);
    return true;
  });
  if (err)
    return err;
  for (auto num : nums)
    if (auto e = roll_up_sensor(txn, num, target, report))
      return e;
  if (auto e = txn.set_watermark(target))
    return e;
  report.watermark_after = target;
  return report;
}

} // namespace aquad
