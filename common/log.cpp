// SPDX-License-Identifier: MIT
#include "common/log.hpp"

#include <atomic>
#include <cstdio>
#include <string>
#include <unistd.h>

#include "common/json_text.hpp"

namespace aquad {

namespace {

std::atomic<int> current_level{static_cast<int>(log_level::info)};
std::atomic<bool> json_lines{false};

constexpr const char* level_names[] = {"error", "warning", "info", "debug",
                                       "trace"};

} // namespace

void set_log_level(log_level level) {
  current_level.store(static_cast<int>(level), std::memory_order_relaxed);
}

void set_log_json(bool json) {
  json_lines.store(json, std::memory_order_relaxed);
}

bool parse_log_level(std::string_view text, log_level& out) {
  for (int i = 0; i <= static_cast<int>(log_level::trace); ++i) {
    if (text == level_names[i]) {
      out = static_cast<log_level>(i);
      return true;
    }
  }
  return false;
}

bool log_enabled(log_level level) {
  return static_cast<int>(level)
         <= current_level.load(std::memory_order_relaxed);
}

void write_log(log_level level, std::string_view component,
               std::string_view text) {
  std::string line;
  line.reserve(text.size() + component.size() + 48);
  if (json_lines.load(std::memory_order_relaxed)) {
    line += "{\"level\":\"";
    line += level_names[static_cast<int>(level)];
    line += "\",\"component\":\"";
    append_json_escaped(line, component);
    line += "\",\"message\":\"";
    append_json_escaped(line, text);
    line += "\"}\n";
  } else {
    line += level_names[static_cast<int>(level)];
    line += ' ';
    line += component;
    line += ": ";
    line += text;
    line += '\n';
  }
  // One write(2) per line keeps concurrent lines whole.
  auto rc = ::write(STDERR_FILENO, line.data(), line.size());
  (void) rc;
}

} // namespace aquad
