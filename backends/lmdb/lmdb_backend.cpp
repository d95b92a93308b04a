// SPDX-License-Identifier: MIT
#include "backends/lmdb/lmdb_backend.hpp"

#include <cstring>
#include <cerrno>
#include <filesystem>
#include <mutex>
#include <shared_mutex>
#include <sys/statvfs.h>
#include <unistd.h>

#include <lmdb++.h>

#include "backends/lmdb/block_store.hpp"
#include "backends/lmdb/lmdb_codec.hpp"
#include "common/errc.hpp"
#include "common/log.hpp"

namespace aquad {

namespace {

struct tables {
  MDB_dbi raw;
  MDB_dbi buckets[2];
  MDB_dbi sensors;
  MDB_dbi meta;
};

constexpr std::string_view watermark_key = "watermark";
constexpr std::string_view next_sensor_key = "next_sensor";
constexpr std::string_view format_key = "format";

// The layout of docs/storage.md; a store of another layout is refused
// rather than misread.
constexpr std::uint32_t store_format = 2;

// lmdb++ reports failures by throwing; every call into it goes through
// here and comes back as an errc value.
template <class F>
caf::error guarded(F&& f) {
  try {
    f();
    return {};
  } catch (const lmdb::map_full_error&) {
    return make_error(errc::storage_full, "the LMDB map is full");
  } catch (const lmdb::error& e) {
    if (e.code() == ENOSPC)
      return make_error(errc::storage_full,
                        "the disk holding the store is full");
    return make_error(errc::storage_unavailable,
                      std::string{"LMDB: "} + e.what());
  }
}

// True when the file system of the store has less than 4 MiB free.
bool disk_nearly_full(MDB_env* env) {
  const char* path = nullptr;
  struct statvfs fs{};
  if (mdb_env_get_path(env, &path) != 0 || path == nullptr
      || ::statvfs(path, &fs) != 0)
    return false;
  return static_cast<std::uint64_t>(fs.f_bavail) * fs.f_frsize < (4u << 20);
}

// An MDB transaction that is aborted unless committed. lmdb++'s own
// wrapper keeps its handle when a commit fails, and then aborts the
// transaction LMDB has already freed: a disk-full commit corrupted the
// heap that way. Here the handle is gone after a commit, whatever its
// result.
class txn_handle {
public:
  explicit txn_handle(MDB_txn* txn) : txn_(txn) {}
  txn_handle(txn_handle&& other) noexcept : txn_(other.txn_) {
    other.txn_ = nullptr;
  }
  txn_handle& operator=(txn_handle&&) = delete;
  ~txn_handle() {
    if (txn_ != nullptr)
      mdb_txn_abort(txn_);
  }

  static txn_handle begin(MDB_env* env, unsigned flags) {
    MDB_txn* raw = nullptr;
    if (int rc = mdb_txn_begin(env, nullptr, flags, &raw); rc != 0)
      lmdb::error::raise("mdb_txn_begin", rc);
    return txn_handle{raw};
  }

  void commit() {
    MDB_txn* txn = txn_;
    txn_ = nullptr;
    if (int rc = mdb_txn_commit(txn); rc != 0)
      lmdb::error::raise("mdb_txn_commit", rc);
  }

  MDB_env* env() const { return mdb_txn_env(txn_); }
  operator MDB_txn*() const { return txn_; }

private:
  MDB_txn* txn_;
};

// Held by every open transaction of this process; a map resize takes it
// exclusively, since LMDB resizes only with no transaction active.
using resize_guard = std::shared_lock<std::shared_mutex>;

MDB_val as_val(const void* data, std::size_t size) {
  return MDB_val{size, const_cast<void*>(data)};
}

MDB_val as_val(std::string_view s) {
  return as_val(s.data(), s.size());
}

// Reads over one MDB transaction; shared by views and the writer.
template <class Base>
class lmdb_reader : public Base {
public:
  lmdb_reader(resize_guard guard, txn_handle txn, const tables& t)
    : guard_(std::move(guard)), txn_(std::move(txn)), t_(t) {}

