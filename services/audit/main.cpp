// liandong-audit: the event store service. Parses options, loads config, opens the log, runs.
#include <CLI/CLI.hpp>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <iostream>

#include "core/bus_client.hpp"
#include "core/bus_join.hpp"
#include "core/log.hpp"
#include "core/service_main.hpp"
#include "core/sockets.hpp"
#include "services/audit/audit_config.hpp"
#include "services/audit/audit_server.hpp"
#include "services/audit/sqlite_event_store.hpp"

using namespace liandong;

int main(int argc, char** argv) {
  CLI::App app{"liandong-audit: the audit log and event store. Appends every state change to a\n"
               "hash-chained SQLite log, acknowledges only what is durably committed, and serves\n"
               "reads, verification and a live stream over the bus."};
  std::string config_path, data_dir = "liandong-data", db, broker, name, sync, ready_file, log_file, keys_dir, log_level;
  bool check_only = false;
  app.add_option("-c,--config", config_path, "TOML file; its [audit] table (and [broker].endpoint) override the defaults");
  app.add_option("--data-dir", data_dir, "directory for the database when its path is relative (default ./liandong-data)");
  app.add_option("--db", db, "the audit database file (default DATA_DIR/audit.db)");
  app.add_option("--broker", broker, "the broker to connect to (default tcp://127.0.0.1:5570)");
  app.add_option("--name", name, "peer name on the bus (default audit)");
  app.add_option("--sync", sync, "full (default: an acknowledged event survives power loss) or normal "
                                 "(faster; the last transactions may be lost on power loss, never on a crash)");
  app.add_option("--ready-file", ready_file, "write the peer name here once registered with the broker");
  app.add_option("--log-file", log_file, "append the log to this file instead of stderr (stderr keeps what comes before the log opens)");
  app.add_option("--keys", keys_dir, kKeysOptionHelp);
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error or off");
  app.add_flag("--check-config", check_only, "validate the configuration, print it and exit");
  CLI11_PARSE(app, argc, argv);

  audit::AuditConfig config;
  if (!config_path.empty()) {
    auto loaded = audit::load_audit_config(config_path);
    if (!loaded.ok()) {
      std::cerr << "liandong-audit: " << loaded.status().message() << "\n";
      return 2;
    }
    config = *loaded;
  }
  if (!db.empty()) config.database = db;
  if (!broker.empty()) config.broker = broker;
  if (!name.empty()) config.name = name;
  if (!sync.empty()) config.sync = sync;
  if (!log_level.empty()) config.log_level = log_level;
  if (auto s = audit::validate(config); !s.ok()) {
    std::cerr << "liandong-audit: " << s.message() << "\n";
    return 2;
  }
  const std::filesystem::path db_path = std::filesystem::path(config.database).is_absolute()
                                            ? std::filesystem::path(config.database)
                                            : std::filesystem::path(data_dir) / config.database;
  if (check_only) {
    std::cout << "name = " << config.name << "\nbroker = " << config.broker << "\ndatabase = " << db_path.string()
              << "\nsync = " << config.sync << "\nconfig ok\n";
    return 0;
  }
  if (auto s = init_logging("audit", config.log_level, log_file); !s.ok()) {
    std::cerr << "liandong-audit: " << s.message() << "\n";
    return 2;
  }
  install_stop_handlers();

  std::error_code ec;
  std::filesystem::create_directories(db_path.parent_path().empty() ? "." : db_path.parent_path(), ec);
  audit::SqliteStoreOptions store_options;
  store_options.path = db_path.string();
  store_options.sync = config.sync;
  store_options.busy_timeout_ms = config.busy_timeout_ms;
  auto store = audit::SqliteEventStore::open(store_options);
  if (!store.ok()) {
    spdlog::error("{}", store.status().message());
    return 1;
  }
  spdlog::info("log {} opened at seq {} (synchronous={})", db_path.string(), (*store)->last_seq(), config.sync);

  zmq::context_t context(1);
  SystemClock clock;
  BusClientOptions bus;
  bus.endpoint = config.broker;
  bus.name = config.name;
  bus.role = "audit";
  bus.software = "liandong-audit " LIANDONG_VERSION;
  if (auto s = load_bus_keys(bus, keys_dir); !s.ok()) {
    spdlog::error("{}", s.message());
    return 2;
  }
  BusClient client(context, bus, clock);
  if (auto code = join_bus_at_start(client)) return *code;
  spdlog::info("registered as '{}' with the broker at {}", config.name, config.broker);
  if (!ready_file.empty()) {
    if (auto s = write_file_atomically(ready_file, config.name + "\n"); !s.ok()) {
      spdlog::error("{}", s.message());
      return 1;
    }
  }
  audit::BusOutbound out(client);
  audit::AuditServiceOptions options;
  options.max_batch = static_cast<std::size_t>(config.max_batch);
  audit::AuditService service(**store, out, clock, options);
  const bool clean = audit::run_audit_loop(client, service, options.max_batch, stop_flag());
  if (!ready_file.empty()) std::remove(ready_file.c_str());
  spdlog::info("stopped at seq {}", (*store)->last_seq());
  return clean ? 0 : 1;
}
