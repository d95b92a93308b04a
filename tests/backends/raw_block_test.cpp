// SPDX-License-Identifier: MIT
#include <doctest/doctest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>

#include <lmdb++.h>

#include "backends/lmdb/block_store.hpp"
#include "backends/lmdb/raw_block.hpp"
#include "support/temp_dir.hpp"

using namespace aquad;

namespace {

bool same_bits(double a, double b) {
  return std::memcmp(&a, &b, sizeof a) == 0;
}

void round_trip(const std::vector<raw_point>& pts) {
  auto bytes = encode_block(pts);
  std::vector<raw_point> back;
  REQUIRE(decode_block(pts.front().time, bytes.data(), bytes.size(), back));
  REQUIRE(back.size() == pts.size());
  for (std::size_t i = 0; i < pts.size(); ++i) {
    INFO("point " << i << " " << pts[i].temperature_c << " "
                  << pts[i].conductivity_us_cm);
    CHECK(back[i].time == pts[i].time);
    CHECK(same_bits(back[i].temperature_c, pts[i].temperature_c));
    CHECK(same_bits(back[i].conductivity_us_cm, pts[i].conductivity_us_cm));
  }
}

// Simulator-like readings: 2 Hz with millisecond jitter, one-decimal
// temperatures and integer conductivities.
std::vector<raw_point> noisy(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng{seed};
  std::uniform_int_distribution<int> temp{200, 300}, cond{1000, 3000};
  std::uniform_int_distribution<micros> jitter{-3000, 3000};
  std::vector<raw_point> pts;
  micros t = 1'796'342'400LL * usec_per_sec;
  for (std::size_t i = 0; i < n; ++i) {
    pts.push_back({t + jitter(rng), temp(rng) / 10.0, double(cond(rng))});
    t += usec_per_sec / 2;
  }
  return pts;
}

} // namespace

TEST_SUITE("raw_block") {

TEST_CASE("decimal scales are the shortest that round-trip exactly") {
  CHECK(decimal_scale(21.0) == 0);
  CHECK(decimal_scale(21.3) == 1);
  CHECK(decimal_scale(1500) == 0);
  CHECK(decimal_scale(-0.25) == 2);
  CHECK(decimal_scale(999999.90003) == 5);
  CHECK(decimal_scale(0.1 + 0.2) == -1);
  CHECK(decimal_scale(1e300) == -1);
  CHECK(decimal_scale(-0.0) == -1);
  CHECK(decimal_scale(std::numeric_limits<double>::denorm_min()) == -1);
}

TEST_CASE("noisy simulator data takes under 7 bytes a point") {
  auto pts = noisy(600, 1);
  auto bytes = encode_block(pts);
  MESSAGE("bytes per point: " << double(bytes.size()) / pts.size());
  CHECK(bytes.size() < 7 * pts.size());
  round_trip(pts);
}

TEST_CASE("every double comes back bit for bit, decimal or not") {
  std::mt19937_64 rng{2};
  std::uniform_real_distribution<double> any{-1e6, 1e6};
  for (int round = 0; round < 200; ++round) {
    auto pts = noisy(50, round);
    for (auto& p : pts) {
      switch (rng() % 6) {
        case 0: p.temperature_c = any(rng); break;
        case 1: p.conductivity_us_cm = 0.1 + 0.2; break;
        case 2: p.temperature_c = -1.5e-300; break;
        case 3: p.conductivity_us_cm = 999999.90003; break;
        case 4: p.temperature_c = -49.95; break;
        default: break;
      }
    }
    round_trip(pts);
  }
}

TEST_CASE("times before 1970 and irregular gaps round-trip") {
  std::vector<raw_point> pts = {{-5'000'000'000'000LL, 1, 2},
                                {-1, 1.5, 2},
                                {0, 2, 3},
                                {1, 2, 3},
                                {200'000'000'000'000LL, 3, 4}};
  round_trip(pts);
  round_trip({{42, 1, 1}});
}

TEST_CASE("a truncated block decodes what it can and reports failure") {
  auto pts = noisy(100, 3);
  auto bytes = encode_block(pts);
  for (std::size_t cut = 0; cut < bytes.size(); cut += 7) {
    std::vector<raw_point> back;
    CHECK_FALSE(decode_block(pts.front().time, bytes.data(), cut, back));
    CHECK(back.size() < pts.size());
  }
}

}

