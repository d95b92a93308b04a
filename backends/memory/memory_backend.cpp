// SPDX-License-Identifier: MIT
#include "backends/memory/memory_backend.hpp"

#include <map>
#include <mutex>
#include <shared_mutex>
#include <vector>

#include "common/errc.hpp"

namespace aquad {

namespace {

using series = std::map<micros, raw_point>;
using bucket_map = std::map<micros, bucket_stats>;

struct memory_state {
  std::map<std::string, sensor_record, std::less<>> sensors;
  std::map<sensor_num, series> raw;
  std::map<sensor_num, bucket_map> buckets[2];
  std::uint64_t bucket_counts[2] = {0, 0};
  micros watermark = min_instant;
  sensor_num next_num = 0;
  std::uint64_t raw_count = 0;
};

struct shared_store {
  std::shared_mutex lock;
  memory_state state;
};

// Reads over a state, shared by the read view and the write transaction;
// the derived class holds the lock that keeps the state still.
template <class Base>
class memory_reader : public Base {
public:
  explicit memory_reader(memory_state& s) : s_(s) {}

  caf::expected<std::optional<sensor_record>>
  find_sensor(std::string_view id) override {
    auto i = s_.sensors.find(id);
    if (i == s_.sensors.end())
      return std::optional<sensor_record>{};
    return std::optional<sensor_record>{i->second};
  }

  caf::error each_sensor(const sensor_visitor& visit) override {
    for (const auto& entry : s_.sensors)
      if (!visit(entry.second))
        break;
    return {};
  }

  caf::expected<std::optional<raw_point>> find_raw(sensor_num n,
                                                   micros t) override {
    auto s = s_.raw.find(n);
    if (s == s_.raw.end())
      return std::optional<raw_point>{};
    auto p = s->second.find(t);
    if (p == s->second.end())
      return std::optional<raw_point>{};
    return std::optional<raw_point>{p->second};
  }

  caf::error scan_raw(sensor_num n, micros from, micros to, bool descending,
                      const raw_visitor& visit) override {
    auto s = s_.raw.find(n);
    if (s == s_.raw.end() || from >= to)
      return {};
    auto lo = s->second.lower_bound(from);
    auto hi = s->second.lower_bound(to);
    if (!descending) {
      for (auto i = lo; i != hi; ++i)
        if (!visit(i->second))
          break;
    } else {
      for (auto i = hi; i != lo;)
        if (!visit((--i)->second))
          break;
    }
    return {};
  }

  caf::error scan_buckets(tier t, sensor_num n, micros from, micros to,
                          const bucket_visitor& visit) override {
    auto& by_sensor = s_.buckets[static_cast<int>(t)];
    auto s = by_sensor.find(n);
    if (s == by_sensor.end() || from >= to)
      return {};
    auto end = s->second.lower_bound(to);
    for (auto i = s->second.lower_bound(from); i != end; ++i)
      if (!visit(i->first, i->second))
        break;
    return {};
  }

  caf::expected<std::optional<bucket_stats>>
  find_bucket(tier t, sensor_num n, micros start) override {
    auto& by_sensor = s_.buckets[static_cast<int>(t)];
    auto s = by_sensor.find(n);
    if (s == by_sensor.end())
      return std::optional<bucket_stats>{};
    auto b = s->second.find(start);
    if (b == s->second.end())
      return std::optional<bucket_stats>{};
    return std::optional<bucket_stats>{b->second};
  }

  caf::expected<micros> watermark() override {
    return s_.watermark;
  }

  caf::expected<std::uint64_t> bucket_count(tier t) override {
    return s_.bucket_counts[static_cast<int>(t)];
  }

protected:
  memory_state& s_;
};

class memory_read_view final : public memory_reader<read_view> {
public:
  explicit memory_read_view(std::shared_ptr<shared_store> store)
    : memory_reader(store->state), store_(std::move(store)),
      guard_(store_->lock) {}

private:
  std::shared_ptr<shared_store> store_;
  std::shared_lock<std::shared_mutex> guard_;
};

// Writes go straight into the shared state under the exclusive lock; an
// undo log restores it when the transaction ends without a commit.
class memory_write_txn final : public memory_reader<write_txn> {
public:
  explicit memory_write_txn(std::shared_ptr<shared_store> store)
    : memory_reader(store->state), store_(std::move(store)),
      guard_(store_->lock) {}

