// The process shell every HTTP/JSON gateway (96345, 110) shares: the command line, the HTTP
// server (cpp-httplib) bound to host:port (port 0 picks a free one), JSON error replies for what
// no route answers, the bus link, the ready file and a clean stop. A gateway supplies an
// HttpGatewayApp: its logic, its routes and the handlers it gives the GatewayLink.
//
// Threads: the HTTP server runs its own pool; the bus (GatewayLink) runs on the main thread.
#pragma once

#include <httplib.h>

#include <functional>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "core/clock.hpp"
#include "core/status.hpp"
#include "services/gateway/bounded_body.hpp"
#include "services/gateway/gateway_config.hpp"
#include "services/gateway/gateway_link.hpp"
#include "services/gateway/http_api.hpp"

namespace liandong::gateway {

// The flags every gateway takes (the same for all four; `liandong up` passes them).
struct GatewayFlags {
  std::string config;
  std::string broker;
  std::string data_dir = "./liandong-data";
  std::string listen;
  std::string name;
  std::string ready_file;
  std::string log_file;
  std::string keys_dir;  // CurveZMQ keys (--keys); empty: plain
  std::string log_level;
  bool check_only = false;
};
void add_gateway_flags(CLI::App& app, GatewayFlags& flags);
// Defaults, then --config's [gateway.<platform>] table, then the flags.
Result<GatewayConfig> resolve_gateway_config(const GatewayFlags& flags, const std::string& platform,
                                             const std::string& default_listen,
                                             const std::function<void(ConfigSection&)>& extra = {});

// Splits "host:port" (also "http://host:port"); port 0 is allowed.
Result<std::pair<std::string, int>> parse_listen(const std::string& listen);
// Binds `server` to `listen` (port 0: any free port) and returns "http://host:port" as bound.
Result<std::string> bind_http(httplib::Server& server, const std::string& listen);

// Writes `reply` as the response (JSON, charset utf-8).
void send_reply(httplib::Response& res, const ApiReply& reply);
// kMaxBodyBytes and the gateways' JSON error shape, for bounded_body.hpp.
BodyLimit json_body_limit();
// Registers `handler` for POST on `pattern`; the body is read up to kMaxBodyBytes whatever its
// framing (bounded_body.hpp), so every route that takes a body must be registered this way.
void post_json(httplib::Server& server, const std::string& pattern, BodyHandler handler);
// Call after the routes: limits bodies to kMaxBodyBytes (also chunked ones), answers unknown paths
// with a JSON 404 (a POST/PUT/PATCH/DELETE without reading its body) and unexpected exceptions
// with a JSON 500, so the gateway keeps serving.
void install_json_defaults(httplib::Server& server);
// Registers 405 answers (naming `allowed`) for the other methods on `pattern`; a refused body is
// not read.
void method_not_allowed(httplib::Server& server, const std::string& pattern, const std::string& allowed);

// What the bus thread and the HTTP threads share while the gateway runs.
struct GatewayContext {
  const GatewayConfig& config;
  SqliteDb& db;
  Outbox& outbox;
  GatewayLink& link;
  const Clock& clock;
};

class HttpGatewayApp {
 public:
  virtual ~HttpGatewayApp() = default;
  // Adds the gateway's routes (handlers run on the HTTP threads).
  virtual void routes(httplib::Server& server) = 0;
  // Called on the bus thread between rounds.
  virtual void each_round() {}
  // Called once the stop was asked for, before the HTTP server stops (end long-lived streams).
  virtual void stopping() {}
};

using MakeApp = std::function<Result<std::unique_ptr<HttpGatewayApp>>(GatewayContext&)>;

// Runs a gateway until SIGTERM/SIGINT: opens the database, connects to the bus, starts the link,
// makes the app (which registers its link handlers), binds and serves HTTP, writes the ready file
// ("http://127.0.0.1:PORT"), and removes it on exit. Returns the process exit code.
int run_http_gateway(const std::string& program, const GatewayConfig& config, const GatewayFlags& flags,
                     const MakeApp& make_app);

}  // namespace liandong::gateway