TEST_SUITE("block_store") {

namespace {

struct lmdb_fixture {
  test::temp_dir dir;
  lmdb::env env = lmdb::env::create();
  MDB_dbi dbi = 0;

  lmdb_fixture() {
    env.set_mapsize(256ULL << 20);
    env.set_max_dbs(2);
    env.open(dir.path().c_str(), MDB_NOSYNC, 0640);
    auto txn = lmdb::txn::begin(env);
    dbi = lmdb::dbi::open(txn, "raw", MDB_CREATE).handle();
    txn.commit();
  }

  std::size_t blocks() {
    auto txn = lmdb::txn::begin(env, nullptr, MDB_RDONLY);
    MDB_stat st;
    lmdb::dbi_stat(txn, dbi, &st);
    return st.ms_entries;
  }

  std::vector<raw_point> all(sensor_num s) {
    auto txn = lmdb::txn::begin(env, nullptr, MDB_RDONLY);
    std::vector<raw_point> out;
    scan_block_points(txn, dbi, s, min_instant, max_instant, false,
                      [&](const raw_point& p) {
                        out.push_back(p);
                        return true;
                      });
    return out;
  }
};

} // namespace

TEST_CASE("appends fill blocks to one overflow page each") {
  lmdb_fixture f;
  auto pts = noisy(20'000, 4);
  for (std::size_t i = 0; i < pts.size(); i += 50) {
    auto txn = lmdb::txn::begin(f.env);
    block_writer w{txn, f.dbi};
    for (std::size_t k = i; k < i + 50; ++k)
      w.put(7, pts[k]);
    w.flush();
    txn.commit();
  }
  CHECK(f.all(7).size() == pts.size());
  auto per_block = double(pts.size()) / f.blocks();
  MESSAGE("points per block: " << per_block);
  CHECK(per_block > 550);
}

TEST_CASE("backfill sent newest first still fills blocks") {
  lmdb_fixture f;
  auto pts = noisy(5'000, 5);
  for (std::size_t i = pts.size(); i > 0; i -= 10) {
    auto txn = lmdb::txn::begin(f.env);
    block_writer w{txn, f.dbi};
    for (std::size_t k = i; k > i - 10; --k)
      w.put(1, pts[k - 1]);
    w.flush();
    txn.commit();
  }
  auto back = f.all(1);
  REQUIRE(back.size() == pts.size());
  for (std::size_t i = 0; i < pts.size(); ++i)
    CHECK(back[i].time == pts[i].time);
  CHECK(f.blocks() < 20);
}

TEST_CASE("late points go into the block that covers them, once") {
  lmdb_fixture f;
  auto pts = noisy(3'000, 6);
  std::vector<raw_point> even, odd;
  for (std::size_t i = 0; i < pts.size(); ++i)
    (i % 2 ? odd : even).push_back(pts[i]);
  for (const auto* part : {&even, &odd}) {
    auto txn = lmdb::txn::begin(f.env);
    block_writer w{txn, f.dbi};
    for (const auto& p : *part)
      w.put(2, p);
    // The writer sees its own points before they are flushed.
    CHECK(w.find(2, part->back().time).has_value());
    w.flush();
    txn.commit();
  }
  auto back = f.all(2);
  REQUIRE(back.size() == pts.size());
  for (std::size_t i = 0; i < pts.size(); ++i)
    CHECK(back[i].time == pts[i].time);
  auto txn = lmdb::txn::begin(f.env, nullptr, MDB_RDONLY);
  CHECK(find_block_point(txn, f.dbi, 2, pts[1234].time)->temperature_c
        == pts[1234].temperature_c);
  CHECK_FALSE(find_block_point(txn, f.dbi, 2, pts[1234].time + 1));
  CHECK_FALSE(find_block_point(txn, f.dbi, 3, pts[1234].time));
}

}

TEST_SUITE("raw_block") {

TEST_CASE("the sizer predicts every block's encoded size exactly") {
  auto pts = noisy(300, 9);
  pts[17].temperature_c = 0.1 + 0.2; // one raw metric in some blocks
  pts[40].conductivity_us_cm = 12345.678;
  auto scales = scales_of(pts.data(), pts.data() + pts.size());
  block_sizer sizer{pts, scales};
  std::mt19937 rng{3};
  for (int k = 0; k < 500; ++k) {
    std::size_t i = rng() % pts.size();
    std::size_t j = i + 1 + rng() % (pts.size() - i);
    auto bytes = encode_block(pts.data() + i, pts.data() + j, scales);
    INFO(i << " " << j);
    CHECK(sizer.size(i, j) == bytes.size());
  }
}

}
