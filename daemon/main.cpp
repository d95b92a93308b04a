// SPDX-License-Identifier: MIT
// aquad: ingest water-quality measurements over HTTP, keep them raw and as
// 1- and 5-minute statistics, answer queries. See README.md.

#include <csignal>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <iostream>
#include <pthread.h>
#include <sys/resource.h>
#include <string>

#include <systemd/sd-daemon.h>

#include <caf/actor_system.hpp>
#include <caf/actor_system_config.hpp>
#include <caf/scoped_actor.hpp>
#include <caf/send.hpp>

#include "actors/downsampler.hpp"
#include "actors/ingest.hpp"
#include "actors/query_router.hpp"
#include "actors/verifier.hpp"
#include "common/errc.hpp"
#include "common/log.hpp"
#include "config/config.hpp"
#include "daemon/http_server.hpp"
#include "daemon/instance_lock.hpp"

#ifndef AQUAD_VERSION
#define AQUAD_VERSION "0.0.0"
#endif

namespace {

constexpr int exit_usage = 2;
constexpr int exit_failure = 1;

constexpr int exit_store = 3;

void usage(std::ostream& out) {
  out << "usage: aquad [--config FILE]\n"
         "       aquad --check-config FILE\n"
         "       aquad --print-config [--config FILE]\n"
         "       aquad verify [--config FILE] [--repair]\n"
         "       aquad backup [--config FILE] DEST\n"
         "       aquad --version\n";
}

// Reads the file (or the defaults when `path` is empty) and prints every
// problem as FILE:LINE: key: reason.
std::optional<aquad::config> load(const std::string& path) {
  if (path.empty())
    return aquad::config{};
  auto loaded = aquad::load_config_file(path);
  for (const auto& issue : loaded.issues)
    std::cerr << aquad::format_issue(path, issue) << "\n";
  if (!loaded.issues.empty())
    return std::nullopt;
  return loaded.cfg;
}

// Each connection costs a file descriptor; the soft limit (often 1024)
// would cap http.max_connections below its default, so raise it.
void raise_fd_limit() {
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur < lim.rlim_max) {
    lim.rlim_cur = std::min<rlim_t>(lim.rlim_max, 65536);
    setrlimit(RLIMIT_NOFILE, &lim);
  }
}

int serve(const aquad::config& loaded, const std::string& path) {
  using namespace aquad;
  raise_fd_limit();
  auto cfg = std::make_shared<const config>(loaded);
  set_log_level(cfg->log.level);
  set_log_json(cfg->log.json);
  AQUAD_INFO("config", "version=" AQUAD_VERSION " file="
                         << (path.empty() ? "(defaults)" : path)
                         << " listen=" << cfg->listen.address << ":"
                         << cfg->listen.port
                         << " backend=" << cfg->storage.backend
                         << " path=" << cfg->storage.path
                         << " sync="
                         << (cfg->storage.sync == sync_mode::full ? "full"
                                                                  : "none"));

  // Signals are taken by sigwait below; block them before any thread
  // starts so that no other thread receives them.
  sigset_t stop_signals;
  sigemptyset(&stop_signals);
  sigaddset(&stop_signals, SIGTERM);
  sigaddset(&stop_signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &stop_signals, nullptr);

  auto backend = open_backend(*cfg);
  if (!backend) {
    AQUAD_ERROR("storage", to_problem(backend.error()).message);
    return exit_failure;
  }
  // One serving aquad per data directory; tools (verify, backup) share.
  std::optional<instance_lock> claim;
  if (cfg->storage.backend == "lmdb") {
    auto lock = instance_lock::acquire(cfg->storage.path);
    if (!lock) {
      AQUAD_ERROR("storage", to_problem(lock.error()).message);
      return exit_failure;
    }
    claim.emplace(std::move(*lock));
  }
  // Aging that fell due while aquad was down is caught up before the
  // first request.
  if ((*backend)->read_only()) {
    AQUAD_WARN("downsampler", "store is read-only; no tier moves");
  } else if (auto caught_up = run_rollup(**backend, system_now(),
                                         cfg->rollup.minute_tier);
             !caught_up) {
    AQUAD_ERROR("downsampler", "start-up rollup failed: "
                                 << to_problem(caught_up.error()).message);
    return exit_failure;
  }

  auto stats = std::make_shared<metrics>();
  int status = 0;
  {
    caf::actor_system_config sys_cfg;
    sys_cfg.set("scheduler.max-threads", 2);
    caf::actor_system sys{sys_cfg};
    auto ingest = spawn_ingest(sys, *backend, stats);
    auto router = spawn_query_router(sys, *backend, 2);
    caf::actor downsampler;
    if (!(*backend)->read_only())
      downsampler =
        spawn_downsampler(sys, *backend, stats, cfg->rollup.minute_tier,
                          cfg->rollup.interval, system_now);

    http_server http{http_context{cfg, ingest, router, stats, system_now}};
    if (auto err = http.start()) {
      AQUAD_ERROR("http", to_problem(err).message);
      status = exit_failure;
    } else {
      // Storage is open and the port listens: tell systemd (no-op when
      // not started by it).
      sd_notify(0, "READY=1\nSTATUS=serving");
      int sig = 0;
      sigwait(&stop_signals, &sig);
      sd_notify(0, "STOPPING=1");
      AQUAD_INFO("daemon", "stopping signal=" << strsignal(sig));
      http.drain(std::chrono::seconds(10));
    }
    for (const auto& a : {ingest, router, downsampler})
      if (a)
        caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    sys.await_all_actors_done();
    http.stop();
  }
  backend->reset();
  AQUAD_INFO("daemon", "stopped");
  return status;
}

