// SPDX-License-Identifier: MIT
// One suite, run against every backend: the contract of
// backends/storage_backend.hpp, whatever keeps the data.
#include <doctest/doctest.h>

#include <functional>

#include "backends/storage_backend.hpp"
#include "common/errc.hpp"
#include "config/config.hpp"
#include "support/temp_dir.hpp"

using namespace aquad;

namespace {

// Runs `check` once on a fresh memory store and once on a fresh LMDB store.
void each_backend(
  const std::function<void(storage_backend&, const config&)>& check) {
  for (const char* kind : {"memory", "lmdb"}) {
    test::temp_dir dir;
    config cfg;
    cfg.storage.backend = kind;
    cfg.storage.path = dir.path() + "/store";
    cfg.storage.map_size = 64ULL << 20;
    auto backend = open_backend(cfg);
    REQUIRE(backend);
    INFO("backend " << kind);
    check(**backend, cfg);
  }
}

std::unique_ptr<write_txn> writer(storage_backend& b) {
  auto txn = b.begin_write();
  REQUIRE(txn);
  return std::move(*txn);
}

std::unique_ptr<read_view> reader(storage_backend& b) {
  auto view = b.begin_read();
  REQUIRE(view);
  return std::move(*view);
}

std::vector<micros> raw_times(read_view& v, sensor_num n, micros from,
                              micros to, bool desc, std::size_t stop = 0) {
  std::vector<micros> out;
  REQUIRE_FALSE(v.scan_raw(n, from, to, desc, [&](const raw_point& p) {
    out.push_back(p.time);
    return stop == 0 || out.size() < stop;
  }));
  return out;
}

} // namespace

