#include "core/config.hpp"

#include <sstream>

namespace liandong {

namespace {
Status parse_error_status(const toml::parse_error& e, const std::string& source) {
  std::ostringstream os;
  os << source << ":" << e.source().begin.line << ":" << e.source().begin.column << ": "
     << e.description();
  return {ErrorCode::kConfig, os.str()};
}

std::string type_name(const toml::node& n) {
  switch (n.type()) {
    case toml::node_type::string: return "string";
    case toml::node_type::integer: return "integer";
    case toml::node_type::floating_point: return "float";
    case toml::node_type::boolean: return "boolean";
    case toml::node_type::array: return "array";
    case toml::node_type::table: return "table";
    default: return "date/time";
  }
}
}  // namespace

std::string config_where(const std::string& source, const toml::node& node) {
  const auto line = node.source().begin.line;
  return line == 0 ? source : source + ":" + std::to_string(line);
}

std::string config_value(const toml::node& node) {
  if (node.is_table()) return "a table";
  if (const auto* arr = node.as_array(); arr != nullptr && !arr->empty() && arr->front().is_table()) {
    return "an array of tables";
  }
  std::ostringstream os;
  node.visit([&os](const auto& v) { os << v; });
  std::string text = os.str();
  constexpr std::size_t kMax = 80;
  if (text.size() > kMax) {
    text.resize(kMax);
    text.append("...");
  }
  return text;
}

Result<toml::table> load_toml_file(const std::string& path) {
  try {
    return toml::parse_file(path);
  } catch (const toml::parse_error& e) {
    if (e.source().begin.line == 0 || std::string_view(e.description()).find("File could not be opened") != std::string_view::npos) {
      return Status(ErrorCode::kConfig, "cannot read config file '" + path + "': " + std::string(e.description()));
    }
    return parse_error_status(e, path);
  }
}

Result<toml::table> parse_toml(std::string_view text, const std::string& source_name) {
  try {
    return toml::parse(text, source_name);
  } catch (const toml::parse_error& e) {
    return parse_error_status(e, source_name);
  }
}

ConfigSection::ConfigSection(const toml::table* table, std::string source_name, std::string section)
    : table_(table), source_(std::move(source_name)), section_(std::move(section)) {}

const toml::node* ConfigSection::find(const std::string& key) {
  seen_.insert(key);
  if (table_ == nullptr || !status_.ok()) return nullptr;
  return table_->get(key);
}

std::string ConfigSection::label(const std::string& key) const {
  return section_.empty() ? key : section_ + "." + key;
}

std::string ConfigSection::where(const toml::node* node) const {
  if (node != nullptr) return config_where(source_, *node);
  return table_ != nullptr ? config_where(source_, *table_) : source_;
}

void ConfigSection::fail(const std::string& key, const std::string& why) {
  if (!status_.ok()) return;
  const toml::node* node = table_ != nullptr ? table_->get(key) : nullptr;
  const std::string value = node != nullptr ? " = " + config_value(*node) : "";
  status_ = Status(ErrorCode::kConfig, where(node) + ": key '" + label(key) + "'" + value + ": " + why);
}

void ConfigSection::reject(const std::string& key, const std::string& why) { fail(key, why); }

void ConfigSection::require(const std::string& key) {
  seen_.insert(key);
  if (status_.ok() && table_ != nullptr && table_->get(key) == nullptr) fail(key, "is missing (it is required)");
}

void ConfigSection::read(const std::string& key, std::string& out) {
  const toml::node* n = find(key);
  if (n == nullptr) return;
  if (auto v = n->value<std::string>(); v && n->is_string()) {
    out = *v;
  } else {
    fail(key, "expected a string, got " + type_name(*n));
  }
}

void ConfigSection::read(const std::string& key, bool& out) {
  const toml::node* n = find(key);
  if (n == nullptr) return;
  if (n->is_boolean()) {
    out = *n->value<bool>();
  } else {
    fail(key, "expected true or false, got " + type_name(*n));
  }
}

void ConfigSection::read(const std::string& key, std::int64_t& out, std::int64_t min, std::int64_t max) {
  const toml::node* n = find(key);
  if (n == nullptr) return;
  if (!n->is_integer()) {
    fail(key, "expected an integer, got " + type_name(*n));
    return;
  }
  const auto v = *n->value<std::int64_t>();
  if (v < min || v > max) {
    fail(key, "value " + std::to_string(v) + " is outside " + std::to_string(min) + ".." + std::to_string(max));
    return;
  }
  out = v;
}

void ConfigSection::read(const std::string& key, double& out) {
  const toml::node* n = find(key);
  if (n == nullptr) return;
  if (n->is_number()) {
    out = *n->value<double>();
  } else {
    fail(key, "expected a number, got " + type_name(*n));
  }
}

void ConfigSection::read(const std::string& key, std::vector<std::string>& out) {
  const toml::node* n = find(key);
  if (n == nullptr) return;
  const toml::array* arr = n->as_array();
  if (arr == nullptr) {
    fail(key, "expected an array of strings, got " + type_name(*n));
    return;
  }
  std::vector<std::string> values;
  for (const auto& item : *arr) {
    if (!item.is_string()) {
      fail(key, "expected an array of strings, found a " + type_name(item) + " in it");
      return;
    }
    values.push_back(*item.value<std::string>());
  }
  out = std::move(values);
}

void ConfigSection::read(const std::string& key, double& out, double min, double max) {
  double value = out;
  read(key, value);
  if (!status_.ok() || (table_ != nullptr && table_->get(key) == nullptr)) return;
  if (value < min || value > max) {
    fail(key, std::to_string(value) + " is outside " + std::to_string(min) + ".." + std::to_string(max));
    return;
  }
  out = value;
}

const toml::table* ConfigSection::table(const std::string& key) {
  const toml::node* n = find(key);
  if (n == nullptr) return nullptr;
  if (!n->is_table()) {
    fail(key, "expected a table, got " + type_name(*n));
    return nullptr;
  }
  return n->as_table();
}

const toml::array* ConfigSection::array(const std::string& key) {
  const toml::node* n = find(key);
  if (n == nullptr) return nullptr;
  if (!n->is_array()) {
    fail(key, "expected an array, got " + type_name(*n));
    return nullptr;
  }
  return n->as_array();
}

Status ConfigSection::finish() {
  // An unknown key first: a misspelt key ("twon") is usually also why another is "missing".
  if (table_ == nullptr) return status_;
  for (const auto& [key, node] : *table_) {
    if (!seen_.contains(std::string(key.str()))) {
      std::string known;
      for (const auto& k : seen_) known += (known.empty() ? "" : ", ") + k;
      return {ErrorCode::kConfig, config_where(source_, node) + ": unknown key '" +
                                      label(std::string(key.str())) + "' (misspelt? known here: " + known + ")"};
    }
  }
  return status_;
}

}  // namespace liandong
