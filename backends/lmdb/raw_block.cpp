// SPDX-License-Identifier: MIT
#include "backends/lmdb/raw_block.hpp"

#include <cmath>
#include <cstdint>
#include <cstring>

namespace aquad {

namespace {

constexpr int max_scale = 9;
constexpr double max_mantissa = 2251799813685248.0; // 2^51

constexpr double powers[] = {1e0, 1e1, 1e2, 1e3, 1e4,
                             1e5, 1e6, 1e7, 1e8, 1e9};

// Header flag bits: which metrics are stored as raw doubles.
constexpr unsigned char temperature_raw = 1;
constexpr unsigned char conductivity_raw = 2;

void put_varint(std::string& out, std::uint64_t v) {
  while (v >= 0x80) {
    out += static_cast<char>((v & 0x7F) | 0x80);
    v >>= 7;
  }
  out += static_cast<char>(v);
}

std::uint64_t zigzag(std::int64_t v) {
  return (static_cast<std::uint64_t>(v) << 1) ^ static_cast<std::uint64_t>(v >> 63);
}

std::int64_t unzigzag(std::uint64_t v) {
  return static_cast<std::int64_t>(v >> 1) ^ -static_cast<std::int64_t>(v & 1);
}

class byte_reader {
public:
  byte_reader(const void* data, std::size_t size)
    : p_(static_cast<const unsigned char*>(data)), end_(p_ + size) {}

  bool byte(unsigned char& out) {
    if (p_ == end_)
      return false;
    out = *p_++;
    return true;
  }

  bool varint(std::uint64_t& out) {
    std::uint64_t v = 0;
    for (int shift = 0; shift < 64; shift += 7) {
      if (p_ == end_)
        return false;
      unsigned char b = *p_++;
      v |= static_cast<std::uint64_t>(b & 0x7F) << shift;
      if ((b & 0x80) == 0) {
        out = v;
        return true;
      }
    }
    return false;
  }

