// SPDX-License-Identifier: MIT
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>

#include <caf/error.hpp>

namespace aquad {

/// The single list of expected failures. Each code has a stable name (the
/// `code` member of a JSON error body) and one HTTP status, both given by
/// the functions below. Codes travel inside aquad as `caf::error` in the
/// `aquad` category, or as a `problem` where a field or index is attached.
enum class errc : std::uint8_t {
  none = 0,
  invalid_json,           ///< body is not JSON, or not the expected shape
  invalid_field,          ///< a field has the wrong type or format
  missing_field,          ///< a required field is absent
  empty_batch,            ///< a batch holds no element
  invalid_query,          ///< a query parameter is malformed
  out_of_range,           ///< a value lies outside its configured range
  too_far_in_future,      ///< timestamp later than now + max_clock_skew
  sensor_not_allowed,     ///< sensor id absent from `ingest.sensors`
  resolution_unavailable, ///< the stored tiers cannot build that width
  too_many_buckets,       ///< the grid exceeds `query.max_buckets`
  conflict,               ///< same identity already stored with other values
  unknown_sensor,         ///< the sensor has never reported
  not_found,              ///< no such route, or no such record
  unauthorized,           ///< no valid bearer token
  forbidden,              ///< the token lacks the scope
  method_not_allowed,     ///< the route exists, the method does not
  body_too_large,         ///< body longer than `ingest.max_body`
  batch_too_large,        ///< batch longer than `ingest.max_batch`
  unsupported_media_type, ///< Content-Type is not application/json
  storage_full,           ///< the backend has no room left
  storage_unavailable,    ///< the backend failed or is closed
  shutting_down,          ///< the daemon is stopping
  overloaded,             ///< too many requests in flight; retry soon
  internal,               ///< a bug: logged, answered as 500
};

/// Stable snake_case name of a code, as shown to clients.
const char* to_string(errc code);

/// HTTP status that `API.md` assigns to a code.
int http_status(errc code);

/// A failure with the details a client needs to fix its request.
struct problem {
  errc code = errc::none;
  std::string message;
  std::string field;                ///< empty when no single field is at fault
  std::optional<std::size_t> index; ///< element of a batch, when it applies
};

/// Wraps a code and a human-readable message into a `caf::error`.
caf::error make_error(errc code, std::string message);

/// Reads back what `make_error` stored; foreign errors become `internal`.
problem to_problem(const caf::error& err);

} // namespace aquad