  caf::expected<std::optional<sensor_record>>
  find_sensor(std::string_view id) override {
    std::optional<sensor_record> out;
    auto err = guarded([&] {
      MDB_val key = as_val(id), val;
      if (lmdb::dbi_get(txn_, t_.sensors, &key, &val))
        out = decode_sensor(id, val.mv_data, val.mv_size);
    });
    if (err)
      return err;
    return out;
  }

  caf::error each_sensor(const sensor_visitor& visit) override {
    return guarded([&] {
      auto cur = lmdb::cursor::open(txn_, t_.sensors);
      MDB_val key, val;
      for (bool ok = lmdb::cursor_get(cur, &key, &val, MDB_FIRST); ok;
           ok = lmdb::cursor_get(cur, &key, &val, MDB_NEXT)) {
        std::string_view id{static_cast<const char*>(key.mv_data),
                            key.mv_size};
        if (!visit(decode_sensor(id, val.mv_data, val.mv_size)))
          break;
      }
    });
  }

  caf::expected<std::optional<raw_point>> find_raw(sensor_num n,
                                                   micros t) override {
    std::optional<raw_point> out;
    auto err = guarded([&] { out = find_block_point(txn_, t_.raw, n, t); });
    if (err)
      return err;
    return out;
  }

  caf::error scan_raw(sensor_num n, micros from, micros to, bool descending,
                      const raw_visitor& visit) override {
    if (from >= to)
      return {};
    return guarded([&] {
      scan_block_points(txn_, t_.raw, n, from, to, descending, visit);
    });
  }

  caf::error scan_buckets(tier tr, sensor_num n, micros from, micros to,
                          const bucket_visitor& visit) override {
    if (from >= to)
      return {};
    return guarded([&] {
      walk_up(t_.buckets[static_cast<int>(tr)], n, from, to,
              [&](micros start, const MDB_val& val) {
                return visit(start, decode_bucket(val.mv_data, val.mv_size));
              });
    });
  }

  caf::expected<std::optional<bucket_stats>>
  find_bucket(tier tr, sensor_num n, micros start) override {
    std::optional<bucket_stats> out;
    auto err = guarded([&] {
      series_key k{n, start};
      MDB_val key = as_val(k.bytes, sizeof k.bytes), val;
      if (lmdb::dbi_get(txn_, t_.buckets[static_cast<int>(tr)], &key, &val))
        out = decode_bucket(val.mv_data, val.mv_size);
    });
    if (err)
      return err;
    return out;
  }

  caf::expected<micros> watermark() override {
    micros out = min_instant;
    auto err = guarded([&] {
      MDB_val key = as_val(watermark_key), val;
      if (lmdb::dbi_get(txn_, t_.meta, &key, &val)
          && val.mv_size == sizeof(micros))
        std::memcpy(&out, val.mv_data, sizeof out);
    });
    if (err)
      return err;
    return out;
  }

  caf::expected<std::uint64_t> bucket_count(tier tr) override {
    MDB_stat st{};
    auto err = guarded([&] {
      lmdb::dbi_stat(txn_, t_.buckets[static_cast<int>(tr)], &st);
    });
    if (err)
      return err;
    return static_cast<std::uint64_t>(st.ms_entries);
  }

protected:
  // Visits keys of sensor `n` with time in [from, to), ascending.
  template <class F>
  void walk_up(MDB_dbi dbi, sensor_num n, micros from, micros to, F&& f) {
    auto cur = lmdb::cursor::open(txn_, dbi);
    series_key k{n, from};
    MDB_val key = as_val(k.bytes, sizeof k.bytes), val;
    for (bool ok = lmdb::cursor_get(cur, &key, &val, MDB_SET_RANGE); ok;
         ok = lmdb::cursor_get(cur, &key, &val, MDB_NEXT)) {
      auto pos = series_key::decode(key.mv_data, key.mv_size);
      if (pos.sensor != n || pos.time >= to || !f(pos.time, val))
        break;
    }
  }

