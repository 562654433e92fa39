#include "tools/cli/stats_format.hpp"

#include <algorithm>
#include <iomanip>
#include <map>
#include <sstream>

#include "tools/cli/duration_text.hpp"

namespace liandong::cli {

namespace {
void write_counts(std::ostringstream& out, const std::string& title,
                  const std::map<std::string, std::uint64_t>& counts) {
  out << title << "\n";
  if (counts.empty()) {
    out << "  (none)\n";
    return;
  }
  std::size_t width = 0;
  for (const auto& [name, _] : counts) width = std::max(width, name.size());
  for (const auto& [name, value] : counts) {
    out << "  " << std::left << std::setw(static_cast<int>(width) + 2) << name << std::right << value << "\n";
  }
}
}  // namespace

std::string format_stats_table(const v1::StatsReply& stats, const std::string& endpoint,
                               const std::string& self_name) {
  std::ostringstream out;
  out << stats.service << " at " << endpoint << ", up " << format_duration(stats.uptime_ms) << "\n\n";
  write_counts(out, "counters", stats.counters);
  out << "\n";
  write_counts(out, "errors", stats.errors);
  if (!stats.peers) return out.str();  // only the broker lists peers
  out << "\n";
  const auto peers = stats.peers.value_or(std::vector<v1::PeerInfo>{});
  out << "peers (" << peers.size() << ")\n";
  if (peers.empty()) {
    out << "  (none)\n";
    return out.str();
  }
  std::size_t name_width = 4;
  std::size_t role_width = 4;
  for (const auto& p : peers) {
    name_width = std::max(name_width, p.name.size());
    role_width = std::max(role_width, p.role.size());
  }
  const auto name_col = static_cast<int>(name_width) + 2;
  const auto role_col = static_cast<int>(role_width) + 2;
  out << "  " << std::left << std::setw(name_col) << "NAME" << std::setw(role_col) << "ROLE" << "IDLE\n";
  for (const auto& p : peers) {
    out << "  " << std::left << std::setw(name_col) << p.name << std::setw(role_col) << p.role
        << format_duration(p.idle_ms) << (p.name == self_name ? "  (this command)" : "") << "\n";
  }
  return out.str();
}

nlohmann::ordered_json stats_to_json(const v1::StatsReply& stats, const std::string& endpoint) {
  nlohmann::ordered_json j;
  j["service"] = stats.service;
  j["endpoint"] = endpoint;
  j["uptime_ms"] = stats.uptime_ms;
  j["counters"] = nlohmann::ordered_json::object();
  for (const auto& [name, value] : stats.counters) j["counters"][name] = value;
  j["errors"] = nlohmann::ordered_json::object();
  for (const auto& [name, value] : stats.errors) j["errors"][name] = value;
  j["peers"] = nlohmann::ordered_json::array();
  for (const auto& p : stats.peers.value_or(std::vector<v1::PeerInfo>{})) {
    j["peers"].push_back({{"name", p.name}, {"role", p.role}, {"idle_ms", p.idle_ms}});
  }
  return j;
}

}  // namespace liandong::cli
