// SPDX-License-Identifier: MIT
// loadgen: an HTTP/1.1 keep-alive load generator for the aquad benchmark.
// Every write carries new points (a fresh sensor or time per request), and
// bodies are patched from per-thread templates so that building one costs
// little next to the server's work. Prints one JSON line of results.
//
//   loadgen --port P --mode json-single|json-batch|line-single|line-batch|get
//           [--path /measurements] [--connections 64] [--threads 2]
//           [--seconds 10] [--batch 1000] [--prefix bench]
//
//   --refuse-every N (json modes): every Nth request carries an
//     out-of-range temperature and must be refused with 422; any other
//     answer, or a closed connection, counts as an error.
//
//   loadgen --port P --mode json-load|line-load --days 7 [--sensors 3]
//           [--batch 5000] [--connections 4] [--path ...]
//     posts --days of 2 Hz readings of sensors s1..sN ending now, in time
//     order, the same data (seeded) whatever the format.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <random>
#include <string>
#include <thread>
#include <vector>

namespace {

using clock_type = std::chrono::steady_clock;

struct options {
  int port = 5000;
  std::string mode = "json-single";
  std::string path = "/measurements";
  std::string prefix = "bench";
  int connections = 64;
  int threads = 2;
  double seconds = 10;
  int batch = 1000;
  double days = 7;
  int sensors = 3;
  int refuse_every = 0;
};

// ISO minute text "YYYY-MM-DDTHH:MM" for a minute since the epoch.
std::string minute_text(long minute) {
  std::time_t t = minute * 60;
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M", &tm);
  return buf;
}

// Makes request bodies. Each call to next() gives a body with points no
// earlier call gave: the sensor is "<prefix>_<thread>_<n>" with n fixed
// width, and the points lie in a minute that moves on every call.
class body_maker {
public:
  body_maker(const options& o, int thread) : o_(o), thread_(thread) {
    std::mt19937 rng(1000 + thread);
    std::uniform_int_distribution<int> temp(200, 300), cond(1000, 3000),
      jitter(0, 999);
    first_minute_ = std::time(nullptr) / 60 - 7 * 24 * 60;
    int n = o.mode == "json-batch" || o.mode == "line-batch" ? o.batch : 1;
    for (int i = 0; i < n; ++i) {
      long us = static_cast<long>(i) * 60'000'000L / n + jitter(rng);
      offsets_us_.push_back(us);
      temps_.push_back(temp(rng) / 10.0);
      conds_.push_back(cond(rng));
    }
  }

  /// True when the body from the last next() must be refused.
  bool refused() const { return refused_; }

  const std::string& next() {
    refused_ = o_.refuse_every > 0 && (counter_ + 1) % o_.refuse_every == 0;
    long minutes = 7 * 24 * 60;
    long sensor = counter_ / minutes;
    long minute = first_minute_ + counter_ % minutes;
    ++counter_;
    body_.clear();
    char id[64];
    std::snprintf(id, sizeof id, "%s_%d_%06ld", o_.prefix.c_str(), thread_,
                  sensor);
    bool json = o_.mode.rfind("json", 0) == 0;
    bool many = offsets_us_.size() > 1;
    if (json && many)
      body_ += '[';
    auto mtext = minute_text(minute);
    char buf[256];
    for (std::size_t i = 0; i < offsets_us_.size(); ++i) {
      long us = offsets_us_[i];
      if (json) {
        int n = std::snprintf(
          buf, sizeof buf,
          "%s{\"sensor_id\":\"%s\",\"timestamp\":\"%s:%02ld.%06ldZ\","
          "\"temperature\":%.1f,\"conductivity\":%d}",
          i > 0 ? "," : "", id, mtext.c_str(), us / 1'000'000,
          us % 1'000'000,
          refused_ && i + 1 == offsets_us_.size() ? 1000.0 : temps_[i],
          conds_[i]);
        body_.append(buf, n);
      } else {
        long long t = static_cast<long long>(minute) * 60'000'000LL + us;
        int n = std::snprintf(buf, sizeof buf,
                              "water,sensor=%s temperature=%.1f,"
                              "conductivity=%d %lld\n",
                              id, temps_[i], conds_[i], t);
        body_.append(buf, n);
      }
    }
    if (json && many)
      body_ += ']';
    return body_;
  }