  resize_guard guard_; // released after the transaction ends
  txn_handle txn_;
  const tables& t_;
};

class lmdb_read_view final : public lmdb_reader<read_view> {
public:
  lmdb_read_view(std::shared_ptr<void> keep, resize_guard guard,
                 txn_handle txn, const tables& t)
    : lmdb_reader(std::move(guard), std::move(txn), t),
      keep_(std::move(keep)) {}

private:
  std::shared_ptr<void> keep_; // keeps the environment open
};

class lmdb_write_txn final : public lmdb_reader<write_txn> {
public:
  lmdb_write_txn(std::shared_ptr<void> keep, resize_guard guard,
                 txn_handle txn, const tables& t)
    : lmdb_reader(std::move(guard), std::move(txn), t),
      keep_(std::move(keep)), blocks_(txn_, t_.raw) {}

  // Raw points go through the cache of decoded blocks; a scan first writes
  // the cache out so that LMDB holds every point.
  caf::expected<std::optional<raw_point>> find_raw(sensor_num n,
                                                   micros t) override {
    std::optional<raw_point> out;
    auto err = guarded([&] { out = blocks_.find(n, t); });
    if (err)
      return err;
    return out;
  }

  caf::error scan_raw(sensor_num n, micros from, micros to, bool descending,
                      const raw_visitor& visit) override {
    if (auto err = guarded([&] { blocks_.flush(); }))
      return err;
    return lmdb_reader::scan_raw(n, from, to, descending, visit);
  }

  caf::expected<sensor_num> allocate_sensor_num() override {
    sensor_num next = 0;
    auto err = guarded([&] {
      MDB_val key = as_val(next_sensor_key), val;
      if (lmdb::dbi_get(txn_, t_.meta, &key, &val)
          && val.mv_size == sizeof next)
        std::memcpy(&next, val.mv_data, sizeof next);
      sensor_num after = next + 1;
      MDB_val nv = as_val(&after, sizeof after);
      lmdb::dbi_put(txn_, t_.meta, &key, &nv, 0);
    });
    if (err)
      return err;
    return next;
  }

  caf::error put_sensor(const sensor_record& r) override {
    return guarded([&] {
      auto bytes = encode_sensor(r);
      MDB_val key = as_val(r.id), val = as_val(bytes.data(), bytes.size());
      lmdb::dbi_put(txn_, t_.sensors, &key, &val, 0);
    });
  }

  caf::error put_raw(sensor_num n, const raw_point& p) override {
    return guarded([&] { blocks_.put(n, p); });
  }

  caf::error put_bucket(tier tr, sensor_num n, micros start,
                        const bucket_stats& stats) override {
    return guarded([&] {
      series_key k{n, start};
      auto bytes = encode_bucket(stats);
      MDB_val key = as_val(k.bytes, sizeof k.bytes),
              val = as_val(bytes.data(), bytes.size());
      lmdb::dbi_put(txn_, t_.buckets[static_cast<int>(tr)], &key, &val, 0);
    });
  }

  caf::error erase_bucket(tier tr, sensor_num n, micros start) override {
    return guarded([&] {
      series_key k{n, start};
      MDB_val key = as_val(k.bytes, sizeof k.bytes);
      lmdb::dbi_del(txn_, t_.buckets[static_cast<int>(tr)], &key, nullptr);
    });
  }

  caf::error set_watermark(micros w) override {
    return guarded([&] {
      MDB_val key = as_val(watermark_key), val = as_val(&w, sizeof w);
      lmdb::dbi_put(txn_, t_.meta, &key, &val, 0);
    });
  }

  caf::error commit() override {
    MDB_env* env = txn_.env();
    auto err = guarded([&] {
      blocks_.flush();
      txn_.commit();
    });
    // LMDB reports a write cut short by a full disk as EIO; tell the two
    // apart by the room left where the store lives.
    if (err && disk_nearly_full(env))
      return make_error(errc::storage_full,
                        "the disk holding the store is full");
    return err;
  }

private:
  std::shared_ptr<void> keep_;
  block_writer blocks_;
};

class lmdb_backend final : public storage_backend {
public:
  lmdb_backend(std::shared_ptr<lmdb::env> env, tables t, bool read_only)
    : env_(std::move(env)), tables_(t), read_only_(read_only) {}

  const char* name() const override {
    return "lmdb";
  }

  bool read_only() const override {
    return read_only_;
  }

  caf::expected<std::unique_ptr<read_view>> begin_read() override {
    std::unique_ptr<read_view> out;
    auto err = guarded([&] {
      begin_guarded(MDB_RDONLY, [&](resize_guard g, txn_handle t) {
        out.reset(
          new lmdb_read_view(env_, std::move(g), std::move(t), tables_));
      });
    });
    if (err)
      return err;
    return out;
  }

