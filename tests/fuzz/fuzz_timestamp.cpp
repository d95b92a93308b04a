// SPDX-License-Identifier: MIT
// Fuzz target: the RFC 3339 parser. What parses must lie in the
// representable span and survive formatting and parsing again unchanged.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "common/time.hpp"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data,
                                      std::size_t size) {
  std::string_view text{reinterpret_cast<const char*>(data), size};
  std::string why;
  auto t = aquad::parse_timestamp(text, &why);
  if (!t) {
    if (why.empty())
      std::abort();
    return 0;
  }
  if (*t < aquad::min_instant || *t >= aquad::max_instant)
    std::abort();
  auto again = aquad::parse_timestamp(aquad::format_timestamp(*t));
  if (!again || *again != *t)
    std::abort();
  aquad::parse_duration(text);
  return 0;
}