  std::size_t points() const { return offsets_us_.size(); }

private:
  const options& o_;
  int thread_;
  long first_minute_ = 0;
  long counter_ = 0;
  std::vector<long> offsets_us_;
  std::vector<double> temps_;
  std::vector<int> conds_;
  std::string body_;
  bool refused_ = false;
};

// The bulk data set: --days of readings at 2 Hz for sensors s1..sN, with
// millisecond jitter, one-decimal temperatures and integer conductivities,
// in time order. Batch k is a pure function of k, so threads share it.
class data_set {
public:
  explicit data_set(const options& o) : o_(o) {
    long long now_us = static_cast<long long>(std::time(nullptr)) * 1'000'000;
    step_us_ = 500'000;
    per_sensor_ = static_cast<long long>(o.days * 86400 * 2);
    start_us_ = now_us - per_sensor_ * step_us_;
  }

  long long total() const { return per_sensor_ * o_.sensors; }

  long long batches() const { return (total() + o_.batch - 1) / o_.batch; }

  // Points [k*batch, (k+1)*batch) of the interleaved series.
  void make(long long k, std::string& out, long& points) const {
    bool json = o_.mode == "json-load";
    out.clear();
    if (json)
      out += '[';
    long long first = k * o_.batch;
    long long last = std::min(total(), first + o_.batch);
    char buf[256];
    for (long long i = first; i < last; ++i) {
      long long step = i / o_.sensors;
      int sensor = static_cast<int>(i % o_.sensors) + 1;
      // A hash of the index drives the noise, identical in every run.
      unsigned long long h = static_cast<unsigned long long>(i)
                             * 0x9E3779B97F4A7C15ULL;
      h ^= h >> 29;
      long long t = start_us_ + step * step_us_
                    + static_cast<long long>(h % 6000) - 3000
                    + sensor * 1000;
      double temp = static_cast<double>(200 + (h >> 8) % 101) / 10.0;
      int cond = 1000 + static_cast<int>((h >> 20) % 2001);
      int n;
      if (json) {
        std::time_t secs = static_cast<std::time_t>(t / 1'000'000);
        std::tm tm{};
        gmtime_r(&secs, &tm);
        char ts[40];
        std::strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", &tm);
        n = std::snprintf(buf, sizeof buf,
                          "%s{\"sensor_id\":\"s%d\",\"timestamp\":\"%s.%06lldZ\","
                          "\"temperature\":%.1f,\"conductivity\":%d}",
                          i > first ? "," : "", sensor, ts, t % 1'000'000,
                          temp, cond);
      } else {
        n = std::snprintf(buf, sizeof buf,
                          "water,sensor=s%d temperature=%.1f,"
                          "conductivity=%d %lld\n",
                          sensor, temp, cond, t);
      }
      out.append(buf, static_cast<std::size_t>(n));
    }
    if (json)
      out += ']';
    points = static_cast<long>(last - first);
  }

private:
  const options& o_;
  long long step_us_;
  long long per_sensor_;
  long long start_us_;
};

struct connection {
  int fd = -1;
  std::string out;
  std::size_t sent = 0;
  std::string in;
  clock_type::time_point started;
  long points = 0;
  bool idle = false;    // bulk load: nothing left to send
  int expect = 0;       // the status this request must get, 0: any 2xx
};

struct thread_result {
  long requests = 0;
  long errors = 0;
  long points = 0;
  std::vector<double> latencies_us;
};

int connect_to(int port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<uint16_t>(port));
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  return fd;
}

// Bytes of a chunked body starting at `pos`, or 0 while incomplete.
std::size_t chunked_length(const std::string& in, std::size_t pos) {
  std::size_t start = pos;
  while (true) {
    auto eol = in.find("\r\n", pos);
    if (eol == std::string::npos)
      return 0;
    auto size = std::strtoul(in.c_str() + pos, nullptr, 16);
    pos = eol + 2 + size + 2;
    if (pos > in.size())
      return 0;
    if (size == 0)
      return pos - start;
  }
}