  bool raw_double(double& out) {
    if (end_ - p_ < 8)
      return false;
    std::memcpy(&out, p_, 8);
    p_ += 8;
    return true;
  }

private:
  const unsigned char* p_;
  const unsigned char* end_;
};

// Rounds to the nearest integer for |x| < 2^51 without a libm call:
// adding 1.5 * 2^52 leaves no fraction bits, so the FPU rounds.
double round_near(double x) {
  constexpr double magic = 6755399441055744.0;
  return (x + magic) - magic;
}

// The scale of one metric over points, or -1 for raw doubles.
int metric_scale(const raw_point* begin, const raw_point* end,
                 double raw_point::*field) {
  int scale = 0;
  for (auto* p = begin; p != end; ++p) {
    int s = decimal_scale(p->*field);
    if (s < 0)
      return -1;
    scale = std::max(scale, s);
  }
  for (auto* p = begin; p != end; ++p)
    if (std::abs(p->*field * powers[scale]) >= max_mantissa)
      return -1;
  return scale;
}

std::int64_t mantissa(double v, int scale) {
  return static_cast<std::int64_t>(round_near(v * powers[scale]));
}

std::size_t varint_size(std::uint64_t v) {
  std::size_t n = 1;
  while (v >= 0x80) {
    v >>= 7;
    ++n;
  }
  return n;
}

std::size_t value_size(double v, double prev, int scale) {
  if (scale < 0)
    return 8;
  return varint_size(zigzag(mantissa(v, scale) - mantissa(prev, scale)));
}

// Writes one metric of one point: a raw double, or the change of its
// mantissa since the previous point.
void put_value(std::string& out, double v, int scale, std::int64_t& prev) {
  if (scale < 0) {
    char buf[8];
    std::memcpy(buf, &v, 8);
    out.append(buf, 8);
    return;
  }
  auto m = mantissa(v, scale);
  put_varint(out, zigzag(m - prev));
  prev = m;
}

bool get_value(byte_reader& in, int scale, std::int64_t& prev, double& out) {
  if (scale < 0)
    return in.raw_double(out);
  std::uint64_t z;
  if (!in.varint(z))
    return false;
  prev += unzigzag(z);
  out = static_cast<double>(prev) / powers[scale];
  return true;
}

} // namespace

int decimal_scale(double v) {
  if (!std::isfinite(v) || (std::signbit(v) && v == 0))
    return -1;
  for (int s = 0; s <= max_scale; ++s) {
    double scaled = v * powers[s];
    if (std::abs(scaled) >= max_mantissa)
      return -1;
    // Division of two exact doubles is correctly rounded, so this is the
    // decoder's result exactly.
    if (round_near(scaled) / powers[s] == v)
      return s;
  }
  return -1;
}

block_scales scales_of(const raw_point* begin, const raw_point* end) {
  return {metric_scale(begin, end, &raw_point::temperature_c),
          metric_scale(begin, end, &raw_point::conductivity_us_cm)};
}

std::string encode_block(const std::vector<raw_point>& points) {
  auto* b = points.data();
  return encode_block(b, b + points.size(), scales_of(b, b + points.size()));
}

std::string encode_block(const raw_point* begin, const raw_point* end,
                         block_scales scales) {
  std::string out;
  auto count = static_cast<std::size_t>(end - begin);
  out.reserve(16 + count * 6);
  int ts = scales.temperature, cs = scales.conductivity;
  unsigned char flags = (ts < 0 ? temperature_raw : 0)
                        | (cs < 0 ? conductivity_raw : 0);
  out += static_cast<char>(flags);
  out += static_cast<char>(ts < 0 ? 0 : ts);
  out += static_cast<char>(cs < 0 ? 0 : cs);
  put_varint(out, count);

  micros prev_time = begin->time;
  micros prev_gap = 0;
  std::int64_t prev_t = 0, prev_c = 0;
  for (auto* p = begin; p != end; ++p) {
    if (p != begin) {
      micros gap = p->time - prev_time;
      put_varint(out, zigzag(gap - prev_gap));
      prev_gap = gap;
      prev_time = p->time;
    }
    put_value(out, p->temperature_c, ts, prev_t);
    put_value(out, p->conductivity_us_cm, cs, prev_c);
  }
  return out;
}

block_sizer::block_sizer(const std::vector<raw_point>& pts,
                         block_scales scales)
  : first_(pts.size()), second_(pts.size()), prefix_(pts.size() + 1) {
  int ts = scales.temperature, cs = scales.conductivity;
  for (std::size_t k = 0; k < pts.size(); ++k) {
    const auto& p = pts[k];
    first_[k] = value_size(p.temperature_c, 0, ts)
                + value_size(p.conductivity_us_cm, 0, cs);
    std::size_t inside = 0;
    if (k > 0) {
      const auto& q = pts[k - 1];
      auto values = value_size(p.temperature_c, q.temperature_c, ts)
                    + value_size(p.conductivity_us_cm, q.conductivity_us_cm,
                                 cs);
      micros gap = p.time - q.time;
      second_[k] = values + varint_size(zigzag(gap));
      micros prev_gap = k > 1 ? q.time - pts[k - 2].time : 0;
      inside = values + varint_size(zigzag(gap - prev_gap));
    }
    prefix_[k + 1] = prefix_[k] + inside;
  }
}

std::size_t block_sizer::size(std::size_t i, std::size_t j) const {
  std::size_t n = 3 + varint_size(j - i) + first_[i];
  if (j - i >= 2)
    n += second_[i + 1] + (prefix_[j] - prefix_[i + 2]);
  return n;
}

bool decode_block(micros first, const void* data, std::size_t size,
                  std::vector<raw_point>& out) {
  byte_reader in{data, size};
  unsigned char flags, ts, cs;
  std::uint64_t count;
  if (!in.byte(flags) || !in.byte(ts) || !in.byte(cs) || !in.varint(count)
      || ts > max_scale || cs > max_scale)
    return false;
  int t_scale = flags & temperature_raw ? -1 : ts;
  int c_scale = flags & conductivity_raw ? -1 : cs;

  micros time = first;
  micros gap = 0;
  std::int64_t prev_t = 0, prev_c = 0;
  for (std::uint64_t i = 0; i < count; ++i) {
    if (i > 0) {
      std::uint64_t z;
      if (!in.varint(z))
        return false;
      gap += unzigzag(z);
      time += gap;
    }
    raw_point p;
    p.time = time;
    if (!get_value(in, t_scale, prev_t, p.temperature_c)
        || !get_value(in, c_scale, prev_c, p.conductivity_us_cm))
      return false;
    out.push_back(p);
  }
  return true;
}

} // namespace aquad