  caf::expected<std::unique_ptr<write_txn>> begin_write() override {
    if (read_only_)
      return make_error(errc::storage_unavailable,
                        "the store is read-only (its directory is not "
                        "writable); writes are refused");
    std::unique_ptr<write_txn> out;
    auto err = guarded([&] {
      grow_if_crowded();
      begin_guarded(0, [&](resize_guard g, txn_handle t) {
        out.reset(
          new lmdb_write_txn(env_, std::move(g), std::move(t), tables_));
      });
    });
    if (err)
      return err;
    return out;
  }

  // Only a crowded map is worth growing: a write that failed with most
  // of the map free failed for lack of disk, which a bigger map won't fix.
  bool grow() override {
    return !read_only_ && used_fraction() >= 0.5 && resize(0.5);
  }

  std::uint64_t size_bytes() override {
    MDB_envinfo info{};
    MDB_stat st{};
    if (mdb_env_info(env_->handle(), &info) != 0
        || mdb_env_stat(env_->handle(), &st) != 0)
      return 0;
    return static_cast<std::uint64_t>(info.me_last_pgno + 1) * st.ms_psize;
  }

  caf::error copy_to(const std::string& dir) override {
    // LMDB copies from one read snapshot and drops free pages on the way.
    int rc = mdb_env_copy2(env_->handle(), dir.c_str(), MDB_CP_COMPACT);
    if (rc != 0)
      return make_error(errc::storage_unavailable,
                        "cannot copy the store to " + dir + ": "
                          + mdb_strerror(rc));
    // The copy is as private as the store (LMDB creates it 0644).
    std::error_code ec;
    std::filesystem::permissions(dir + "/data.mdb",
                                 std::filesystem::perms::owner_read
                                   | std::filesystem::perms::owner_write
                                   | std::filesystem::perms::group_read,
                                 ec);
    return {};
  }

private:
  // Begins a transaction under a shared resize guard. When another
  // process grew the map (MDB_MAP_RESIZED), adopts its size and retries.
  template <class F>
  void begin_guarded(unsigned flags, F&& make) {
    for (int attempt = 0;; ++attempt) {
      resize_guard guard{resize_lock_};
      MDB_txn* raw = nullptr;
      int rc = mdb_txn_begin(env_->handle(), nullptr, flags, &raw);
      if (rc == MDB_MAP_RESIZED && attempt == 0) {
        guard.unlock();
        std::unique_lock<std::shared_mutex> all{resize_lock_};
        mdb_env_set_mapsize(env_->handle(), 0);
        continue;
      }
      if (rc != 0)
        lmdb::error::raise("mdb_txn_begin", rc);
      make(std::move(guard), txn_handle{raw});
      return;
    }
  }

  // The map grows by doubling once three quarters of it are in use, so a
  // commit does not meet a full map; it costs address space, not disk.
  void grow_if_crowded() {
    if (used_fraction() >= 0.75)
      resize(0.75);
  }

  std::uint64_t map_size() {
    MDB_envinfo info{};
    mdb_env_info(env_->handle(), &info);
    return info.me_mapsize;
  }

  double used_fraction() {
    return static_cast<double>(size_bytes())
           / static_cast<double>(map_size());
  }

  // Doubles the map if it is still at least `threshold` full once every
  // transaction of this process has ended.
  bool resize(double threshold) {
    std::unique_lock<std::shared_mutex> all{resize_lock_};
    if (used_fraction() < threshold)
      return true;
    auto bigger = map_size() * 2;
    if (mdb_env_set_mapsize(env_->handle(), bigger) != 0)
      return false;
    AQUAD_INFO("storage", "map grown map_size=" << bigger);
    return true;
  }

