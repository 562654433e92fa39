// Integer geometry for the generator: coordinates in 1e-5 degree steps and squared distances in
// mm², so every decision (which town, which station) is exact and the same on every machine.
#pragma once

#include <cstdint>
#include <span>
#include <string>

namespace liandong::gen {

using E5 = std::int32_t;  // a latitude or longitude in units of 0.00001 degree

struct Point {
  E5 lat = 0;
  E5 lon = 0;
};

// Ground length of one E5 step at Zhuji's latitude (about 29.7° N), in millimetres.
inline constexpr std::int64_t kMmPerE5Lat = 1109;
inline constexpr std::int64_t kMmPerE5Lon = 967;

// Squared ground distance in mm² (equirectangular; good to well under 1% over the city).
std::int64_t distance2_mm(Point a, Point b);

bool within_metres(Point p, Point centre, std::int64_t radius_m);

// How far `p` is from `centre` relative to the outline, along the ray from `centre` through `p`:
// < 1 inside, 1 on the outline, > 1 outside. `outline` must be star-shaped around `centre`.
double outline_scale(std::span<const Point> outline, Point centre, Point p);

// Position of cell (x, y) along a Hilbert curve over a 2^order_bits square.
std::uint32_t hilbert_index(unsigned order_bits, std::uint32_t x, std::uint32_t y);

// "29.71800": fixed five decimals, printed from the integer (no floating point, no locale).
std::string format_e5(E5 v);

}  // namespace liandong::gen
