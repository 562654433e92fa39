// Options shared by many subcommands, declared once so their names and help read the same
// everywhere: --data-dir, --broker, --json.
#pragma once

#include <CLI/CLI.hpp>

#include <string>

namespace liandong::cli {

inline constexpr const char* kDefaultDataDir = "./liandong-data";

// --data-dir DIR (default ./liandong-data).
void add_data_dir_option(CLI::App& command, std::string& data_dir);
// --broker ENDPOINT; when absent the command reads DATA_DIR/endpoints/broker.
void add_broker_option(CLI::App& command, std::string& broker);
// --json: `what` says what is printed, e.g. "print one JSON object instead of a table".
void add_json_flag(CLI::App& command, bool& json, const std::string& what);

}  // namespace liandong::cli
