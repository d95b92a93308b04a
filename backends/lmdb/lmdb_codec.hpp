// SPDX-License-Identifier: MIT
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "backends/storage_backend.hpp"

namespace aquad {

/// Key of a series record: 4-byte big-endian sensor number, then the time
/// as 8 big-endian bytes with the sign bit flipped. Byte order then equals
/// (sensor, time) order, so LMDB's default comparison sorts each sensor's
/// records by time and a range query is one cursor walk; times before 1970
/// sort before later ones.
struct series_key {
  unsigned char bytes[12];

  series_key(sensor_num sensor, micros time);

  struct position {
    sensor_num sensor;
    micros time;
  };

  /// Reads a key written by the constructor; `size` must be 12.
  static position decode(const void* data, std::size_t size);
};

/// Bucket value: count, then min, max, sum, sum_low, m2 for each metric.
std::array<unsigned char, 88> encode_bucket(const bucket_stats& s);
bucket_stats decode_bucket(const void* data, std::size_t size);

/// Sensor value: number, first, last, count, latest point.
std::array<unsigned char, 52> encode_sensor(const sensor_record& r);
sensor_record decode_sensor(std::string_view id, const void* data,
                            std::size_t size);

} // namespace aquad
