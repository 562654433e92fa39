#include "tools/gen_zhuji/geo.hpp"

#include <cstdlib>
#include <limits>

namespace liandong::gen {

std::int64_t distance2_mm(Point a, Point b) {
  const std::int64_t dy = static_cast<std::int64_t>(a.lat - b.lat) * kMmPerE5Lat;
  const std::int64_t dx = static_cast<std::int64_t>(a.lon - b.lon) * kMmPerE5Lon;
  return dx * dx + dy * dy;
}

bool within_metres(Point p, Point centre, std::int64_t radius_m) {
  const std::int64_t r_mm = radius_m * 1000;
  return distance2_mm(p, centre) <= r_mm * r_mm;
}

namespace {
std::int64_t cross(std::int64_t ax, std::int64_t ay, std::int64_t bx, std::int64_t by) { return ax * by - ay * bx; }
}  // namespace

double outline_scale(std::span<const Point> outline, Point centre, Point p) {
  const std::int64_t dx = p.lon - centre.lon;
  const std::int64_t dy = p.lat - centre.lat;
  if (dx == 0 && dy == 0) return 0.0;
  // Solve centre + u·d = A + t·(B − A) for each edge; the ray leaves the outline at the
  // smallest u > 0 with 0 <= t <= 1, and p's scale is 1/u. Only the last step divides.
  double best = std::numeric_limits<double>::max();
  for (std::size_t i = 0; i < outline.size(); ++i) {
    const Point a = outline[i];
    const Point b = outline[(i + 1) % outline.size()];
    const std::int64_t ex = b.lon - a.lon, ey = b.lat - a.lat;
    const std::int64_t acx = a.lon - centre.lon, acy = a.lat - centre.lat;
    std::int64_t denom = cross(dx, dy, ex, ey);
    if (denom == 0) continue;
    std::int64_t num_u = cross(acx, acy, ex, ey);
    std::int64_t num_t = cross(acx, acy, dx, dy);
    if (denom < 0) {
      denom = -denom;
      num_u = -num_u;
      num_t = -num_t;
    }
    if (num_u <= 0 || num_t < 0 || num_t > denom) continue;
    const double scale = static_cast<double>(denom) / static_cast<double>(num_u);
    if (scale < best) best = scale;
  }
  return best;
}

std::uint32_t hilbert_index(unsigned order_bits, std::uint32_t x, std::uint32_t y) {
  const std::uint32_t n = 1u << order_bits;
  std::uint32_t d = 0;
  for (std::uint32_t s = n / 2; s > 0; s >>= 1) {
    const std::uint32_t rx = (x & s) ? 1 : 0;
    const std::uint32_t ry = (y & s) ? 1 : 0;
    d += s * s * ((3 * rx) ^ ry);
    if (ry == 0) {  // rotate the quadrant
      if (rx == 1) {
        x = n - 1 - x;
        y = n - 1 - y;
      }
      const std::uint32_t t = x;
      x = y;
      y = t;
    }
  }
  return d;
}

std::string format_e5(E5 v) {
  std::string out;
  if (v < 0) out += '-';
  const std::int64_t a = std::llabs(static_cast<long long>(v));
  out += std::to_string(a / 100000);
  out += '.';
  const std::string frac = std::to_string(a % 100000);
  out.append(5 - frac.size(), '0');
  out += frac;
  return out;
}

}  // namespace liandong::gen