// Length of a complete response at the start of `in`, or 0.
std::size_t complete_response(const std::string& in, int& status) {
  auto end = in.find("\r\n\r\n");
  if (end == std::string::npos)
    return 0;
  status = std::atoi(in.c_str() + 9);
  auto te = in.find("Transfer-Encoding: chunked");
  if (te != std::string::npos && te < end) {
    auto n = chunked_length(in, end + 4);
    return n == 0 ? 0 : end + 4 + n;
  }
  std::size_t length = 0;
  auto cl = in.find("Content-Length:");
  if (cl == std::string::npos || cl > end)
    cl = in.find("content-length:");
  if (cl != std::string::npos && cl < end)
    length = std::strtoul(in.c_str() + cl + 15, nullptr, 10);
  std::size_t total = end + 4 + length;
  return in.size() >= total ? total : 0;
}

// Waits for output room only while a request is partly sent; otherwise
// level-triggered EPOLLOUT would make the loop spin.
void watch(int ep, connection& c, int op) {
  epoll_event ev{};
  ev.events = EPOLLIN | (c.sent < c.out.size() ? EPOLLOUT : 0u);
  ev.data.ptr = &c;
  ::epoll_ctl(ep, op, c.fd, &ev);
}

// Sends as much of the pending request as the socket takes.
void push(connection& c) {
  while (c.sent < c.out.size()) {
    auto w = ::send(c.fd, c.out.data() + c.sent, c.out.size() - c.sent,
                    MSG_NOSIGNAL);
    if (w <= 0)
      return;
    c.sent += static_cast<std::size_t>(w);
  }
}

void run_thread(const options& o, int index, int conns,
                clock_type::time_point stop, thread_result& result,
                const data_set& data, std::atomic<long long>& next_batch) {
  body_maker maker{o, index};
  bool is_get = o.mode == "get";
  bool is_load = o.mode.size() > 5
                 && o.mode.compare(o.mode.size() - 5, 5, "-load") == 0;
  std::string host = "Host: 127.0.0.1:" + std::to_string(o.port) + "\r\n";
  std::string load_body;
  auto make_request = [&](connection& c) {
    c.out.clear();
    c.sent = 0;
    if (is_get) {
      c.out = "GET " + o.path + " HTTP/1.1\r\n" + host + "\r\n";
    } else {
      if (is_load) {
        auto k = next_batch++;
        if (k >= data.batches()) {
          c.idle = true;
          return;
        }
        data.make(k, load_body, c.points);
      } else {
        c.points = static_cast<long>(maker.points());
      }
      const auto& body = is_load ? load_body : maker.next();
      c.expect = !is_load && maker.refused() ? 422 : 0;
      c.out = "POST " + o.path + " HTTP/1.1\r\n" + host
              + "Content-Type: "
              + (o.mode.rfind("json", 0) == 0 ? "application/json"
                                               : "text/plain")
              + "\r\nContent-Length: " + std::to_string(body.size())
              + "\r\n\r\n" + body;
    }
    c.started = clock_type::now();
  };

  int ep = ::epoll_create1(0);
  std::vector<connection> cs(conns);
  for (auto& c : cs) {
    c.fd = connect_to(o.port);
    make_request(c);
    watch(ep, c, EPOLL_CTL_ADD);
  }
  std::vector<epoll_event> events(conns);
  char buf[65536];
  auto busy = [&] {
    for (auto& c : cs)
      if (!c.idle)
        return true;
    return false;
  };
  while (is_load ? busy() : clock_type::now() < stop) {
    int n = ::epoll_wait(ep, events.data(), conns, 100);
    for (int i = 0; i < n; ++i) {
      auto& c = *static_cast<connection*>(events[i].data.ptr);
      if ((events[i].events & EPOLLOUT) && c.sent < c.out.size()) {
        push(c);
        watch(ep, c, EPOLL_CTL_MOD);
      }
      if (events[i].events & EPOLLIN) {
        auto r = ::recv(c.fd, buf, sizeof buf, 0);
        if (r <= 0) {
          ++result.errors;
          ::epoll_ctl(ep, EPOLL_CTL_DEL, c.fd, nullptr);
          ::close(c.fd);
          c.fd = connect_to(o.port);
          c.in.clear();
          make_request(c);
          watch(ep, c, EPOLL_CTL_ADD);
          continue;
        }
        c.in.append(buf, static_cast<std::size_t>(r));
        int status = 0;
        if (auto len = complete_response(c.in, status)) {
          c.in.erase(0, len);
          auto us = std::chrono::duration<double, std::micro>(
                      clock_type::now() - c.started)
                      .count();
          result.latencies_us.push_back(us);
          ++result.requests;
          if (c.expect != 0 ? status != c.expect : status >= 300) {
            ++result.errors;
          } else if (!is_get && c.expect == 0) {
            result.points += c.points;
          }
          make_request(c);
          push(c);
          watch(ep, c, EPOLL_CTL_MOD);
        }
      }
    }
  }
  for (auto& c : cs)
    ::close(c.fd);
  ::close(ep);
}

