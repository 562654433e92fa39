// liandong-gw-citymgmt: the digital city-management gateway. Grid inspectors' apps speak Open311
// GeoReport v2 over HTTP (docs/gateways.md "## citymgmt (Open311)"); cases become incidents on the
// bus. This file is the thin shell: flags, config, the cpp-httplib adapter, the bus loop.
#include <CLI/CLI.hpp>
#include <httplib.h>
#include <spdlog/spdlog.h>

#include <filesystem>
#include <iostream>
#include <thread>

#include "core/bus_client.hpp"
#include "core/bus_join.hpp"
#include "core/log.hpp"
#include "core/service_main.hpp"
#include "core/sockets.hpp"
#include "services/gateway/bounded_body.hpp"
#include "services/gateway/gateway_config.hpp"
#include "services/gateway/gateway_link.hpp"
#include "services/gw_citymgmt/citymgmt_gateway.hpp"

using namespace liandong;
using namespace liandong::citymgmt;

namespace {

struct CitymgmtExtra {
  std::string services_file = "open311.toml";      // relative: in the deployment directory
  std::string inspectors_file = "inspectors.csv";  // relative: in the deployment directory
  std::int64_t max_body_bytes = 64 * 1024;
  std::int64_t answer_wait_ms = 2000;
  std::int64_t utc_offset_minutes = 480;
};

std::string in_deployment(const std::string& deployment, const std::string& file) {
  const std::filesystem::path p(file);
  return p.is_relative() ? (std::filesystem::path(deployment) / p).string() : file;
}

const char* reason_of(int status) {
  switch (status) {
    case 400: return "bad request";
    case 404: return "no such resource";
    case 405: return "method not allowed";
    case 413: return "request body too large";
    case 414: return "request URI too long";
    case 431: return "request headers too large";
    default: return "request failed";
  }
}

// Splits "host:port" or "http://host:port".
bool parse_listen(std::string listen, std::string& host, int& port) {
  if (listen.starts_with("http://")) listen = listen.substr(7);
  const auto colon = listen.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  host = listen.substr(0, colon);
  try {
    std::size_t used = 0;
    port = std::stoi(listen.substr(colon + 1), &used);
    if (used != listen.size() - colon - 1) return false;
  } catch (const std::exception&) {
    return false;
  }
  return port >= 0 && port <= 65535;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"liandong-gw-citymgmt: the digital city-management (数字城管) gateway. Serves Open311 GeoReport v2\n"
               "(GET /services, POST and GET /requests, GET /requests/{id}, each as .json or .xml) and the Liandong\n"
               "extension POST /requests/{id}/verify for the grid inspector's check (核查). Each case is stored,\n"
               "sent to the router as an INCIDENT_REPORT through a durable outbox, and its workflow step is\n"
               "followed from the audit log. Keys of [gateway.citymgmt]: listen, name, database, retry_max_ms,\n"
               "log_level, services_file, inspectors_file, max_body_bytes, answer_wait_ms, utc_offset_minutes."};
  std::string config_path, broker, data_dir = "./liandong-data", listen, name, ready_file, log_file, keys_dir, log_level;
  bool check_only = false;
  app.add_option("-c,--config", config_path, "TOML file; its [gateway.citymgmt] table (and [broker].endpoint) override the defaults");
  app.add_option("--broker", broker, "the broker to connect to (default tcp://127.0.0.1:5570)");
  app.add_option("--data-dir", data_dir, "where the database lives when its path is relative (default ./liandong-data)");
  app.add_option("--listen", listen, "HTTP host:port for the Open311 clients (default 127.0.0.1:8311; port 0 picks a free one)");
  app.add_option("--name", name, "peer name on the bus (default gateway.citymgmt)");
  app.add_option("--ready-file", ready_file, "once on the bus and listening, write \"http://HOST:PORT\" here; removed on exit");
  app.add_option("--log-file", log_file, "append the log to this file instead of stderr (stderr keeps what comes before the log opens)");
  app.add_option("--keys", keys_dir, kKeysOptionHelp);
  app.add_option("--log-level", log_level, "trace, debug, info, warn, error or off");
  app.add_flag("--check-config", check_only, "load the configuration, the service list and the inspectors, print a summary and exit");
  CLI11_PARSE(app, argc, argv);