TEST_SUITE("backend conformance") {

TEST_CASE("a new store is empty with the watermark at the start of time") {
  each_backend([](storage_backend& b, const config&) {
    auto v = reader(b);
    CHECK(*v->watermark() == min_instant);
    CHECK(*v->bucket_count(tier::minute) == 0);
    CHECK(*v->bucket_count(tier::five_minute) == 0);
    CHECK_FALSE(v->find_sensor("s1")->has_value());
    CHECK(raw_times(*v, 0, min_instant, max_instant, false).empty());
  });
}

TEST_CASE("raw points scan in time order within one sensor only") {
  each_backend([](storage_backend& b, const config&) {
    {
      auto w = writer(b);
      // Times on both sides of 1970 and adjacent sensor numbers.
      for (micros t : {5, -7, 0, 3, -1, 9})
        REQUIRE_FALSE(w->put_raw(1, {t, double(t), 1}));
      REQUIRE_FALSE(w->put_raw(0, {4, 0, 0}));
      REQUIRE_FALSE(w->put_raw(2, {4, 0, 0}));
      REQUIRE_FALSE(w->commit());
    }
    auto v = reader(b);
    CHECK(raw_times(*v, 1, min_instant, max_instant, false)
          == std::vector<micros>{-7, -1, 0, 3, 5, 9});
    CHECK(raw_times(*v, 1, -1, 5, false) == std::vector<micros>{-1, 0, 3});
    CHECK(raw_times(*v, 1, -1, 5, true) == std::vector<micros>{3, 0, -1});
    CHECK(raw_times(*v, 1, min_instant, max_instant, true)
          == std::vector<micros>{9, 5, 3, 0, -1, -7});
    CHECK(raw_times(*v, 1, 10, 20, true).empty());
    CHECK(raw_times(*v, 1, 4, 5, false).empty());
    CHECK(raw_times(*v, 1, min_instant, max_instant, false, 2)
          == std::vector<micros>{-7, -1});
    CHECK(raw_times(*v, 1, min_instant, max_instant, true, 2)
          == std::vector<micros>{9, 5});
    auto p = v->find_raw(1, 3);
    REQUIRE(p->has_value());
    CHECK((*p)->temperature_c == 3);
    CHECK_FALSE(v->find_raw(1, 4)->has_value());
  });
}

TEST_CASE("a transaction reads its own writes and an abort discards them") {
  each_backend([](storage_backend& b, const config&) {
    {
      auto w = writer(b);
      REQUIRE_FALSE(w->put_raw(0, {1, 2, 3}));
      REQUIRE_FALSE(w->set_watermark(300));
      REQUIRE_FALSE(w->put_bucket(tier::minute, 0, 60, bucket_stats{}));
      CHECK(w->find_raw(0, 1)->has_value());
      CHECK(*w->watermark() == 300);
      CHECK(*w->bucket_count(tier::minute) == 1);
      // destroyed without commit
    }
    auto v = reader(b);
    CHECK_FALSE(v->find_raw(0, 1)->has_value());
    CHECK(*v->watermark() == min_instant);
    CHECK(*v->bucket_count(tier::minute) == 0);
  });
}

TEST_CASE("buckets are stored, found, scanned, counted and erased per tier") {
  each_backend([](storage_backend& b, const config&) {
    bucket_stats s;
    s.add(20.5, 1500);
    s.add(21.5, 1700);
    {
      auto w = writer(b);
      for (micros start : {0, 60, 120, -60})
        REQUIRE_FALSE(w->put_bucket(tier::minute, 3, start, s));
      REQUIRE_FALSE(w->put_bucket(tier::five_minute, 3, 0, s));
      REQUIRE_FALSE(w->commit());
    }
    {
      auto v = reader(b);
      CHECK(*v->bucket_count(tier::minute) == 4);
      CHECK(*v->bucket_count(tier::five_minute) == 1);
      auto got = v->find_bucket(tier::minute, 3, 60);
      REQUIRE(got->has_value());
      CHECK((*got)->count == 2);
      CHECK((*got)->temperature.sum == s.temperature.sum);
      CHECK((*got)->temperature.sum_low == s.temperature.sum_low);
      CHECK((*got)->conductivity.m2 == s.conductivity.m2);
      std::vector<micros> starts;
      REQUIRE_FALSE(v->scan_buckets(tier::minute, 3, -60, 120,
                                    [&](micros t, const bucket_stats&) {
                                      starts.push_back(t);
                                      return true;
                                    }));
      CHECK(starts == std::vector<micros>{-60, 0, 60});
      CHECK_FALSE(v->find_bucket(tier::five_minute, 3, 60)->has_value());
    }
    {
      auto w = writer(b);
      REQUIRE_FALSE(w->erase_bucket(tier::minute, 3, 60));
      REQUIRE_FALSE(w->erase_bucket(tier::minute, 3, 999)); // absent: no-op
      REQUIRE_FALSE(w->commit());
    }
    auto v = reader(b);
    CHECK(*v->bucket_count(tier::minute) == 3);
    CHECK_FALSE(v->find_bucket(tier::minute, 3, 60)->has_value());
  });
}

TEST_CASE("sensors get distinct numbers and list in id order") {
  each_backend([](storage_backend& b, const config&) {
    {
      auto w = writer(b);
      for (const char* id : {"zeta", "alpha", "mid"}) {
        auto n = w->allocate_sensor_num();
        REQUIRE(n);
        sensor_record r{id, *n, 10, 20, 2, {20, 1.5, 2.5}};
        REQUIRE_FALSE(w->put_sensor(r));
      }
      REQUIRE_FALSE(w->commit());
    }
    {
      auto w = writer(b);
      CHECK(*w->allocate_sensor_num() == 3);
    }
    auto v = reader(b);
    std::vector<std::string> ids;
    std::vector<sensor_num> nums;
    REQUIRE_FALSE(v->each_sensor([&](const sensor_record& r) {
      ids.push_back(r.id);
      nums.push_back(r.num);
      return true;
    }));
    CHECK(ids == std::vector<std::string>{"alpha", "mid", "zeta"});
    CHECK(nums == std::vector<sensor_num>{1, 2, 0});
    auto mid = v->find_sensor("mid");
    REQUIRE(mid->has_value());
    CHECK((*mid)->count == 2);
    CHECK((*mid)->latest.conductivity_us_cm == 2.5);
  });
}

TEST_CASE("a committed LMDB store is there again after reopening") {
  test::temp_dir dir;
  config cfg;
  cfg.storage.path = dir.path() + "/store";
  cfg.storage.map_size = 64ULL << 20;
  {
    auto b = open_backend(cfg);
    REQUIRE(b);
    auto w = writer(**b);
    REQUIRE_FALSE(w->put_raw(7, {42, 1, 2}));
    REQUIRE_FALSE(w->set_watermark(600));
    REQUIRE_FALSE(w->commit());
  }
  auto b = open_backend(cfg);
  REQUIRE(b);
  auto v = reader(**b);
  CHECK(v->find_raw(7, 42)->has_value());
  CHECK(*v->watermark() == 600);
  CHECK((*b)->size_bytes() > 0);
}

TEST_CASE("an LMDB store in a path that cannot be created fails clearly") {
  config cfg;
  cfg.storage.path = "/proc/aquad-cannot-exist/store";
  auto b = open_backend(cfg);
  REQUIRE_FALSE(b);
  CHECK(to_problem(b.error()).message.find(cfg.storage.path)
        != std::string::npos);
}

}
