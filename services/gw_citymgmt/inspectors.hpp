// The grid inspectors (网格监督员) of a deployment: inspectors.csv names, for every grid zone,
// the inspector who covers its grids, and grids.csv says which zone a grid is in. Verification
// (核查) of a case is allowed only to an inspector of the case's grid.
#pragma once

#include <map>
#include <optional>
#include <string>

#include "core/status.hpp"

namespace liandong::citymgmt {

struct Inspector {
  std::string id;
  std::string zone;
  std::string town;
  std::string first_grid;  // the zone's grids, for messages
  std::string last_grid;
};

class InspectorRegistry {
 public:
  // inspectors.csv: header "id,zone,town,first_grid,last_grid"; grids.csv: the deployment's grid
  // table (only its id and zone columns are read). Errors name the file and the line.
  static Result<InspectorRegistry> load(const std::string& inspectors_csv, const std::string& grids_csv);

  const Inspector* find(const std::string& inspector_id) const;
  std::optional<std::string> zone_of_grid(const std::string& grid) const;
  // The inspector covers `grid` (the grid is in the inspector's zone).
  bool covers(const Inspector& inspector, const std::string& grid) const;
  std::size_t size() const { return inspectors_.size(); }

  // For tests: add entries by hand.
  void add(Inspector inspector) { inspectors_[inspector.id] = std::move(inspector); }
  void add_grid(const std::string& grid, const std::string& zone) { grid_zone_[grid] = zone; }

 private:
  std::map<std::string, Inspector> inspectors_;
  std::map<std::string, std::string> grid_zone_;
};

}  // namespace liandong::citymgmt