  gateway::GatewayConfig config = gateway::default_gateway_config("citymgmt", "127.0.0.1:8311");
  CitymgmtExtra extra;
  if (!config_path.empty()) {
    auto s = gateway::load_gateway_config(config_path, config, [&](ConfigSection& section) {
      section.read("services_file", extra.services_file);
      section.read("inspectors_file", extra.inspectors_file);
      section.read("max_body_bytes", extra.max_body_bytes, 1024, 16 * 1024 * 1024);
      section.read("answer_wait_ms", extra.answer_wait_ms, 0, 30'000);
      section.read("utc_offset_minutes", extra.utc_offset_minutes, -14 * 60, 14 * 60);
    });
    if (!s.ok()) {
      std::cerr << "liandong-gw-citymgmt: " << s.message() << "\n";
      return 2;
    }
  }
  if (!broker.empty()) config.broker = broker;
  if (!listen.empty()) config.listen = listen;
  if (!name.empty()) config.name = name;
  if (!log_level.empty()) config.log_level = log_level;

  auto categories = load_category_ids(in_deployment(config.deployment, "categories.toml"));
  if (!categories.ok()) {
    std::cerr << "liandong-gw-citymgmt: " << categories.status().message() << "\n";
    return 2;
  }
  auto catalog = ServiceCatalog::load(in_deployment(config.deployment, extra.services_file), *categories);
  if (!catalog.ok()) {
    std::cerr << "liandong-gw-citymgmt: " << catalog.status().message() << "\n";
    return 2;
  }
  auto inspectors = InspectorRegistry::load(in_deployment(config.deployment, extra.inspectors_file),
                                            in_deployment(config.deployment, "grids.csv"));
  if (!inspectors.ok()) {
    std::cerr << "liandong-gw-citymgmt: " << inspectors.status().message() << "\n";
    return 2;
  }
  std::string host;
  int port = 0;
  if (!parse_listen(config.listen, host, port)) {
    std::cerr << "liandong-gw-citymgmt: listen '" << config.listen << "' is not host:port\n";
    return 2;
  }
  const std::string db_path = gateway::database_path(config, data_dir);
  if (check_only) {
    std::cout << "deployment " << config.deployment << ": " << catalog->services().size() << " Open311 services, "
              << inspectors->size() << " inspectors\nlisten " << config.listen << ", database " << db_path
              << "\nconfig ok\n";
    return 0;
  }
  if (auto s = init_logging("gw-citymgmt", config.log_level, log_file); !s.ok()) {
    std::cerr << "liandong-gw-citymgmt: " << s.message() << "\n";
    return 2;
  }
  install_stop_handlers();

  std::error_code ec;
  std::filesystem::create_directories(std::filesystem::path(db_path).parent_path(), ec);
  auto db = gateway::SqliteDb::open(db_path);
  if (!db.ok()) {
    spdlog::error("{}", db.status().message());
    return 1;
  }
  auto outbox = gateway::Outbox::open(**db);
  if (!outbox.ok()) {
    spdlog::error("{}", outbox.status().message());
    return 1;
  }

  zmq::context_t context(1);
  SystemClock clock;
  BusClientOptions bus_options;
  bus_options.endpoint = config.broker;
  bus_options.name = config.name;
  bus_options.role = "gateway";
  bus_options.software = "liandong-gw-citymgmt " LIANDONG_VERSION;
  if (auto s = load_bus_keys(bus_options, keys_dir); !s.ok()) {
    spdlog::error("{}", s.message());
    return 2;
  }
  BusClient bus(context, bus_options, clock);
  if (auto code = join_bus_at_start(bus)) return *code;

  gateway::GatewayLinkOptions link_options;
  link_options.router = config.router;
  link_options.audit = config.audit;
  link_options.retry_max_ms = config.retry_max_ms;
  gateway::GatewayLink link(bus, **db, **outbox, clock, link_options);

  CitymgmtOptions options;
  options.router = config.router;
  options.answer_wait_ms = extra.answer_wait_ms;
  options.utc_offset_minutes = static_cast<int>(extra.utc_offset_minutes);
  LinkHooks hooks;
  hooks.wake = [&link](gateway::OutboxItem item) { link.wake(std::move(item)); };
  hooks.wait_for = [&link](const std::string& key, Millis ms) { return link.wait_for(key, ms); };
  auto gw = CitymgmtGateway::open(**db, **outbox, *catalog, *inspectors, clock, hooks, options);
  if (!gw.ok()) {
    spdlog::error("{}", gw.status().message());
    return 1;
  }
  CitymgmtGateway& g = **gw;
  link.on_event([&g](const v1::StoredEvent& e) { return g.on_event(e); });
  link.on_delivery([&g](const gateway::OutboxItem& item, const gateway::Delivery& d) { g.on_delivery(item, d); });
  link.on_counters([&g](std::map<std::string, std::uint64_t>& c) {
    for (const auto& [k, v] : g.counters()) c[k] = v;
  });
  if (auto s = link.start(); !s.ok()) {
    spdlog::error("{}", s.message());
    return 1;
  }

  httplib::Server server;
  // Bodies are read with the limit whatever their framing (chunked too): services/gateway/bounded_body.hpp.
  gateway::BodyLimit body_limit;
  body_limit.max_bytes = static_cast<std::size_t>(extra.max_body_bytes);
  body_limit.error_text = [](std::string_view path, int status, std::string_view, const std::string& message) {
    const HttpReply reply = error_reply_for(path, status, message);  // .xml: the error in XML too
    return gateway::ErrorBody{reply.body, reply.content_type};
  };
  auto serve = [&g](const httplib::Request& req, const std::string& body, httplib::Response& res) {
    HttpRequest request;
    request.method = req.method;
    request.path = req.path;
    request.content_type = req.get_header_value("Content-Type");
    request.body = body;
    // Only the query string's fields: httplib puts a form body's fields into params only when it
    // reads the body itself, which it no longer does here.
    for (const auto& [k, v] : req.params) request.query.emplace(k, v);
    HttpReply reply = g.handle(request);
    res.status = reply.status;
    if (!reply.allow.empty()) res.set_header("Allow", reply.allow);
    if (reply.retry_after_s > 0) res.set_header("Retry-After", std::to_string(reply.retry_after_s));
    res.set_content(reply.body, reply.content_type);
  };
  auto serve_without_body = [serve](const httplib::Request& req, httplib::Response& res) { serve(req, {}, res); };
  server.Get(".*", serve_without_body);
  server.Options(".*", serve_without_body);
  server.Post(".*", gateway::read_bounded(body_limit, serve));
  server.Put(".*", gateway::read_bounded(body_limit, serve));
  server.Patch(".*", gateway::read_bounded(body_limit, serve));
  server.Delete(".*", gateway::read_bounded(body_limit, serve));
  gateway::install_body_guard(server, body_limit);
  server.set_error_handler(httplib::Server::HandlerWithResponse([limit = extra.max_body_bytes](const httplib::Request& req, httplib::Response& res) {
    if (gateway::has_reply(res)) return httplib::Server::HandlerResponse::Unhandled;
    std::string what = reason_of(res.status);
    if (res.status == 413) what += ": the limit is " + std::to_string(limit) + " bytes (max_body_bytes)";
    const HttpReply reply = error_reply_for(req.path, res.status, what);  // .xml: the error in XML too
    res.set_content(reply.body, reply.content_type);
    return httplib::Server::HandlerResponse::Handled;
  }));
  server.set_exception_handler([](const httplib::Request& req, httplib::Response& res, std::exception_ptr) {
    res.status = 500;
    const HttpReply reply = error_reply_for(req.path, 500, "internal error");
    res.set_content(reply.body, reply.content_type);
  });
  int bound = port;
  if (port == 0) {
    bound = server.bind_to_any_port(host);
  } else if (!server.bind_to_port(host, port)) {
    bound = -1;
  }
  if (bound <= 0) {
    spdlog::error("cannot listen on {}: the address is in use or not local", config.listen);
    return 1;
  }
  std::thread http([&server] { server.listen_after_bind(); });
  const std::string endpoint = "http://" + host + ":" + std::to_string(bound);
  if (!ready_file.empty()) {
    if (auto s = write_file_atomically(ready_file, endpoint + "\n"); !s.ok()) {
      spdlog::error("{}", s.message());
      server.stop();
      http.join();
      return 1;
    }
  }
  spdlog::info("Open311 on {} ({} services, {} inspectors); on the bus as '{}' at {}", endpoint,
               catalog->services().size(), inspectors->size(), config.name, config.broker);
  link.run(stop_flag());
  server.stop();
  http.join();
  if (!ready_file.empty()) std::remove(ready_file.c_str());
  spdlog::info("stopped");
  return 0;
}
