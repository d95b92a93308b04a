// SPDX-License-Identifier: MIT
#pragma once

#include <string>

#include "common/time.hpp"

namespace aquad {

/// One validated reading from a sensor, as accepted at the HTTP edge. Its
/// identity is (`sensor_id`, `time`); two readings with the same identity
/// and the same values are one reading.
struct measurement {
  std::string sensor_id;
  micros time = 0;
  double temperature_c = 0;
  double conductivity_us_cm = 0;
};

/// The values of a reading inside one sensor's series.
struct raw_point {
  micros time = 0;
  double temperature_c = 0;
  double conductivity_us_cm = 0;

  bool same_values(const raw_point& other) const {
    return temperature_c == other.temperature_c
           && conductivity_us_cm == other.conductivity_us_cm;
  }
};

} // namespace aquad
