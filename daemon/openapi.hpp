// SPDX-License-Identifier: MIT
#pragma once

#include <string_view>

namespace aquad {

/// docs/openapi.yaml as built into the binary, served at GET /openapi.yaml.
std::string_view openapi_yaml();

} // namespace aquad
