// SPDX-License-Identifier: MIT
// Fuzz target: the decoder of POST /measurements bodies, single and batch.
// Any input must give a request or a problem with a 4xx status; a request
// must hold only valid points.
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "daemon/http_parse.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  static const aquad::config cfg;
  constexpr aquad::micros now = 1'796'392'800LL * aquad::usec_per_sec;
  std::string_view body{reinterpret_cast<const char*>(data), size};
  auto out = aquad::decode_measurements(body, cfg, now);
  if (auto* p = std::get_if<aquad::problem>(&out)) {
    int status = aquad::http_status(p->code);
    if (status < 400 || status >= 500)
      std::abort();
    return 0;
  }
  for (const auto& m : std::get<aquad::ingest_request>(out).points) {
    if (!aquad::valid_sensor_id(m.sensor_id)
        || !std::isfinite(m.temperature_c)
        || !std::isfinite(m.conductivity_us_cm)
        || m.time > now + cfg.ingest.max_clock_skew)
      std::abort();
  }
  return 0;
}