// The existing store for a tool (`verify`, `backup`), or nothing after
// saying why on stderr.
std::shared_ptr<aquad::storage_backend> open_store(const aquad::config& cfg,
                                                   const char* tool) {
  auto backend = aquad::open_backend(cfg, aquad::open_mode::existing);
  if (!backend) {
    std::cerr << "aquad " << tool << ": "
              << aquad::to_problem(backend.error()).message << "\n";
    return nullptr;
  }
  return std::move(*backend);
}

// A consistent copy of the store, running or not; see docs/operations.md.
int backup(const aquad::config& cfg, const std::string& dest) {
  using namespace aquad;
  std::error_code ec;
  if (std::filesystem::exists(dest, ec)
      && !std::filesystem::is_empty(dest, ec)) {
    std::cerr << "aquad backup: " << dest
              << " is not empty; choose a new or empty directory\n";
    return exit_usage;
  }
  std::filesystem::create_directories(dest, ec);
  if (ec) {
    std::cerr << "aquad backup: cannot create " << dest << ": "
              << ec.message() << "\n";
    return exit_store;
  }
  auto backend = open_store(cfg, "backup");
  if (!backend)
    return exit_store;
  if (auto err = backend->copy_to(dest)) {
    std::cerr << "aquad backup: " << to_problem(err).message << "\n";
    return exit_store;
  }
  std::cout << "backed up " << cfg.storage.path << " to " << dest << "\n";
  return 0;
}

// Recomputes every bucket from raw data; see docs/operations.md.
int verify(const aquad::config& cfg, bool repair) {
  using namespace aquad;
  if (cfg.storage.backend != "lmdb") {
    std::cerr << "aquad verify: needs storage.backend lmdb\n";
    return exit_usage;
  }
  auto backend = open_store(cfg, "verify");
  if (!backend)
    return exit_store;
  auto report = verify_store(*backend, repair);
  if (!report) {
    std::cerr << "aquad verify: " << to_problem(report.error()).message
              << "\n";
    return exit_store;
  }
  for (const auto& m : report->mismatches)
    std::cout << "mismatch sensor=" << m.sensor << " tier=" << m.tier
              << " bucket=" << format_timestamp(m.start)
              << " statistic=" << m.statistic << " stored=" << m.stored
              << " recomputed=" << m.recomputed << "\n";
  std::cout << "verified sensors=" << report->sensors
            << " points=" << report->points
            << " buckets=" << report->buckets
            << " mismatched_records=" << report->mismatched_records
            << (report->repaired ? " repaired" : "") << "\n";
  return report->mismatched_records == 0 ? 0 : exit_failure;
}

} // namespace

int main(int argc, char** argv) {
  std::string config_path;
  std::string check_path;
  bool verifying = false;
  bool repair = false;
  bool print = false;
  bool backing_up = false;
  std::string backup_dest;
  for (int i = 1; i < argc; ++i) {
    std::string arg = argv[i];
    if (i == 1 && arg == "verify") {
      verifying = true;
    } else if (i == 1 && arg == "backup") {
      backing_up = true;
    } else if (backing_up && arg[0] != '-' && backup_dest.empty()) {
      backup_dest = arg;
    } else if (verifying && arg == "--repair") {
      repair = true;
    } else if ((arg == "--config" || arg == "-c") && i + 1 < argc) {
      config_path = argv[++i];
    } else if (arg == "--print-config") {
      print = true;
    } else if (arg == "--check-config" && i + 1 < argc) {
      check_path = argv[++i];
    } else if (arg == "--version") {
      std::cout << "aquad " AQUAD_VERSION "\n";
      return 0;
    } else if (arg == "--help" || arg == "-h") {
      usage(std::cout);
      return 0;
    } else {
      std::cerr << "aquad: unknown argument " << arg << "\n";
      usage(std::cerr);
      return exit_usage;
    }
  }
  if (!check_path.empty()) {
    if (!load(check_path))
      return exit_usage;
    std::cout << check_path << ": ok\n";
    return 0;
  }
  auto cfg = load(config_path);
  if (!cfg)
    return exit_usage;
  if (print) {
    std::cout << aquad::render_config(*cfg);
    return 0;
  }
  if (verifying)
    return verify(*cfg, repair);
  if (backing_up) {
    if (backup_dest.empty()) {
      usage(std::cerr);
      return exit_usage;
    }
    return backup(*cfg, backup_dest);
  }
  return serve(*cfg, config_path);
}
