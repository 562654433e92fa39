#include "services/gw_citymgmt/inspectors.hpp"

#include <fstream>
#include <sstream>
#include <vector>

namespace liandong::citymgmt {
namespace {

std::vector<std::string> split(const std::string& line, char sep) {
  std::vector<std::string> out;
  std::string field;
  std::istringstream in(line);
  while (std::getline(in, field, sep)) out.push_back(field);
  if (!line.empty() && line.back() == sep) out.emplace_back();
  return out;
}

}  // namespace

Result<InspectorRegistry> InspectorRegistry::load(const std::string& inspectors_csv, const std::string& grids_csv) {
  InspectorRegistry reg;
  std::ifstream grids(grids_csv);
  if (!grids) return Status(ErrorCode::kInvalidValue, "cannot read " + grids_csv);
  std::string line;
  int n = 0;
  while (std::getline(grids, line)) {
    if (++n == 1) continue;  // header
    const auto a = line.find(',');
    const auto b = a == std::string::npos ? a : line.find(',', a + 1);
    if (b == std::string::npos) return Status(ErrorCode::kInvalidValue, grids_csv + ":" + std::to_string(n) + ": fewer than 2 columns");
    reg.grid_zone_[line.substr(0, a)] = line.substr(a + 1, b - a - 1);
  }
  std::ifstream in(inspectors_csv);
  if (!in) return Status(ErrorCode::kInvalidValue, "cannot read " + inspectors_csv);
  n = 0;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (++n == 1) {
      if (line != "id,zone,town,first_grid,last_grid") {
        return Status(ErrorCode::kInvalidValue, inspectors_csv + ":1: header must be 'id,zone,town,first_grid,last_grid'");
      }
      continue;
    }
    if (line.empty()) continue;
    const auto f = split(line, ',');
    const std::string where = inspectors_csv + ":" + std::to_string(n);
    if (f.size() != 5) return Status(ErrorCode::kInvalidValue, where + ": expected 5 columns, found " + std::to_string(f.size()));
    Inspector i{f[0], f[1], f[2], f[3], f[4]};
    if (i.id.empty()) return Status(ErrorCode::kInvalidValue, where + ": empty inspector id");
    if (reg.inspectors_.contains(i.id)) return Status(ErrorCode::kInvalidValue, where + ": inspector '" + i.id + "' listed twice");
    reg.inspectors_[i.id] = std::move(i);
  }
  if (reg.inspectors_.empty()) return Status(ErrorCode::kInvalidValue, inspectors_csv + ": no inspectors");
  return reg;
}

const Inspector* InspectorRegistry::find(const std::string& inspector_id) const {
  auto it = inspectors_.find(inspector_id);
  return it == inspectors_.end() ? nullptr : &it->second;
}

std::optional<std::string> InspectorRegistry::zone_of_grid(const std::string& grid) const {
  auto it = grid_zone_.find(grid);
  if (it == grid_zone_.end()) return std::nullopt;
  return it->second;
}

bool InspectorRegistry::covers(const Inspector& inspector, const std::string& grid) const {
  auto zone = zone_of_grid(grid);
  return zone && *zone == inspector.zone;
}

}  // namespace liandong::citymgmt
