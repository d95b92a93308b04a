// SPDX-License-Identifier: MIT
#include "backends/lmdb/lmdb_codec.hpp"

#include <cstring>

namespace aquad {

namespace {

constexpr std::uint64_t sign_bit = 1ULL << 63;

// Fixed-width native-order fields for values; values never need to sort,
// and the store is not meant to move between machines of other byte order.
class writer {
public:
  explicit writer(unsigned char* out) : out_(out) {}

  template <class T>
  writer& put(const T& value) {
    std::memcpy(out_, &value, sizeof value);
    out_ += sizeof value;
    return *this;
  }

private:
  unsigned char* out_;
};

class reader {
public:
  reader(const void* in, std::size_t size)
    : in_(static_cast<const unsigned char*>(in)), left_(size) {}

  // A short record (a corrupt store) reads as zeros rather than past the
  // end of LMDB's page.
  template <class T>
  T get() {
    T value{};
    if (left_ >= sizeof value) {
      std::memcpy(&value, in_, sizeof value);
      in_ += sizeof value;
      left_ -= sizeof value;
    }
    return value;
  }

private:
  const unsigned char* in_;
  std::size_t left_;
};

void put_metric(writer& w, const metric_stats& m) {
  w.put(m.min).put(m.max).put(m.sum).put(m.sum_low).put(m.m2);
}

metric_stats get_metric(reader& r) {
  metric_stats m;
  m.min = r.get<double>();
  m.max = r.get<double>();
  m.sum = r.get<double>();
  m.sum_low = r.get<double>();
  m.m2 = r.get<double>();
  return m;
}

} // namespace

series_key::series_key(sensor_num sensor, micros time) {
  auto t = static_cast<std::uint64_t>(time) ^ sign_bit;
  for (int i = 0; i < 4; ++i)
    bytes[i] = static_cast<unsigned char>(sensor >> (24 - 8 * i));
  for (int i = 0; i < 8; ++i)
    bytes[4 + i] = static_cast<unsigned char>(t >> (56 - 8 * i));
}

series_key::position series_key::decode(const void* data, std::size_t size) {
  position pos{0, 0};
  if (size != 12)
    return pos;
  auto b = static_cast<const unsigned char*>(data);
  std::uint64_t t = 0;
  for (int i = 0; i < 4; ++i)
    pos.sensor = (pos.sensor << 8) | b[i];
  for (int i = 0; i < 8; ++i)
    t = (t << 8) | b[4 + i];
  pos.time = static_cast<micros>(t ^ sign_bit);
  return pos;
}

std::array<unsigned char, 88> encode_bucket(const bucket_stats& s) {
  std::array<unsigned char, 88> out;
  writer w{out.data()};
  w.put(s.count);
  put_metric(w, s.temperature);
  put_metric(w, s.conductivity);
  return out;
}

bucket_stats decode_bucket(const void* data, std::size_t size) {
  reader r{data, size};
  bucket_stats s;
  s.count = r.get<std::uint64_t>();
  s.temperature = get_metric(r);
  s.conductivity = get_metric(r);
  return s;
}

std::array<unsigned char, 52> encode_sensor(const sensor_record& r) {
  std::array<unsigned char, 52> out;
  writer{out.data()}
    .put(r.num)
    .put(r.first)
    .put(r.last)
    .put(r.count)
    .put(r.latest.time)
    .put(r.latest.temperature_c)
    .put(r.latest.conductivity_us_cm);
  return out;
}

sensor_record decode_sensor(std::string_view id, const void* data,
                            std::size_t size) {
  reader in{data, size};
  sensor_record r;
  r.id = std::string{id};
  r.num = in.get<sensor_num>();
  r.first = in.get<micros>();
  r.last = in.get<micros>();
  r.count = in.get<std::uint64_t>();
  r.latest.time = in.get<micros>();
  r.latest.temperature_c = in.get<double>();
  r.latest.conductivity_us_cm = in.get<double>();
  return r;
}

} // namespace aquad
