// SPDX-License-Identifier: MIT
#include "common/time.hpp"

#include <array>
#include <limits>

namespace aquad {

namespace {

// Days are counted from 0001-01-01 (proleptic Gregorian), which keeps all
// divisions on non-negative numbers for the years aquad represents.
constexpr std::int64_t days_0001_to_1970 = 719'162;
constexpr std::int64_t days_per_400y = 146'097;
constexpr std::int64_t days_per_100y = 36'524;
constexpr std::int64_t days_per_4y = 1'461;

constexpr std::array<int, 12> month_days = {31, 28, 31, 30, 31, 30,
                                            31, 31, 30, 31, 30, 31};

bool is_leap(int year) {
  return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

int days_in_month(int year, int month) {
  return month == 2 && is_leap(year) ? 29 : month_days[month - 1];
}

std::int64_t days_before_year(int year) {
  std::int64_t y = year - 1;
  return 365 * y + y / 4 - y / 100 + y / 400;
}

std::int64_t days_since_0001(int year, int month, int day) {
  std::int64_t days = days_before_year(year);
  for (int m = 1; m < month; ++m)
    days += days_in_month(year, m);
  return days + day - 1;
}

struct civil_date {
  int year;
  int month;
  int day;
};

civil_date civil_from_days(std::int64_t days) {
  auto n400 = days / days_per_400y;
  days %= days_per_400y;
  // The last day of a 400-year cycle would give n100 == 4; the same for
  // n1 in a 4-year cycle. Both belong to the previous (leap) group.
  auto n100 = std::min<std::int64_t>(days / days_per_100y, 3);
  days -= n100 * days_per_100y;
  auto n4 = days / days_per_4y;
  days %= days_per_4y;
  auto n1 = std::min<std::int64_t>(days / 365, 3);
  days -= n1 * 365;
  int year = static_cast<int>(400 * n400 + 100 * n100 + 4 * n4 + n1 + 1);
  int month = 1;
  while (days >= days_in_month(year, month))
    days -= days_in_month(year, month++);
  return {year, month, static_cast<int>(days) + 1};
}

// A cursor over the text being parsed; each reader consumes on success.
struct scanner {
  std::string_view text;
  std::size_t pos = 0;

  bool at_end() const { return pos == text.size(); }
  char peek() const { return at_end() ? '\0' : text[pos]; }

  bool digits(std::size_t count, int& value) {
    if (text.size() - pos < count)
      return false;
    int v = 0;
    for (std::size_t i = 0; i < count; ++i) {
      char c = text[pos + i];
      if (c < '0' || c > '9')
        return false;
      v = v * 10 + (c - '0');
    }
    pos += count;
    value = v;
    return true;
  }

  bool literal(char c) {
    if (peek() != c)
      return false;
    ++pos;
    return true;
  }
};

std::optional<micros> fail(std::string* why, const char* message) {
  if (why != nullptr)
    *why = message;
  return std::nullopt;
}

} // namespace

std::optional<micros> parse_timestamp(std::string_view text,
                                      std::string* why) {
  constexpr const char* shape =
    "timestamp must be RFC 3339 with an offset, e.g. "
    "2026-12-04T15:40:12.123Z";
  scanner in{text};
  int year, month, day, hour, minute, second;
  if (!in.digits(4, year) || !in.literal('-') || !in.digits(2, month)
      || !in.literal('-') || !in.digits(2, day))
    return fail(why, shape);
  if (!in.literal('T') && !in.literal('t'))
    return fail(why, shape);
  if (!in.digits(2, hour) || !in.literal(':') || !in.digits(2, minute)
      || !in.literal(':') || !in.digits(2, second))
    return fail(why, shape);

  // Fraction: 1 to 9 digits after the dot; past the sixth they are dropped.
  micros fraction = 0;
  if (in.literal('.')) {
    int count = 0;
    while (in.peek() >= '0' && in.peek() <= '9') {
      if (++count > 9)
        return fail(why, "timestamp has more than 9 fractional digits");
      if (count <= 6)
        fraction = fraction * 10 + (in.peek() - '0');
      ++in.pos;
    }
    if (count == 0)
      return fail(why, shape);
    for (; count < 6; ++count)
      fraction *= 10;
  }

  // Offset: Z, or a sign with HH:MM. A local time without one is ambiguous.
  micros offset = 0;
  if (in.literal('Z') || in.literal('z')) {
    offset = 0;
  } else if (in.peek() == '+' || in.peek() == '-') {
    int sign = in.peek() == '-' ? -1 : 1;
    ++in.pos;
    int oh, om;
    if (!in.digits(2, oh) || !in.literal(':') || !in.digits(2, om))
      return fail(why, "timestamp offset must be Z or +HH:MM / -HH:MM");
    if (oh > 23 || om > 59)
      return fail(why, "timestamp offset is out of range");
    offset = sign * (oh * usec_per_hour + om * usec_per_min);
  } else {
    return fail(why, in.at_end()
                       ? "timestamp needs Z or an offset such as +02:00"
                       : shape);
  }
  if (!in.at_end())
    return fail(why, shape);

  if (year < 1 || month < 1 || month > 12 || day < 1
      || day > days_in_month(year, month) || hour > 23 || minute > 59)
    return fail(why, "timestamp is not a valid calendar date and time");
  if (second == 60)
    return fail(why, "leap seconds (:60) are not accepted; send :59 or the "
                     "next second");
  if (second > 59)
    return fail(why, "timestamp is not a valid calendar date and time");

  auto days = days_since_0001(year, month, day) - days_0001_to_1970;
  micros t = days * usec_per_day + hour * usec_per_hour
             + minute * usec_per_min + second * usec_per_sec + fraction
             - offset;
  if (t < min_instant || t >= max_instant)
    return fail(why, "timestamp lies outside years 0001 to 9999 (UTC)");
  return t;
}

void append_timestamp(std::string& out, micros t) {
  auto day_start = floor_to(t, usec_per_day);
  auto date = civil_from_days(day_start / usec_per_day + days_0001_to_1970);
  auto in_day = t - day_start;
  auto secs = in_day / usec_per_sec;
  auto frac = in_day % usec_per_sec;

  char buf[32];
  auto put = [&](std::size_t at, std::int64_t value, int width) {
    for (int i = width - 1; i >= 0; --i) {
      buf[at + i] = static_cast<char>('0' + value % 10);
      value /= 10;
    }
  };
  put(0, date.year, 4);
  buf[4] = '-';
  put(5, date.month, 2);
  buf[7] = '-';
  put(8, date.day, 2);
  buf[10] = 'T';
  put(11, secs / 3600, 2);
  buf[13] = ':';
  put(14, secs / 60 % 60, 2);
  buf[16] = ':';
  put(17, secs % 60, 2);
  buf[19] = '.';
  put(20, frac, 6);
  buf[26] = 'Z';
  out.append(buf, 27);
}

std::string format_timestamp(micros t) {
  std::string out;
  append_timestamp(out, t);
  return out;
}

std::optional<micros> parse_duration(std::string_view text) {
  if (text.size() < 2 || text.size() > 19)
    return std::nullopt;
  micros unit;
  switch (text.back()) {
    case 's': unit = usec_per_sec; break;
    case 'm': unit = usec_per_min; break;
    case 'h': unit = usec_per_hour; break;
    case 'd': unit = usec_per_day; break;
    default: return std::nullopt;
  }
  micros value = 0;
  for (std::size_t i = 0; i + 1 < text.size(); ++i) {
    char c = text[i];
    if (c < '0' || c > '9')
      return std::nullopt;
    value = value * 10 + (c - '0');
    // Anything past ~290,000 years would overflow micros.
    if (value > std::numeric_limits<micros>::max() / unit)
      return std::nullopt;
  }
  return value * unit;
}

std::string format_duration(micros d) {
  if (d != 0 && d % usec_per_day == 0)
    return std::to_string(d / usec_per_day) + "d";
  if (d != 0 && d % usec_per_hour == 0)
    return std::to_string(d / usec_per_hour) + "h";
  if (d != 0 && d % usec_per_min == 0)
    return std::to_string(d / usec_per_min) + "m";
  if (d % usec_per_sec == 0)
    return std::to_string(d / usec_per_sec) + "s";
  return std::to_string(d) + "us";
}

} // namespace aquad

#include <chrono>

namespace aquad {

micros system_now() {
  using namespace std::chrono;
  return duration_cast<microseconds>(system_clock::now().time_since_epoch())
    .count();
}

} // namespace aquad
