// SPDX-License-Identifier: MIT
#include "actors/verifier.hpp"

#include <cmath>
#include <map>
#include <sstream>

namespace aquad {

namespace {

constexpr micros five_min = 5 * usec_per_min;

using bucket_set = std::map<micros, bucket_stats>;

std::string text(double v) {
  std::ostringstream os;
  os.precision(17);
  os << v;
  return os.str();
}

bool near(double a, double b) {
  return std::abs(a - b) <= 1e-9 * std::max(1.0, std::abs(b));
}

// Collects differences between one stored and one recomputed record.
class checker {
public:
  checker(verify_report& report, std::size_t max_listed)
    : report_(report), max_listed_(max_listed) {}

  void note(const std::string& sensor, const char* tier, micros start,
            const std::string& statistic, const std::string& stored,
            const std::string& recomputed) {
    found_ = true;
    if (report_.mismatches.size() < max_listed_)
      report_.mismatches.push_back(
        {sensor, tier, start, statistic, stored, recomputed});
  }

  // True when the two differ; each difference is noted.
  bool compare(const std::string& sensor, const char* tier, micros start,
               const bucket_stats* stored, const bucket_stats* want) {
    found_ = false;
    if (stored == nullptr || want == nullptr) {
      note(sensor, tier, start, "count",
           stored ? std::to_string(stored->count) : "absent",
           want ? std::to_string(want->count) : "absent");
      return true;
    }
    if (stored->count != want->count) {
      note(sensor, tier, start, "count", std::to_string(stored->count),
           std::to_string(want->count));
      return true;
    }
    metric(sensor, tier, start, "temperature", stored->temperature,
           want->temperature, want->count);
    metric(sensor, tier, start, "conductivity", stored->conductivity,
           want->conductivity, want->count);
    return found_;
  }

private:
  void metric(const std::string& sensor, const char* tier, micros start,
              const std::string& name, const metric_stats& got,
              const metric_stats& want, std::uint64_t n) {
    if (got.min != want.min)
      note(sensor, tier, start, name + ".min", text(got.min), text(want.min));
    if (got.max != want.max)
      note(sensor, tier, start, name + ".max", text(got.max), text(want.max));
    if (!near(got.mean(n), want.mean(n)))
      note(sensor, tier, start, name + ".mean", text(got.mean(n)),
           text(want.mean(n)));
    auto sg = sample_stddev(got, n).value_or(0);
    auto sw = sample_stddev(want, n).value_or(0);
    if (!near(sg, sw))
      note(sensor, tier, start, name + ".stddev", text(sg), text(sw));
  }

  verify_report& report_;
  std::size_t max_listed_;
  bool found_ = false;
};

struct recomputed {
  bucket_set tiers[2];
  sensor_record record;
};

caf::expected<recomputed> recompute(read_view& view, const sensor_record& s,
                                    micros watermark,
                                    std::uint64_t& points) {
  recomputed out;
  out.record = s;
  out.record.count = 0;
  auto err = view.scan_raw(s.num, min_instant, max_instant, false,
                           [&](const raw_point& p) {
                             auto window = floor_to(p.time, five_min);
                             if (window + five_min <= watermark)
                               out.tiers[1][window].add(p.temperature_c,
                                                        p.conductivity_us_cm);
                             else
                               out.tiers[0][floor_to(p.time, usec_per_min)]
                                 .add(p.temperature_c, p.conductivity_us_cm);
                             auto& r = out.record;
                             if (r.count == 0)
                               r.first = p.time;
                             r.last = p.time;
                             r.latest = p;
                             ++r.count;
                             ++points;
                             return true;
                           });
  if (err)
    return err;
  return out;
}

caf::expected<bucket_set> stored_buckets(read_view& view, tier t,
                                         sensor_num num) {
  bucket_set out;
  auto err = view.scan_buckets(t, num, min_instant, max_instant,
                               [&](micros start, const bucket_stats& b) {
                                 out.emplace(start, b);
                                 return true;
                               });
  if (err)
    return err;
  return out;
}

bool record_differs(checker& c, const sensor_record& got,
                    const sensor_record& want) {
  bool differs = false;
  auto check = [&](const char* what, micros a, micros b) {
    if (a != b) {
      c.note(got.id, "sensor", 0, what, std::to_string(a),
             std::to_string(b));
      differs = true;
    }
  };
  check("count", static_cast<micros>(got.count),
        static_cast<micros>(want.count));
  if (want.count > 0) {
    check("first", got.first, want.first);
    check("last", got.last, want.last);
    check("latest", got.latest.time, want.latest.time);
  }
  return differs;
}

// Checks (and with `fix`, repairs) one sensor's buckets and record.
caf::error verify_sensor(read_view& view, write_txn* fix,
                         const sensor_record& s, micros watermark,
                         checker& c, verify_report& report) {
  auto want = recompute(view, s, watermark, report.points);
  if (!want)
    return want.error();
  for (auto t : {tier::minute, tier::five_minute}) {
    const char* name = t == tier::minute ? "1m" : "5m";
    auto have = stored_buckets(view, t, s.num);
    if (!have)
      return have.error();
    auto& expected = want->tiers[static_cast<int>(t)];
    report.buckets += have->size();
    // Every start present on either side, in order.
    std::map<micros, int> starts;
    for (auto& [k, v] : *have)
      starts[k] |= 1;
    for (auto& [k, v] : expected)
      starts[k] |= 2;
    for (auto [start, side] : starts) {
      auto* got = side & 1 ? &have->at(start) : nullptr;
      auto* exp = side & 2 ? &expected.at(start) : nullptr;
      if (!c.compare(s.id, name, start, got, exp))
        continue;
      ++report.mismatched_records;
      if (fix == nullptr)
        continue;
      auto err = exp ? fix->put_bucket(t, s.num, start, *exp)
                     : fix->erase_bucket(t, s.num, start);
      if (err)
        return err;
    }
  }
  if (record_differs(c, s, want->record)) {
    ++report.mismatched_records;
    if (fix != nullptr)
      if (auto err = fix->put_sensor(want->record))
        return err;
  }
  return {};
}

} // namespace

caf::expected<verify_report> verify_store(storage_backend& backend,
                                          bool repair,
                                          std::size_t max_listed) {
  verify_report report;
  checker c{report, max_listed};
  // A repair reads and writes in the one write transaction, so nothing
  // can change between the check and the fix.
  std::unique_ptr<read_view> view;
  std::unique_ptr<write_txn> txn;
  if (repair) {
    auto w = backend.begin_write();
    if (!w)
      return w.error();
    txn = std::move(*w);
  } else {
    auto r = backend.begin_read();
    if (!r)
      return r.error();
    view = std::move(*r);
  }
  read_view& v = txn ? static_cast<read_view&>(*txn) : *view;

  auto watermark = v.watermark();
  if (!watermark)
    return watermark.error();
  std::vector<sensor_record> sensors;
  auto err = v.each_sensor([&](const sensor_record& s) {
    sensors.push_back(s);
    return true;
  });
  if (err)
    return err;
  for (const auto& s : sensors) {
    ++report.sensors;
    if (auto e = verify_sensor(v, txn.get(), s, *watermark, c, report))
      return e;
  }
  if (txn && report.mismatched_records > 0) {
    if (auto e = txn->commit())
      return e;
    report.repaired = true;
  }
  return report;
}

} // namespace aquad
