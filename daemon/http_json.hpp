// SPDX-License-Identifier: MIT
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "actors/messages.hpp"
#include "common/errc.hpp"

namespace aquad {

/// JSON bodies of every answer, written straight into a string (no DOM):
/// numbers in their shortest round-trip form, times as RFC 3339 UTC with
/// six fractional digits, text escaped and made valid UTF-8.

std::string error_body(const problem& p);
std::string stored_body(const measurement& m, bool duplicate);
std::string batch_body(std::uint64_t accepted, std::uint64_t duplicates);
std::string raw_body(const raw_result& r,
                     const std::optional<std::string>& next);
std::string stats_body(const stats_result& r);
std::string sensor_body(const sensor_record& r);
std::string sensors_body(const std::vector<sensor_record>& all);

/// Appends `text` as a JSON string literal.
void append_json_string(std::string& out, std::string_view text);

/// Appends a finite double in shortest round-trip form.
void append_json_number(std::string& out, double v);

} // namespace aquad
