// SPDX-License-Identifier: MIT
// Fuzz target: query strings of the raw and statistics routes. Whatever
// is accepted must be a valid range with limits in bounds.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "daemon/http_parse.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  static const aquad::config cfg;
  constexpr aquad::micros now = 1'796'392'800LL * aquad::usec_per_sec;
  std::string_view query{reinterpret_cast<const char*>(data), size};
  auto kv = aquad::parse_query_string(query);
  if (std::holds_alternative<aquad::problem>(kv))
    return 0;
  const auto& params = std::get<0>(kv);
  auto raw = aquad::decode_raw_query("s", params, now);
  if (auto* r = std::get_if<aquad::raw_request>(&raw))
    if (r->from >= r->to || r->limit < 1 || r->limit > 10'000)
      std::abort();
  auto stats = aquad::decode_stats_query("s", params, cfg, now);
  if (auto* r = std::get_if<aquad::stats_request>(&stats))
    if (r->from >= r->to || r->max_points < 1
        || r->max_points > cfg.query.max_buckets)
      std::abort();
  return 0;
}
