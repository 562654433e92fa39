#include "tools/cli/demo_scenario.hpp"

#include <algorithm>
#include <set>

#include "core/config.hpp"

namespace liandong::cli {
namespace {

bool is_platform(const std::string& p) { return p == "110" || p == "96345" || p == "citymgmt" || p == "watch"; }

// Reads typed keys of one TOML table and refuses keys it does not know, naming the place.
class TableReader {
 public:
  TableReader(const toml::table& t, std::string where) : t_(t), where_(std::move(where)) {}

  template <class T>
  void get(const std::string& key, T& out) {
    seen_.insert(key);
    const toml::node* n = t_.get(key);
    if (n == nullptr) return;
    if constexpr (std::is_same_v<T, double>) {
      if (auto v = n->value<double>()) {
        out = *v;
        return;
      }
    } else if constexpr (std::is_same_v<T, std::string>) {
      if (auto v = n->value<std::string>()) {
        out = *v;
        return;
      }
    } else if constexpr (std::is_same_v<T, std::int64_t> || std::is_same_v<T, int>) {
      if (auto v = n->value<std::int64_t>()) {
        out = static_cast<T>(*v);
        return;
      }
    } else if constexpr (std::is_same_v<T, std::vector<std::string>>) {
      if (const auto* a = n->as_array()) {
        out.clear();
        for (const auto& e : *a) {
          if (auto s = e.value<std::string>()) {
            out.push_back(*s);
          } else {
            fail(key, "must be a list of strings");
            return;
          }
        }
        return;
      }
    }
    fail(key, "has the wrong type");
  }
  template <class T>
  void get(const std::string& key, std::optional<T>& out) {
    if (t_.get(key) == nullptr) {
      seen_.insert(key);
      return;
    }
    T v{};
    get(key, v);
    out = v;
  }
  void fail(const std::string& key, const std::string& why) {
    if (status_.ok()) status_ = Status(ErrorCode::kConfig, where_ + ": '" + key + "' " + why);
  }
  Status finish() {
    for (auto&& [k, v] : t_) {
      const std::string key(k.str());
      if (!seen_.contains(key)) fail(key, "is not a known key");
    }
    return status_;
  }

 private:
  const toml::table& t_;
  std::string where_;
  std::set<std::string> seen_;
  Status status_;
};

}  // namespace

void DemoScenario::scale(double factor) {
  duration_s *= factor;
  settle_s *= factor;
  for (DemoStep& step : steps) step.at_s *= factor;
  background.reports_per_minute /= factor;
}

Result<DemoScenario> load_demo_scenario(const std::string& path) {
  auto doc = load_toml_file(path);
  if (!doc.ok()) return doc.status();
  DemoScenario sc;
  sc.file = path;
  toml::table top;
  for (auto&& [k, v] : *doc) {
    if (k.str() != "units" && k.str() != "background" && k.str() != "step") top.insert(k, v);
  }
  TableReader r(top, path);
  r.get("duration_seconds", sc.duration_s);
  r.get("settle_seconds", sc.settle_s);
  if (auto s = r.finish(); !s.ok()) return s;
  if (sc.duration_s <= 0 || sc.duration_s > 3600) {
    return Status(ErrorCode::kConfig, path + ": duration_seconds must be more than 0 and at most 3600");
  }

  if (const auto* units = doc->get_as<toml::table>("units")) {
    TableReader u(*units, path + " [units]");
    u.get("accept_min_ms", sc.units.accept_min_ms);
    u.get("accept_max_ms", sc.units.accept_max_ms);
    u.get("never_acknowledge", sc.units.never_acknowledge);
    if (auto s = u.finish(); !s.ok()) return s;
    if (sc.units.accept_min_ms < 0 || sc.units.accept_max_ms < sc.units.accept_min_ms) {
      return Status(ErrorCode::kConfig, path + " [units]: need 0 <= accept_min_ms <= accept_max_ms");
    }
  }
  if (const auto* bg = doc->get_as<toml::table>("background")) {
    TableReader b(*bg, path + " [background]");
    std::int64_t seed = 1;
    b.get("reports_per_minute", sc.background.reports_per_minute);
    b.get("seed", seed);
    b.get("categories_110", sc.background.categories_110);
    b.get("categories_96345", sc.background.categories_96345);
    b.get("categories_citymgmt", sc.background.categories_citymgmt);
    b.get("watch_share", sc.background.watch_share);
    if (auto s = b.finish(); !s.ok()) return s;
    sc.background.seed = static_cast<std::uint32_t>(seed);
    if (sc.background.reports_per_minute < 0 || sc.background.reports_per_minute > 6000) {
      return Status(ErrorCode::kConfig, path + " [background]: reports_per_minute must be 0..6000");
    }
  }
  std::set<std::string> names;
  if (const auto* steps = doc->get_as<toml::array>("step")) {
    int index = 0;
    for (const auto& node : *steps) {
      ++index;
      const auto* t = node.as_table();
      const std::string where = path + " step " + std::to_string(index);
      if (t == nullptr) return Status(ErrorCode::kConfig, where + ": must be a table ([[step]])");
      DemoStep st;
      TableReader s(*t, where);
      s.get("at", st.at_s);
      s.get("name", st.name);
      s.get("action", st.action);
      s.get("platform", st.platform);
      s.get("category", st.category);
      s.get("priority", st.priority);
      s.get("lat", st.lat);
      s.get("lon", st.lon);
      s.get("grid", st.grid);
      s.get("household", st.household);
      s.get("caller", st.caller);
      s.get("address", st.address);
      s.get("text", st.text);
      s.get("neighbour_acks", st.neighbour_acks);
      s.get("of", st.of);
      s.get("to", st.to);
      s.get("reason", st.reason);
      if (auto e = s.finish(); !e.ok()) return e;
      if (st.at_s < 0) return Status(ErrorCode::kConfig, where + ": 'at' must not be negative");
      if (st.action == "report") {
        if (!is_platform(st.platform)) {
          return Status(ErrorCode::kConfig, where + ": platform '" + st.platform + "' is not 110, 96345, citymgmt or watch");
        }
        if (st.category.empty() && st.platform != "watch") return Status(ErrorCode::kConfig, where + ": needs a category");
        if (st.lat.has_value() != st.lon.has_value()) return Status(ErrorCode::kConfig, where + ": give both lat and lon");
      } else if (st.action == "transfer") {
        if (!names.contains(st.of)) {
          return Status(ErrorCode::kConfig, where + ": 'of' must name an earlier step, not '" + st.of + "'");
        }
        if (!is_platform(st.to) || st.to == "watch") {
          return Status(ErrorCode::kConfig, where + ": 'to' must be 110, 96345 or citymgmt");
        }
      } else {
        return Status(ErrorCode::kConfig, where + ": action '" + st.action + "' is not report or transfer");
      }
      if (!st.name.empty()) names.insert(st.name);
      sc.steps.push_back(std::move(st));
    }
  }
  std::stable_sort(sc.steps.begin(), sc.steps.end(), [](const DemoStep& a, const DemoStep& b) { return a.at_s < b.at_s; });
  return sc;
}

}  // namespace liandong::cli
