// SPDX-License-Identifier: MIT
#include "common/errc.hpp"

#include <caf/atom.hpp>
#include <caf/make_message.hpp>

namespace aquad {

namespace {

constexpr caf::atom_value category = caf::atom("aquad");

struct code_info {
  const char* name;
  int status;
};

code_info info(errc code) {
  switch (code) {
    case errc::none: return {"none", 200};
    case errc::invalid_json: return {"invalid_json", 400};
    case errc::invalid_field: return {"invalid_field", 400};
    case errc::missing_field: return {"missing_field", 400};
    case errc::empty_batch: return {"empty_batch", 400};
    case errc::invalid_query: return {"invalid_query", 400};
    case errc::out_of_range: return {"out_of_range", 422};
    case errc::too_far_in_future: return {"too_far_in_future", 422};
    case errc::sensor_not_allowed: return {"sensor_not_allowed", 422};
    case errc::resolution_unavailable:
      return {"resolution_unavailable", 422};
    case errc::too_many_buckets: return {"too_many_buckets", 422};
    case errc::conflict: return {"conflict", 409};
    case errc::unknown_sensor: return {"unknown_sensor", 404};
    case errc::not_found: return {"not_found", 404};
    case errc::unauthorized: return {"unauthorized", 401};
    case errc::forbidden: return {"forbidden", 403};
    case errc::method_not_allowed: return {"method_not_allowed", 405};
    case errc::body_too_large: return {"body_too_large", 413};
    case errc::batch_too_large: return {"batch_too_large", 413};
    case errc::unsupported_media_type:
      return {"unsupported_media_type", 415};
    case errc::storage_full: return {"storage_full", 503};
    case errc::storage_unavailable: return {"storage_unavailable", 503};
    case errc::shutting_down: return {"shutting_down", 503};
    case errc::overloaded: return {"overloaded", 503};
    case errc::internal: return {"internal", 500};
  }
  return {"internal", 500};
}

} // namespace

const char* to_string(errc code) {
  return info(code).name;
}

int http_status(errc code) {
  return info(code).status;
}

caf::error make_error(errc code, std::string message) {
  return caf::error{static_cast<std::uint8_t>(code), category,
                    caf::make_message(std::move(message))};
}

problem to_problem(const caf::error& err) {
  problem result;
  if (err.category() != category) {
    result.code = errc::internal;
    result.message = "unexpected failure";
    return result;
  }
  result.code = static_cast<errc>(err.code());
  const auto& ctx = err.context();
  if (ctx.match_elements<std::string>())
    result.message = ctx.get_as<std::string>(0);
  else
    result.message = to_string(result.code);
  return result;
}

} // namespace aquad
