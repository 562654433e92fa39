#include "services/gw_110/emergency_http.hpp"

#include <spdlog/spdlog.h>

namespace liandong::gw110 {
namespace {

using gateway::send_reply;

class EmergencyApp final : public gateway::HttpGatewayApp {
 public:
  explicit EmergencyApp(std::unique_ptr<EmergencyService> service) : service_(std::move(service)) {}
  void routes(httplib::Server& server) override { add_emergency_routes(server, *service_); }
  void each_round() override { service_->publish_feed(); }
  void stopping() override { service_->hub().close_all(); }

 private:
  std::unique_ptr<EmergencyService> service_;
};

std::string sse_event(const gateway::HistoryEntry& e) {
  const nlohmann::json j = {
      {"seq", e.seq}, {"at_ms", e.at_ms}, {"incident_id", e.incident_id}, {"type", e.type}, {"text", e.text}};
  return "id: " + std::to_string(e.seq) + "\ndata: " + j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) +
         "\n\n";
}

// One SSE client: first the stored entries after its from_seq (in bounded reads), then the live
// ones from its queue; entries are sent once each, in seq order.
struct FeedStream {
  std::shared_ptr<FeedSubscriber> sub;
  std::int64_t sent = 0;
  bool caught_up = false;
  int idle_rounds = 0;
};

constexpr std::int64_t kBacklogRead = 500;
constexpr int kKeepaliveRounds = 10;  // a comment line after ~10 s without entries

}  // namespace

void add_emergency_routes(httplib::Server& server, EmergencyService& svc) {
  gateway::post_json(server, "/incidents",
                     [&svc](const httplib::Request&, const std::string& body, httplib::Response& res) {
    send_reply(res, svc.report(body));
  });
  gateway::method_not_allowed(server, "/incidents", "POST");
  server.Get(R"(/incidents/([^/]+))", [&svc](const httplib::Request& req, httplib::Response& res) {
    send_reply(res, svc.get(req.matches[1]));
  });
  gateway::method_not_allowed(server, R"(/incidents/([^/]+))", "GET");
  gateway::post_json(server, R"(/incidents/([^/]+)/transfer)",
                     [&svc](const httplib::Request& req, const std::string& body, httplib::Response& res) {
    send_reply(res, svc.transfer(req.matches[1], body));
  });
  gateway::method_not_allowed(server, R"(/incidents/([^/]+)/transfer)", "POST");
  server.Get("/feed.json", [&svc](const httplib::Request& req, httplib::Response& res) {
    send_reply(res, svc.feed_json(req.get_param_value("from_seq"), req.get_param_value("limit")));
  });
  gateway::method_not_allowed(server, "/feed.json", "GET");
  server.Get("/feed", [&svc](const httplib::Request& req, httplib::Response& res) {
    std::string from = req.get_param_value("from_seq");
    if (from.empty() && req.has_header("Last-Event-ID")) from = req.get_header_value("Last-Event-ID");
    auto q = parse_feed_query(from, "");
    if (!q.ok()) return send_reply(res, gateway::error_reply(q.status()));
    auto stream = std::make_shared<FeedStream>();
    stream->sub = svc.hub().subscribe();
    stream->sent = q->from_seq;
    if (!stream->sub) {
      return send_reply(res, gateway::error_reply(503, "BUSY", "too many live feed clients; try again later or poll "
                                                               "/feed.json?from_seq=N"));
    }
    res.set_header("Cache-Control", "no-cache");
    res.set_chunked_content_provider(
        "text/event-stream",
        [&svc, stream](size_t, httplib::DataSink& sink) {
          auto write = [&](const gateway::HistoryEntry& e) {
            if (e.seq <= stream->sent) return true;
            const std::string text = sse_event(e);
            if (!sink.write(text.data(), text.size())) return false;
            stream->sent = e.seq;
            return true;
          };
          if (!stream->caught_up) {
            auto entries = svc.feed(stream->sent, kBacklogRead);
            // A storage fault ends the stream: the client resumes with Last-Event-ID, missing nothing.
            if (!entries.ok()) {
              spdlog::error("feed stream: cannot read entries after {}: {}", stream->sent, entries.status().message());
              return false;
            }
            for (const auto& e : *entries) {
              if (!write(e)) return false;
            }
            if (static_cast<std::int64_t>(entries->size()) < kBacklogRead) stream->caught_up = true;
            return true;
          }
          if (stream->sub->closed()) {
            sink.done();
            return true;
          }
          auto entries = stream->sub->take(1000);
          if (stream->sub->dropped()) {
            const std::string text = "event: dropped\ndata: {\"reason\": \"client too slow\", \"resume_from_seq\": " +
                                     std::to_string(stream->sent) + "}\n\n";
            sink.write(text.data(), text.size());
            sink.done();
            return true;
          }
          if (entries.empty()) {
            if (++stream->idle_rounds >= kKeepaliveRounds) {
              stream->idle_rounds = 0;
              static const std::string keepalive = ": keepalive\n\n";
              return sink.write(keepalive.data(), keepalive.size());
            }
            return true;
          }
          stream->idle_rounds = 0;
          for (const auto& e : entries) {
            if (!write(e)) return false;
          }
          return true;
        },
        [&svc, stream](bool) { svc.hub().unsubscribe(stream->sub); });
  });
  gateway::method_not_allowed(server, "/feed", "GET");
}

Result<std::unique_ptr<gateway::HttpGatewayApp>> make_emergency_app(gateway::GatewayContext& c) {
  auto svc = EmergencyService::open(c.db, c.outbox, c.link, c.clock, EmergencyOptions{});
  if (!svc.ok()) return svc.status();
  return std::unique_ptr<gateway::HttpGatewayApp>(new EmergencyApp(std::move(*svc)));
}

}  // namespace liandong::gw110
