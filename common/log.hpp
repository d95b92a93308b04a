// SPDX-License-Identifier: MIT
#pragma once

#include <sstream>
#include <string_view>

namespace aquad {

/// Severity of a log line; see docs/operations.md for what each means.
enum class log_level { error = 0, warning, info, debug, trace };

/// Sets the most verbose level written. Thread-safe.
void set_log_level(log_level level);

/// Writes each line as one JSON object instead of text. Set at start-up.
void set_log_json(bool json);

/// Parses `error`, `warning`, `info`, `debug` or `trace`.
bool parse_log_level(std::string_view text, log_level& out);

/// True when lines of `level` are written. Cheap; call before building one.
bool log_enabled(log_level level);

/// Writes one line to stderr: `<level> <component>: <text>`, or
/// `{"level":…,"component":…,"message":…}`. Thread-safe; lines of
/// concurrent writers never interleave.
void write_log(log_level level, std::string_view component,
               std::string_view text);

} // namespace aquad

/// Logs `parts` (streamed with <<) only when `level` is enabled, so hot
/// paths pay nothing for disabled levels.
#define AQUAD_LOG(level, component, parts)                                     \
  do {                                                                         \
    if (::aquad::log_enabled(level)) {                                         \
      std::ostringstream aquad_log_os_;                                        \
      aquad_log_os_ << parts;                                                  \
      ::aquad::write_log(level, component, aquad_log_os_.str());               \
    }                                                                          \
  } while (false)

#define AQUAD_ERROR(component, parts)                                          \
  AQUAD_LOG(::aquad::log_level::error, component, parts)
#define AQUAD_WARN(component, parts)                                           \
  AQUAD_LOG(::aquad::log_level::warning, component, parts)
#define AQUAD_INFO(component, parts)                                           \
  AQUAD_LOG(::aquad::log_level::info, component, parts)
#define AQUAD_DEBUG(component, parts)                                          \
  AQUAD_LOG(::aquad::log_level::debug, component, parts)
