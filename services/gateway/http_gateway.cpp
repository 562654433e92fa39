#include "services/gateway/http_gateway.hpp"

#include <spdlog/spdlog.h>

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <thread>

#include "core/bus_client.hpp"
#include "core/bus_join.hpp"
#include "core/log.hpp"
#include "core/service_main.hpp"
#include "core/sockets.hpp"

namespace liandong::gateway {

void add_gateway_flags(CLI::App& app, GatewayFlags& f) {
  app.add_option("-c,--config", f.config, "TOML file; its [gateway.<platform>] table (and [broker].endpoint) override the defaults");
  app.add_option("--broker", f.broker, "the broker to connect to (default tcp://127.0.0.1:5570)");
  app.add_option("--data-dir", f.data_dir, "directory of the gateway's database when its path is relative (default ./liandong-data)");
  app.add_option("--listen", f.listen, "HTTP host:port to serve on (port 0: any free port); overrides the config");
  app.add_option("--name", f.name, "peer name on the bus (default gateway.<platform>)");
  app.add_option("--ready-file", f.ready_file,
                 "once connected to the bus and listening, write the HTTP endpoint bound (http://HOST:PORT) here");
  app.add_option("--log-file", f.log_file, "append the log to this file instead of stderr (stderr keeps what comes before the log opens)");
  app.add_option("--keys", f.keys_dir, kKeysOptionHelp);
  app.add_option("--log-level", f.log_level, "trace, debug, info, warn, error or off");
  app.add_flag("--check-config", f.check_only, "load the configuration, print it and exit");
}

Result<GatewayConfig> resolve_gateway_config(const GatewayFlags& flags, const std::string& platform,
                                             const std::string& default_listen,
                                             const std::function<void(ConfigSection&)>& extra) {
  GatewayConfig config = default_gateway_config(platform, default_listen);
  if (!flags.config.empty()) {
    if (auto s = load_gateway_config(flags.config, config, extra); !s.ok()) return s;
  }
  if (!flags.broker.empty()) config.broker = flags.broker;
  if (!flags.listen.empty()) config.listen = flags.listen;
  if (!flags.name.empty()) config.name = flags.name;
  if (!flags.log_level.empty()) config.log_level = flags.log_level;
  if (auto hp = parse_listen(config.listen); !hp.ok()) return hp.status();
  return config;
}

Result<std::pair<std::string, int>> parse_listen(const std::string& listen) {
  std::string rest = listen;
  if (rest.starts_with("http://")) rest = rest.substr(7);
  const auto colon = rest.rfind(':');
  if (colon == std::string::npos || colon == 0 || colon + 1 == rest.size()) {
    return Status(ErrorCode::kConfig, "listen address '" + listen + "' is not host:port (e.g. 127.0.0.1:8110)");
  }
  const std::string host = rest.substr(0, colon);
  const std::string port_text = rest.substr(colon + 1);
  if (port_text.find_first_not_of("0123456789") != std::string::npos || port_text.size() > 5) {
    return Status(ErrorCode::kConfig, "listen address '" + listen + "': port '" + port_text + "' is not a number");
  }
  const int port = std::stoi(port_text);
  if (port > 65535) return Status(ErrorCode::kConfig, "listen address '" + listen + "': port above 65535");
  return std::pair{host, port};
}

Result<std::string> bind_http(httplib::Server& server, const std::string& listen) {
  auto hp = parse_listen(listen);
  if (!hp.ok()) return hp.status();
  const auto& [host, port] = *hp;
  int bound = port;
  if (port == 0) {
    bound = server.bind_to_any_port(host);
    if (bound <= 0) return Status(ErrorCode::kIo, "cannot bind HTTP on " + host + " (any port)");
  } else if (!server.bind_to_port(host, port)) {
    return Status(ErrorCode::kIo, "cannot bind HTTP on " + host + ":" + std::to_string(port) + " (in use?)");
  }
  return "http://" + host + ":" + std::to_string(bound);
}

void send_reply(httplib::Response& res, const ApiReply& reply) {
  res.status = reply.status;
  if (reply.retry_after_s > 0) res.set_header("Retry-After", std::to_string(reply.retry_after_s));
  res.set_content(reply.body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n",
                  "application/json; charset=utf-8");
}

BodyLimit json_body_limit() {
  BodyLimit limit;
  limit.max_bytes = kMaxBodyBytes;
  limit.error_text = [](std::string_view, int status, std::string_view code, const std::string& message) {
    return ErrorBody{
        error_reply(status, code, message).body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) + "\n"};
  };
  return limit;
}

void post_json(httplib::Server& server, const std::string& pattern, BodyHandler handler) {
  server.Post(pattern, read_bounded(json_body_limit(), std::move(handler)));
}

