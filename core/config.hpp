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

// "file:line" of a node read from a file (just "file" when toml++ recorded no position).
std::string config_where(const std::string& source, const toml::node& node);
// A node's value as written, shortened for an error message: "abc" (quoted), 60, [1, 2], a table.
std::string config_value(const toml::node& node);

// Reads keys of one table ("broker") into variables, collecting the first error. A key that is
// absent leaves the variable at its default; `finish()` also rejects keys it never read, so a
// typo ("heartbeat_sm") is an error rather than silently ignored. Every error names the file,
// the line, the key and the value found: `units.toml:12: key 'unit.lat' = 147.0: ...`.
class ConfigSection {
 public:
  // `table` may be null (the section is absent: every key keeps its default). `section` is how
  // keys are named in errors; empty for a file's top level.
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
  // An array (of values or of tables); null when absent or not an array (the latter is an error).
  const toml::array* array(const std::string& key);
  // Marks `key` as one that must be present: absent, it is an error naming the table's line.
  void require(const std::string& key);
  // Records an error about a key the caller found wrong after reading it (an unknown unit, a
  // misspelt rung), in the same form as the reader's own errors. A key that is absent is named
  // with the table's line and no value.
  void reject(const std::string& key, const std::string& why);
  // True while no error has been recorded.
  bool ok() const { return status_.ok(); }

  Status finish();

 private:
  const toml::node* find(const std::string& key);
  void fail(const std::string& key, const std::string& why);
  std::string where(const toml::node* node) const;
  std::string label(const std::string& key) const;  // "section.key", or "key" at the top level

  const toml::table* table_;
  std::string source_;
  std::string section_;
  std::set<std::string> seen_;
  Status status_;
};

}  // namespace liandong
