// The hand-chosen facts the Zhuji generator starts from: the 27 towns and streets with their
// approximate centres, the stations, departments and centres, the city outline and the areas
// without grids (a reservoir, a lake, two mountains). Positions are approximate, names are real.
#pragma once

#include <span>
#include <string_view>

#include "tools/gen_zhuji/geo.hpp"

namespace liandong::gen {

// A point from thousandths of a degree, so the tables hold exact integers.
constexpr Point mdeg(int lat_mdeg, int lon_mdeg) { return Point{lat_mdeg * 100, lon_mdeg * 100}; }

struct TownDef {
  std::string_view id;       // lower-case pinyin, used in unit ids: citymgmt.<id>
  std::string_view name;     // 枫桥镇
  std::string_view name_en;  // Fengqiao Town
  std::string_view kind;     // "street" (街道), "town" (镇) or "township" (乡)
  Point seed;                // approximate centre; towns are the Voronoi cells of these
  int police;                // index into police_stations(): the town's police jurisdiction
};

struct UnitDef {
  std::string_view id;
  std::string_view name;
  std::string_view name_en;
  Point at;
};

struct AgencyDef {
  std::string_view id;
  std::string_view name;
  std::string_view name_en;
};

struct GapDef {
  std::string_view name;
  std::string_view name_en;
  Point centre;
  int radius_m;
};

std::span<const TownDef> towns();
std::span<const AgencyDef> agencies();
std::span<const UnitDef> command_units();  // command.centre and the four platform supervisors
std::span<const UnitDef> police_stations();
std::span<const UnitDef> fire_stations();
std::span<const UnitDef> ems_stations();
std::span<const UnitDef> traffic_squadrons();
std::span<const UnitDef> utility_crews();
std::span<const UnitDef> departments();        // the 96345 work-order departments
std::span<const UnitDef> mediation_centres();  // the seed's six specialist centres
std::span<const GapDef> gaps();
std::span<const Point> outline();  // Zhuji's rough boundary, clockwise, star-shaped around city_centre()
Point city_centre();

}  // namespace liandong::gen