void install_json_defaults(httplib::Server& server) {
  install_body_guard(server, json_body_limit());
  // Body methods no route took: answered without reading the body (httplib would read it whole).
  auto not_found = answer_unread([](const httplib::Request& req, httplib::Response& res) {
    send_reply(res, error_reply(404, "NOT_FOUND", "no resource at " + req.method + " " + req.path));
  });
  server.Post(".*", not_found);
  server.Put(".*", not_found);
  server.Patch(".*", not_found);
  server.Delete(".*", not_found);
  server.set_error_handler([](const httplib::Request& req, httplib::Response& res) {
    if (has_reply(res)) return;
    ApiReply reply;
    if (res.status == 404) {
      reply = error_reply(404, "NOT_FOUND", "no resource at " + req.method + " " + req.path);
    } else if (res.status == 413) {
      reply = error_reply(413, "TOO_LARGE", "request body is larger than " + std::to_string(kMaxBodyBytes) + " bytes");
    } else {
      reply = error_reply(res.status, "HTTP_" + std::to_string(res.status), "request refused: " + req.method + " " + req.path);
    }
    send_reply(res, reply);
  });
  server.set_exception_handler([](const httplib::Request& req, httplib::Response& res, std::exception_ptr ep) {
    std::string what = "unknown exception";
    try {
      if (ep) std::rethrow_exception(ep);
    } catch (const std::exception& e) {
      what = e.what();
    } catch (...) {
    }
    spdlog::error("{} {}: internal error: {}", req.method, req.path, what);
    send_reply(res, error_reply(500, "INTERNAL", "internal error while handling " + req.method + " " + req.path));
  });
}

void method_not_allowed(httplib::Server& server, const std::string& pattern, const std::string& allowed) {
  auto refuse = [allowed](const httplib::Request& req, httplib::Response& res) {
    res.set_header("Allow", allowed);
    send_reply(res, error_reply(405, "METHOD_NOT_ALLOWED", req.method + " is not allowed on " + req.path +
                                                               "; allowed: " + allowed));
  };
  if (allowed.find("GET") == std::string::npos) server.Get(pattern, refuse);
  if (allowed.find("POST") == std::string::npos) server.Post(pattern, answer_unread(refuse));
  server.Put(pattern, answer_unread(refuse));
  server.Patch(pattern, answer_unread(refuse));
  server.Delete(pattern, answer_unread(refuse));
}

int run_http_gateway(const std::string& program, const GatewayConfig& config, const GatewayFlags& flags,
                     const MakeApp& make_app) {
  if (auto s = init_logging(config.platform == "96345" ? "gw-96345" : "gw-" + config.platform, config.log_level,
                            flags.log_file);
      !s.ok()) {
    std::cerr << program << ": " << s.message() << "\n";
    return 2;
  }
  install_stop_handlers();
  std::error_code ec;
  std::filesystem::create_directories(flags.data_dir, ec);
  const std::string db_path = database_path(config, flags.data_dir);
  auto db = SqliteDb::open(db_path);
  if (!db.ok()) {
    spdlog::error("{}", db.status().message());
    return 1;
  }
  auto outbox = Outbox::open(**db);
  if (!outbox.ok()) {
    spdlog::error("{}", outbox.status().message());
    return 1;
  }

  zmq::context_t context(1);
  SystemClock clock;
  BusClientOptions bus;
  bus.endpoint = config.broker;
  bus.name = config.name;
  bus.role = "gateway";
  bus.software = program + " " LIANDONG_VERSION;
  if (auto s = load_bus_keys(bus, flags.keys_dir); !s.ok()) {
    spdlog::error("{}", s.message());
    return 2;
  }
  BusClient client(context, bus, clock);
  if (auto code = join_bus_at_start(client)) return *code;
  GatewayLinkOptions link_options;
  link_options.router = config.router;
  link_options.audit = config.audit;
  link_options.retry_max_ms = config.retry_max_ms;
  GatewayLink link(client, **db, **outbox, clock, link_options);
  GatewayContext context_for_app{config, **db, **outbox, link, clock};
  auto app = make_app(context_for_app);
  if (!app.ok()) {
    spdlog::error("{}", app.status().message());
    return 1;
  }
  if (auto s = link.start(); !s.ok()) {
    spdlog::error("{}", s.message());
    return 1;
  }

  httplib::Server server;
  server.new_task_queue = [] { return new httplib::ThreadPool(16); };
  server.set_read_timeout(10, 0);
  server.set_write_timeout(10, 0);
  (*app)->routes(server);
  install_json_defaults(server);
  auto bound = bind_http(server, config.listen);
  if (!bound.ok()) {
    spdlog::error("{}", bound.status().message());
    return 1;
  }
  std::thread http([&server] { server.listen_after_bind(); });
  if (!flags.ready_file.empty()) {
    if (auto s = write_file_atomically(flags.ready_file, *bound + "\n"); !s.ok()) {
      spdlog::error("{}", s.message());
      server.stop();
      http.join();
      return 1;
    }
  }
  spdlog::info("{} serving {} (database {}), bus peer '{}' at {}", program, *bound, db_path, config.name,
               config.broker);
  link.run(stop_flag(), [&] { (*app)->each_round(); });
  spdlog::info("stopping");
  (*app)->stopping();
  server.stop();
  http.join();
  if (!flags.ready_file.empty()) std::remove(flags.ready_file.c_str());
  spdlog::info("stopped");
  return 0;
}

}  // namespace liandong::gateway