  std::shared_ptr<lmdb::env> env_;
  tables tables_;
  bool read_only_;
  std::shared_mutex resize_lock_;
};

// Stamps a new store with the current format; returns why an existing
// store cannot be used, or nothing.
std::string check_format(txn_handle& txn, const tables& t) {
  MDB_val key = as_val(format_key), val;
  if (lmdb::dbi_get(txn, t.meta, &key, &val)) {
    std::uint32_t found = 0;
    if (val.mv_size == sizeof found)
      std::memcpy(&found, val.mv_data, sizeof found);
    if (found == store_format)
      return {};
    return "the store has format " + std::to_string(found)
           + "; this aquad reads format " + std::to_string(store_format);
  }
  MDB_stat st{};
  lmdb::dbi_stat(txn, t.sensors, &st);
  if (st.ms_entries > 0)
    return "the store has no format mark; it was not written by this aquad";
  std::uint32_t current = store_format;
  MDB_val cv = as_val(&current, sizeof current);
  lmdb::dbi_put(txn, t.meta, &key, &cv, 0);
  return {};
}

} // namespace

namespace {

bool readable_store(const std::string& path) {
  auto file = path + "/data.mdb";
  return ::access(file.c_str(), R_OK) == 0;
}

// Opens the environment and its tables. A store in a directory aquad may
// not write is opened read-only, without LMDB's lock file: reads work,
// writes are refused, and nothing else can be writing there either.
caf::error open_env(const config& cfg, bool read_only,
                    std::shared_ptr<lmdb::env>& env, tables& t,
                    std::string& format_problem) {
  const auto& path = cfg.storage.path;
  return guarded([&] {
    env = std::make_shared<lmdb::env>(lmdb::env::create());
    env->set_mapsize(cfg.storage.map_size);
    env->set_max_dbs(8);
    env->set_max_readers(256);
    // NOTLS: read transactions are not tied to a thread, so an actor may
    // resume on another worker thread with its view open.
    unsigned flags = MDB_NOTLS;
    if (cfg.storage.sync == sync_mode::none)
      flags |= MDB_NOSYNC;
    if (read_only)
      flags |= MDB_RDONLY | MDB_NOLOCK;
    env->open(path.c_str(), flags, 0640);
    auto txn = txn_handle::begin(env->handle(), read_only ? MDB_RDONLY : 0);
    unsigned create = read_only ? 0 : MDB_CREATE;
    t.raw = lmdb::dbi::open(txn, "raw", create).handle();
    t.buckets[0] = lmdb::dbi::open(txn, "m1", create).handle();
    t.buckets[1] = lmdb::dbi::open(txn, "m5", create).handle();
    t.sensors = lmdb::dbi::open(txn, "sensors", create).handle();
    t.meta = lmdb::dbi::open(txn, "meta", create).handle();
    if (!read_only)
      format_problem = check_format(txn, t);
    txn.commit();
  });
}

} // namespace

caf::expected<std::shared_ptr<storage_backend>>
open_lmdb_backend(const config& cfg, open_mode mode) {
  const auto& path = cfg.storage.path;
  std::error_code ec;
  if (mode == open_mode::existing
      && !std::filesystem::exists(path + "/data.mdb", ec))
    return make_error(errc::storage_unavailable,
                      "there is no store in " + path);
  std::filesystem::create_directories(path, ec);
  if (ec)
    return make_error(errc::storage_unavailable,
                      "cannot create data directory " + path + ": "
                        + ec.message());
  bool writable = ::access(path.c_str(), W_OK | X_OK) == 0;
  if (!writable && !readable_store(path))
    return make_error(errc::storage_unavailable,
                      "data directory " + path + " is not writable by uid "
                        + std::to_string(::geteuid())
                        + " and holds no store to read; fix its owner or "
                          "mode");
  std::shared_ptr<lmdb::env> env;
  tables t{};
  std::string format_problem;
  auto err = open_env(cfg, !writable, env, t, format_problem);
  if (!err && !format_problem.empty())
    err = make_error(errc::storage_unavailable, format_problem);
  if (err) {
    auto p = to_problem(err);
    return make_error(p.code, "cannot open LMDB store in " + path + ": "
                                + p.message);
  }
  if (writable)
    AQUAD_INFO("storage", "opened backend=lmdb path=" << path);
  else
    AQUAD_WARN("storage", "opened read-only backend=lmdb path="
                            << path << " reason=directory not writable");
  return std::shared_ptr<storage_backend>{
    std::make_shared<lmdb_backend>(std::move(env), t, !writable)};
}

} // namespace aquad
