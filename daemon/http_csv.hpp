// SPDX-License-Identifier: MIT
#pragma once

#include <string>

#include "actors/raw_query.hpp"
#include "actors/stats_query.hpp"

namespace aquad {

/// CSV bodies (RFC 4180, CRLF line ends, a header row) of raw pages and
/// statistics, for spreadsheets. Times as in JSON; an absent statistic is
/// an empty field. The statistics body lists buckets only; the summary is
/// in the JSON answer.

std::string raw_csv(const raw_result& r);
std::string stats_csv(const stats_result& r);

} // namespace aquad
