#include "bench/read_flooder.hpp"

#include <chrono>
#include <utility>

#include "core/bus_client.hpp"
#include "core/clock.hpp"
#include "schemas/messages.hpp"

namespace liandong::bench {

namespace {
constexpr const char* kFlooderName = "cli-bench-flood";
constexpr auto kStartTimeout = std::chrono::seconds(10);
}  // namespace

ReadFlooder::ReadFlooder(zmq::context_t& context, std::string endpoint, std::size_t window)
    : context_(context), endpoint_(std::move(endpoint)), window_(window) {}

ReadFlooder::~ReadFlooder() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
}

Status ReadFlooder::start() {
  thread_ = std::thread([this] { run(); });
  const auto deadline = std::chrono::steady_clock::now() + kStartTimeout;
  while (state_.load() == 0 && std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));  // the thread's connect() has its own timeout
  }
  if (state_.load() == 1) return Status::Ok();
  stop_ = true;
  thread_.join();
  return failure_.ok() ? Status(ErrorCode::kTimeout, "the read flooder did not register in time") : failure_;
}

Result<ReadFloodCounts> ReadFlooder::stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  if (!failure_.ok()) return failure_;
  return counts_;
}

void ReadFlooder::run() {
  SystemClock clock;
  BusClientOptions options;
  options.endpoint = endpoint_;
  options.name = kFlooderName;
  options.role = "cli";
  options.software = "liandong-bench read flood";
  BusClient client(context_, options, clock);
  if (Status s = client.connect(); !s.ok()) {
    failure_ = s.with_context("the read flooder");
    state_ = -1;
    return;
  }
  state_ = 1;
  std::size_t next = 0;
  // In turn: two verifications of the whole log, a query of 200 events, a listing of the router's incidents.
  const auto send_one = [&] {
    const std::string id = "flood-" + std::to_string(next);
    switch (next++ % 4) {
      case 0:
      case 1:
        client.send_message("audit", v1::AuditVerify{id});
        break;
      case 2: {
        v1::AuditQuery q;
        q.query_id = id;
        q.from_seq = 1;
        q.limit = 200;
        client.send_message("audit", q);
        break;
      }
      default: {
        v1::IncidentsQuery q;
        q.query_id = id;
        q.limit = 1000;
        client.send_message("router", q);
      }
    }
    ++counts_.sent;
  };
  const auto started = std::chrono::steady_clock::now();
  for (std::size_t i = 0; i < window_; ++i) send_one();
  while (!stop_.load()) {
    auto env = client.receive(5);
    if (!env) continue;
    const std::string& c = env->command;
    if (c == v1::AuditVerifyReply::kCommand) {
      ++counts_.verifications;
    } else if (c == v1::AuditEvents::kCommand) {
      ++counts_.queries;
    } else if (c == v1::IncidentList::kCommand) {
      ++counts_.listings;
    } else if (c == v1::Error::kCommand) {
      ++counts_.refused;
    } else {
      continue;
    }
    send_one();
  }
  counts_.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
}

}  // namespace liandong::bench