  ~memory_write_txn() override {
    if (!committed_)
      for (auto i = undo_.rbegin(); i != undo_.rend(); ++i)
        (*i)();
  }

  caf::expected<sensor_num> allocate_sensor_num() override {
    auto n = s_.next_num++;
    undo_.push_back([this] { --s_.next_num; });
    return n;
  }

  caf::error put_sensor(const sensor_record& record) override {
    auto [it, inserted] = s_.sensors.try_emplace(record.id, record);
    if (inserted) {
      undo_.push_back([this, id = record.id] { s_.sensors.erase(id); });
    } else {
      undo_.push_back(
        [this, old = it->second] { s_.sensors[old.id] = old; });
      it->second = record;
    }
    return {};
  }

  caf::error put_raw(sensor_num n, const raw_point& p) override {
    auto& s = s_.raw[n];
    auto [it, inserted] = s.try_emplace(p.time, p);
    if (inserted) {
      ++s_.raw_count;
      undo_.push_back([this, n, t = p.time] {
        s_.raw[n].erase(t);
        --s_.raw_count;
      });
    } else {
      undo_.push_back([this, n, old = it->second] { s_.raw[n][old.time] = old; });
      it->second = p;
    }
    return {};
  }

  caf::error put_bucket(tier t, sensor_num n, micros start,
                        const bucket_stats& stats) override {
    int k = static_cast<int>(t);
    auto& map = s_.buckets[k][n];
    auto [it, inserted] = map.try_emplace(start, stats);
    if (inserted) {
      ++s_.bucket_counts[k];
      undo_.push_back([this, k, n, start] {
        s_.buckets[k][n].erase(start);
        --s_.bucket_counts[k];
      });
    } else {
      undo_.push_back([this, k, n, start, old = it->second] {
        s_.buckets[k][n][start] = old;
      });
      it->second = stats;
    }
    return {};
  }

  caf::error erase_bucket(tier t, sensor_num n, micros start) override {
    int k = static_cast<int>(t);
    auto& map = s_.buckets[k][n];
    auto it = map.find(start);
    if (it == map.end())
      return {};
    undo_.push_back([this, k, n, start, old = it->second] {
      s_.buckets[k][n][start] = old;
      ++s_.bucket_counts[k];
    });
    map.erase(it);
    --s_.bucket_counts[k];
    return {};
  }

  caf::error set_watermark(micros w) override {
    undo_.push_back([this, old = s_.watermark] { s_.watermark = old; });
    s_.watermark = w;
    return {};
  }

  caf::error commit() override {
    committed_ = true;
    undo_.clear();
    return {};
  }

private:
  std::shared_ptr<shared_store> store_;
  std::unique_lock<std::shared_mutex> guard_;
  std::vector<std::function<void()>> undo_;
  bool committed_ = false;
};

class memory_backend final : public storage_backend {
public:
  const char* name() const override {
    return "memory";
  }

  caf::expected<std::unique_ptr<read_view>> begin_read() override {
    return std::unique_ptr<read_view>{new memory_read_view(store_)};
  }

  caf::expected<std::unique_ptr<write_txn>> begin_write() override {
    return std::unique_ptr<write_txn>{new memory_write_txn(store_)};
  }

  std::uint64_t size_bytes() override {
    std::shared_lock<std::shared_mutex> guard{store_->lock};
    const auto& s = store_->state;
    // An estimate: payload plus a typical red-black tree node overhead.
    constexpr std::uint64_t node = 48;
    return s.raw_count * (sizeof(raw_point) + node)
           + (s.bucket_counts[0] + s.bucket_counts[1])
               * (sizeof(bucket_stats) + node)
           + s.sensors.size() * (sizeof(sensor_record) + node);
  }

  caf::error copy_to(const std::string&) override {
    return make_error(errc::storage_unavailable,
                      "the memory backend has nothing on disk to copy");
  }

private:
  std::shared_ptr<shared_store> store_ = std::make_shared<shared_store>();
};

} // namespace

std::shared_ptr<storage_backend> make_memory_backend() {
  return std::make_shared<memory_backend>();
}

} // namespace aquad
