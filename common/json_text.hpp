// SPDX-License-Identifier: MIT
#pragma once

#include <string>
#include <string_view>

namespace aquad {

/// Appends `text` escaped for the inside of a JSON string literal (no
/// quotes): `"` and `\` escaped, control characters as \u00XX, and any
/// byte that is not valid UTF-8 replaced by \ufffd, so the result is
/// always valid JSON whatever a client sent. Used by answers and logs.
void append_json_escaped(std::string& out, std::string_view text);

} // namespace aquad
