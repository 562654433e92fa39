// Formatting shared by the report's sections: table rows, number formats, latency summaries.
#pragma once

#include <nlohmann/json.hpp>

#include <ostream>
#include <string>
#include <vector>

#include "bench/latency_stats.hpp"

namespace liandong::bench {

struct Row {
  std::string figure;
  std::string value;
  std::string unit;
  std::string detail;
};

// A titled table: figure, value (right-aligned), unit, detail.
void print_rows(std::ostream& out, const std::string& title, const std::vector<Row>& rows);
// p50 (titled, with the detail), then p90, p99, p99.9 and max, in milliseconds.
std::vector<Row> percentile_rows(const std::string& title, const LatencySummary& l, const std::string& detail);

double ratio(double numerator, double denominator);  // 0 when the denominator is not positive
std::string thousands(double value);                 // 123456.7 -> "123,457"
std::string fixed(double value, int decimals);
std::string ms(double value);                        // 3 decimals under 10, else 1

nlohmann::json json_of(const LatencySummary& s);

}  // namespace liandong::bench
