#include "bench/stack.hpp"

#include <algorithm>
#include <filesystem>
#include <sstream>

namespace liandong::bench {

namespace {
constexpr auto kReadyPoll = std::chrono::milliseconds(50);
constexpr auto kStopGrace = std::chrono::seconds(5);
}  // namespace

Stack::Stack(std::string dir, std::chrono::milliseconds ready_timeout)
    : dir_(std::move(dir)), ready_timeout_(ready_timeout) {}

Stack::~Stack() {
  // Services first, as stop() does; ChildProcess's destructor SIGKILLs what still runs.
  for (auto it = order_.rbegin(); it != order_.rend(); ++it) processes_.erase(*it);
}

std::string Stack::last_log_line(const std::string& name) const {
  std::istringstream in(testing::read_file(log_file(name)));
  std::string line, last;
  while (std::getline(in, line)) {
    if (!line.empty()) last = line;
  }
  return last.empty() ? "(its log " + log_file(name) + " is empty)" : "last log line: " + last;
}

Status Stack::wait_ready(const std::string& name, const std::string& ready_file, std::string* first_line) {
  auto& process = *processes_.at(name);
  const auto deadline = std::chrono::steady_clock::now() + ready_timeout_;
  while (std::chrono::steady_clock::now() < deadline) {
    if (auto line = testing::wait_for_ready_file(ready_file, kReadyPoll)) {
      if (first_line != nullptr) *first_line = *line;
      return Status::Ok();
    }
    if (!process.running()) {
      const auto code = process.wait_exit(std::chrono::milliseconds(0));
      return {ErrorCode::kIo, name + " exited with code " + std::to_string(code.value_or(-1)) +
                                  " before it was ready; " + last_log_line(name)};
    }
  }
  return {ErrorCode::kTimeout, name + " did not write its ready file " + ready_file + " within " +
                                   std::to_string(ready_timeout_.count()) + " ms; " + last_log_line(name)};
}

Status Stack::start_broker(const std::string& binary, const std::string& keys_dir) {
  if (!std::filesystem::exists(binary)) return {ErrorCode::kConfig, "no broker binary at '" + binary + "'"};
  const std::string ready = dir_ + "/broker.ready";
  // Ceilings of the bus itself: plain unless asked (docs/performance.md gives CurveZMQ's cost), and
  // no per-peer rate limits, which would cap the offered load rather than measure it.
  std::vector<std::string> argv = {binary, "--endpoint", "tcp://127.0.0.1:0", "--ready-file", ready, "--no-rate-limits"};
  if (keys_dir.empty()) {
    argv.push_back("--insecure-plain");
  } else {
    argv.insert(argv.end(), {"--keys", keys_dir});
  }
  processes_["broker"] = std::make_unique<testing::ChildProcess>(testing::ChildProcess::start(argv, log_file("broker")));
  order_.push_back("broker");
  return wait_ready("broker", ready, &endpoint_);
}

Status Stack::start_service(const std::string& name, const std::string& binary, const std::vector<std::string>& args,
                            std::string* first_line) {
  if (endpoint_.empty()) return {ErrorCode::kInternal, "start the broker before " + name};
  if (!std::filesystem::exists(binary)) return {ErrorCode::kConfig, "no " + name + " binary at '" + binary + "'"};
  const std::string ready = dir_ + "/" + name + ".ready";
  std::vector<std::string> argv = {binary, "--broker", endpoint_, "--ready-file", ready};
  argv.insert(argv.end(), args.begin(), args.end());
  processes_[name] = std::make_unique<testing::ChildProcess>(testing::ChildProcess::start(argv, log_file(name)));
  order_.push_back(name);
  return wait_ready(name, ready, first_line);
}

pid_t Stack::pid(const std::string& name) const {
  const auto it = processes_.find(name);
  if (it == processes_.end() || !it->second->running()) return -1;
  return it->second->pid();
}

Status Stack::stop() {
  Status result;
  for (auto it = order_.rbegin(); it != order_.rend(); ++it) {
    auto found = processes_.find(*it);
    if (found == processes_.end()) continue;
    const bool was_running = found->second->running();
    const bool clean = was_running && found->second->stop(kStopGrace);
    if (!clean && result.ok()) {
      result = Status(ErrorCode::kIo, *it + (was_running ? " did not stop cleanly on SIGTERM; "
                                                         : " had already exited before the end of the run; ") +
                                          last_log_line(*it));
    }
    processes_.erase(found);
  }
  order_.clear();
  return result;
}

}  // namespace liandong::bench
