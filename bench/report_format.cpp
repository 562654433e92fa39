#include "bench/report_format.hpp"

#include <algorithm>
#include <cmath>
#include <iomanip>
#include <sstream>

namespace liandong::bench {

double ratio(double numerator, double denominator) { return denominator > 0 ? numerator / denominator : 0; }

std::string thousands(double value) {
  const auto n = static_cast<long long>(std::llround(value));
  std::string digits = std::to_string(n < 0 ? -n : n);
  for (int i = static_cast<int>(digits.size()) - 3; i > 0; i -= 3) digits.insert(static_cast<std::size_t>(i), ",");
  return (n < 0 ? "-" : "") + digits;
}

std::string fixed(double value, int decimals) {
  std::ostringstream s;
  s << std::fixed << std::setprecision(decimals) << value;
  return s.str();
}

std::string ms(double value) { return fixed(value, value < 10 ? 3 : 1); }

void print_rows(std::ostream& out, const std::string& title, const std::vector<Row>& rows) {
  std::size_t w_figure = title.size(), w_value = 5, w_unit = 4;
  for (const Row& r : rows) {
    w_figure = std::max(w_figure, r.figure.size());
    w_value = std::max(w_value, r.value.size());
    w_unit = std::max(w_unit, r.unit.size());
  }
  out << std::left << std::setw(static_cast<int>(w_figure)) << title << "  " << std::right
      << std::setw(static_cast<int>(w_value)) << "value" << "  " << std::left << std::setw(static_cast<int>(w_unit))
      << "unit" << "  " << "detail\n";
  out << std::string(w_figure + w_value + w_unit + 6 + 40, '-') << "\n";
  for (const Row& r : rows) {
    out << std::left << std::setw(static_cast<int>(w_figure)) << r.figure << "  " << std::right
        << std::setw(static_cast<int>(w_value)) << r.value << "  " << std::left << std::setw(static_cast<int>(w_unit))
        << r.unit << "  " << r.detail << "\n";
  }
}

std::vector<Row> percentile_rows(const std::string& title, const LatencySummary& l, const std::string& detail) {
  return {{title + ": p50", ms(l.p50_ms), "ms", detail},
          {"  p90", ms(l.p90_ms), "ms", ""},
          {"  p99", ms(l.p99_ms), "ms", ""},
          {"  p99.9", ms(l.p999_ms), "ms", ""},
          {"  max", ms(l.max_ms), "ms", ""}};
}

nlohmann::json json_of(const LatencySummary& s) {
  return {{"count", s.count}, {"mean_ms", s.mean_ms}, {"p50_ms", s.p50_ms},   {"p90_ms", s.p90_ms},
          {"p99_ms", s.p99_ms}, {"p99_9_ms", s.p999_ms}, {"max_ms", s.max_ms}};
}

}  // namespace liandong::bench