double percentile(std::vector<double>& v, double p) {
  if (v.empty())
    return 0;
  auto k = static_cast<std::size_t>(p * (v.size() - 1));
  std::nth_element(v.begin(), v.begin() + k, v.end());
  return v[k];
}

} // namespace

int main(int argc, char** argv) {
  options o;
  for (int i = 1; i + 1 < argc; i += 2) {
    std::string k = argv[i], v = argv[i + 1];
    if (k == "--port") o.port = std::atoi(v.c_str());
    else if (k == "--mode") o.mode = v;
    else if (k == "--path") o.path = v;
    else if (k == "--prefix") o.prefix = v;
    else if (k == "--connections") o.connections = std::atoi(v.c_str());
    else if (k == "--threads") o.threads = std::atoi(v.c_str());
    else if (k == "--seconds") o.seconds = std::atof(v.c_str());
    else if (k == "--batch") o.batch = std::atoi(v.c_str());
    else if (k == "--days") o.days = std::atof(v.c_str());
    else if (k == "--sensors") o.sensors = std::atoi(v.c_str());
    else if (k == "--refuse-every") o.refuse_every = std::atoi(v.c_str());
    else {
      std::fprintf(stderr, "loadgen: unknown option %s\n", k.c_str());
      return 2;
    }
  }
  int threads = std::max(1, std::min(o.threads, o.connections));
  data_set data{o};
  std::atomic<long long> next_batch{0};
  std::vector<thread_result> results(threads);
  std::vector<std::thread> pool;
  auto start = clock_type::now();
  auto stop = start + std::chrono::duration_cast<clock_type::duration>(
                        std::chrono::duration<double>(o.seconds));
  for (int t = 0; t < threads; ++t) {
    int conns = o.connections / threads + (t < o.connections % threads);
    pool.emplace_back(run_thread, std::cref(o), t, conns, stop,
                      std::ref(results[t]), std::cref(data),
                      std::ref(next_batch));
  }
  for (auto& th : pool)
    th.join();
  double secs = std::chrono::duration<double>(clock_type::now() - start)
                  .count();
  thread_result all;
  for (auto& r : results) {
    all.requests += r.requests;
    all.errors += r.errors;
    all.points += r.points;
    all.latencies_us.insert(all.latencies_us.end(), r.latencies_us.begin(),
                            r.latencies_us.end());
  }
  std::printf("{\"requests\":%ld,\"errors\":%ld,\"points\":%ld,"
              "\"seconds\":%.3f,\"requests_per_s\":%.1f,"
              "\"points_per_s\":%.1f,\"p50_us\":%.1f,\"p90_us\":%.1f,"
              "\"p99_us\":%.1f}\n",
              all.requests, all.errors, all.points, secs,
              all.requests / secs, all.points / secs,
              percentile(all.latencies_us, 0.5),
              percentile(all.latencies_us, 0.9),
              percentile(all.latencies_us, 0.99));
  return 0;
}
