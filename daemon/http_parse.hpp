// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "actors/raw_query.hpp"
#include "actors/stats_query.hpp"
#include "actors/write_path.hpp"
#include "common/errc.hpp"
#include "config/config.hpp"

namespace aquad {

/// Untrusted input from the HTTP edge turned into validated requests, or
/// into the `problem` that `API.md` prescribes. Nothing here throws, and
/// nothing here knows RESTinio: the functions take plain strings so that
/// tests and fuzzers can drive them directly.

/// Either a value or the problem that stands in its way.
template <class T>
using parsed = std::variant<T, problem>;

/// Decodes a POST body (one measurement object or a batch array) and
/// checks every rule of `cfg.ingest` against the clock reading `now`.
parsed<ingest_request> decode_measurements(std::string_view body,
                                           const config& cfg, micros now);

/// Splits `a=1&b=2` into decoded pairs; `+` stays a plus (timestamps carry
/// offsets such as `+02:00`). A parameter given twice is a problem.
parsed<std::map<std::string, std::string>>
parse_query_string(std::string_view query);

/// Decodes `%XX` escapes; nothing for a malformed escape.
std::optional<std::string> percent_decode(std::string_view text);

/// Reads the raw-measurements query of sensor `id`.
parsed<raw_request>
decode_raw_query(const std::string& id,
                 const std::map<std::string, std::string>& params,
                 micros now);

/// Reads the statistics query of sensor `id`.
parsed<stats_request>
decode_stats_query(const std::string& id,
                   const std::map<std::string, std::string>& params,
                   const config& cfg, micros now);

/// The opaque cursor that resumes a raw walk after `last`.
std::string encode_cursor(const raw_request& req, micros last);

} // namespace aquad
