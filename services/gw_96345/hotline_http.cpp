#include "services/gw_96345/hotline_http.hpp"

#include <spdlog/spdlog.h>

#include <filesystem>

namespace liandong::gw96345 {
namespace {

using gateway::send_reply;

class HotlineApp final : public gateway::HttpGatewayApp {
 public:
  explicit HotlineApp(std::unique_ptr<HotlineService> service) : service_(std::move(service)) {}
  void routes(httplib::Server& server) override { add_hotline_routes(server, *service_); }
  void each_round() override { service_->retry_stalled(); }

 private:
  std::unique_ptr<HotlineService> service_;
};

}  // namespace

void add_hotline_routes(httplib::Server& server, HotlineService& svc) {
  gateway::post_json(server, "/workorders",
                     [&svc](const httplib::Request&, const std::string& body, httplib::Response& res) {
    send_reply(res, svc.create(body));
  });
  server.Get("/workorders", [&svc](const httplib::Request& req, httplib::Response& res) {
    send_reply(res, svc.list(req.get_param_value("state"), req.get_param_value("limit")));
  });
  gateway::method_not_allowed(server, "/workorders", "GET, POST");
  server.Get(R"(/workorders/([^/]+))", [&svc](const httplib::Request& req, httplib::Response& res) {
    send_reply(res, svc.get(req.matches[1]));
  });
  gateway::method_not_allowed(server, R"(/workorders/([^/]+))", "GET");
  gateway::post_json(server, R"(/workorders/([^/]+)/callback)",
                     [&svc](const httplib::Request& req, const std::string& body, httplib::Response& res) {
    send_reply(res, svc.callback(req.matches[1], body));
  });
  gateway::method_not_allowed(server, R"(/workorders/([^/]+)/callback)", "POST");
  gateway::post_json(server, R"(/workorders/([^/]+)/transfer)",
                     [&svc](const httplib::Request& req, const std::string& body, httplib::Response& res) {
    send_reply(res, svc.transfer(req.matches[1], body));
  });
  gateway::method_not_allowed(server, R"(/workorders/([^/]+)/transfer)", "POST");
}

Result<std::unique_ptr<gateway::HttpGatewayApp>> make_hotline_app(gateway::GatewayContext& c) {
  const std::string workflows = (std::filesystem::path(c.config.deployment) / "workflows.toml").string();
  Transitions transitions;
  if (auto t = load_transitions(workflows, kPlatform); t.ok()) {
    transitions = std::move(*t);
  } else {
    spdlog::warn("{}; error messages will not list the workflow's next steps", t.status().message());
  }
  auto svc = HotlineService::open(c.db, c.outbox, c.link, c.clock, std::move(transitions), HotlineOptions{});
  if (!svc.ok()) return svc.status();
  return std::unique_ptr<gateway::HttpGatewayApp>(new HotlineApp(std::move(*svc)));
}

}  // namespace liandong::gw96345
