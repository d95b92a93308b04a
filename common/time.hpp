// SPDX-License-Identifier: MIT
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace aquad {

/// An instant as integer microseconds since 1970-01-01T00:00:00Z. Every
/// bucket edge and every comparison in aquad uses this type, never floating
/// point. The representable span is 0001-01-01 to 9999-12-31 (UTC).
using micros = std::int64_t;

constexpr micros usec_per_sec = 1'000'000;
constexpr micros usec_per_min = 60 * usec_per_sec;
constexpr micros usec_per_hour = 60 * usec_per_min;
constexpr micros usec_per_day = 24 * usec_per_hour;

/// First and one-past-last representable instants.
constexpr micros min_instant = -62'135'596'800LL * usec_per_sec;
constexpr micros max_instant = 253'402'300'800LL * usec_per_sec;

/// Largest multiple of `width` not after `t` (floor, also for t < 0).
constexpr micros floor_to(micros t, micros width) {
  micros rem = t % width;
  return rem < 0 ? t - rem - width : t - rem;
}

/// Smallest multiple of `width` not before `t`.
constexpr micros ceil_to(micros t, micros width) {
  micros down = floor_to(t, width);
  return down == t ? t : down + width;
}

/// Parses an RFC 3339 timestamp with a mandatory `Z` or `±HH:MM` offset and
/// 0 to 9 fractional digits (truncated to the microsecond). On failure
/// returns nothing and, when `why` is given, a sentence saying what is wrong.
std::optional<micros> parse_timestamp(std::string_view text,
                                      std::string* why = nullptr);

/// Formats as `YYYY-MM-DDTHH:MM:SS.ffffffZ`. `t` must be representable.
std::string format_timestamp(micros t);

/// Appends the same text as `format_timestamp` to `out`.
void append_timestamp(std::string& out, micros t);

/// Parses a duration such as `90s`, `15m`, `2h`, `7d` (a non-negative
/// integer and one unit letter).
std::optional<micros> parse_duration(std::string_view text);

/// Formats a duration with the largest unit that divides it (`5m`, `90s`).
std::string format_duration(micros d);

} // namespace aquad

namespace aquad {

/// The current UTC time from the system clock, in microseconds.
micros system_now();

} // namespace aquad
