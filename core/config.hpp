// Reading TOML config files into typed structs: defaults live in the structs, the file overrides
// them, and every problem names the file, the key and the bad value.
#pragma once

#include <toml++/toml.h>

#include <cstdint>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/status.hpp"

namespace liandong {

// Parses a TOML file. Errors name the file, line and column.
Result<toml::table> load_toml_file(const std::string& path);
Result<toml::table> parse_toml(std::string_view text, const std::string& source_name);

// Reads keys of one table ("broker") into variables, collecting the first error. A key that is
// absent leaves the variable at its default; `finish()` also rejects keys it never read, so a
// typo ("heartbeat_sm") is an error rather than silently ignored.
class ConfigSection {
 public:
  // `table` may be null (the section is absent: every key keeps its default).
  ConfigSection(const toml::table* table, std::string source_name, std::string section);

  void read(const std::string& key, std::string& out);
  void read(const std::string& key, bool& out);
  void read(const std::string& key, std::int64_t& out, std::int64_t min, std::int64_t max);
  void read(const std::string& key, double& out);
  void read(const std::string& key, std::vector<std::string>& out);
  void read(const std::string& key, double& out, double min, double max);
  // A sub-table ("[broker.rate_limits]" or an inline table); null when absent or not a table
  // (the latter is an error).
  const toml::table* table(const std::string& key);

  Status finish();

 private:
  const toml::node* find(const std::string& key);
  void fail(const std::string& key, const std::string& why);

  const toml::table* table_;
  std::string source_;
  std::string section_;
  std::set<std::string> seen_;
  Status status_;
};

}  // namespace liandong
