#include "tools/cli/common_options.hpp"

namespace liandong::cli {

void add_data_dir_option(CLI::App& command, std::string& data_dir) {
  data_dir = kDefaultDataDir;
  command.add_option("--data-dir", data_dir,
                     "where the running system keeps its endpoints, logs, keys and audit database "
                     "(default ./liandong-data)")
      ->type_name("DIR");
}

void add_broker_option(CLI::App& command, std::string& broker) {
  command.add_option("--broker", broker,
                     "the broker to talk to, e.g. tcp://127.0.0.1:5570 (default: the endpoint "
                     "'liandong up' wrote to DATA_DIR/endpoints/broker)")
      ->type_name("ENDPOINT");
}

void add_json_flag(CLI::App& command, bool& json, const std::string& what) {
  command.add_flag("--json", json, what);
}

}  // namespace liandong::cli
