#include "tools/cli/supervisor.hpp"

#include <sys/wait.h>

#include <spdlog/spdlog.h>

#include <algorithm>
#include <csignal>
#include <cstdio>
#include <iomanip>
#include <optional>
#include <system_error>

#include "tools/cli/child_process.hpp"
#include "tools/cli/data_dir.hpp"
#include "tools/cli/duration_text.hpp"

namespace liandong::cli {

namespace fs = std::filesystem;

namespace {
void remove_file(const fs::path& path) {
  std::error_code ec;
  fs::remove(path, ec);
}

std::uintmax_t size_of(const fs::path& path) {
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  return ec ? 0 : size;
}

// The last non-empty line written to `path` after its first `from` bytes (at most the last
// 4 KiB are read), for error messages; "" when there is none.
std::string last_line_since(const fs::path& path, std::uintmax_t from) {
  const std::uintmax_t size = size_of(path);
  if (size <= from) return {};
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return {};
  const long tail = static_cast<long>(std::min<std::uintmax_t>(size - from, 4096));
  std::fseek(f, -tail, SEEK_END);
  std::string text(static_cast<std::size_t>(tail), '\0');
  text.resize(std::fread(text.data(), 1, text.size(), f));
  std::fclose(f);
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r')) text.pop_back();
  const auto nl = text.find_last_of('\n');
  return nl == std::string::npos ? text : text.substr(nl + 1);
}
}  // namespace

Supervisor::Supervisor(std::vector<ResolvedService> services, const Clock& clock, std::ostream& out,
                       SupervisorSettings settings)
    : clock_(clock), out_(out), settings_(settings) {
  children_.reserve(services.size());
  for (auto& s : services) {
    name_width_ = std::max(name_width_, s.spec.name.size());
    children_.emplace_back(std::move(s), clock, settings.backoff);
  }
}

Supervisor::~Supervisor() { terminate_children(); }

Status Supervisor::launch(Child& child) {
  const ServiceSpec& spec = child.service.spec;
  // A ready file left by an earlier run would make a service look ready before it is.
  remove_file(spec.ready_file);
  auto args = expand_args(spec.args, [this](std::string_view name) -> Result<std::string> {
    for (const Child& c : children_) {
      if (c.service.spec.name == name && c.ready) return c.endpoint;
    }
    return Status(ErrorCode::kIo, "service '" + std::string(name) + "' is not ready");
  });
  if (!args.ok()) return args.status().with_context("starting " + spec.name);
  std::vector<std::string> argv = *args;
  if (!spec.endpoint_flag.empty() && !child.endpoint.empty()) {
    argv = pin_endpoint_arg(std::move(argv), spec.endpoint_flag, child.endpoint);
  }
  const std::uintmax_t output_size = size_of(spec.output_file);
  const std::uintmax_t log_size = size_of(spec.log_file);
  auto pid = spawn_process(child.service.program, argv, spec.output_file);
  if (!pid.ok()) return pid.status();
  child.pid = *pid;
  child.ready = false;
  child.late_warned = false;
  child.started_at = clock_.monotonic_ms();
  child.output_size_at_start = output_size;
  child.log_size_at_start = log_size;
  if (child.first_started_at < 0) child.first_started_at = child.started_at;
  child.policy.started();
  return Status::Ok();
}

void Supervisor::print_listening(const Child& child) {
  out_ << std::left << std::setw(static_cast<int>(name_width_) + 2) << child.service.spec.name << child.service.spec.ready_label
       << " " << child.endpoint << "  (pid " << child.pid << ", log " << child.service.spec.log_file.string();
  if (child.restarts > 0) out_ << ", restart " << child.restarts;
  out_ << ")" << std::endl;
}

bool Supervisor::check_ready(Child& child) {
  if (child.ready || child.pid < 0) return child.ready;
  auto endpoint = read_endpoint_file(child.service.spec.ready_file);
  if (!endpoint.ok()) return false;
  child.endpoint = *endpoint;
  child.ready = true;
  child.policy.became_ready();
  print_listening(child);
  return true;
}

Status Supervisor::start_all(const std::atomic<bool>& stop) {
  for (std::size_t i = 0; i < children_.size(); ++i) {
    Child& child = children_[i];
    const ServiceSpec& spec = child.service.spec;
    if (Status s = launch(child); !s.ok()) {
      terminate_children();
      return s;
    }
    while (!check_ready(child)) {
      // Services started before this one are supervised meanwhile: one that dies (a killed
      // broker) is restarted, as run() would.
      for (std::size_t j = 0; j < i; ++j) {
        tend(children_[j]);
        check_ready(children_[j]);
      }
      // A start that dies (killed, crashed, or out of patience with a broker that is down) is
      // restarted with backoff like any other exit; only the same failure again and again means
      // this service will not start (its port is taken, its config is wrong): then `up` stops.
      if (child.pid > 0) {
        if (auto status = reap_if_exited(child.pid)) {
          handle_exit(child, *status);
          if (child.policy.same_failures_in_a_row() >= settings_.max_same_start_failures) {
            const std::string why = last_words(child);
            terminate_children();
            return {ErrorCode::kUnavailable,
                    spec.name + " " + child.last_exit + " before it was ready, " +
                        std::to_string(child.policy.same_failures_in_a_row()) + " times in a row" +
                        (why.empty() ? "" : ": " + why) + " (see " + spec.log_file.string() + " and " +
                        spec.output_file.string() + ")"};
          }
        }
      } else {
        tend(child);  // waiting for its restart
      }
      if (stop.load()) return Status::Ok();  // run() returns at once; stop_all() reports
      if (child.pid > 0 && clock_.monotonic_ms() - child.started_at >= settings_.ready_timeout_ms) {
        terminate_children();
        return {ErrorCode::kTimeout, spec.name + " did not write " + spec.ready_file.string() + " within " +
                                         std::to_string(settings_.ready_timeout_ms) + " ms (see " +
                                         spec.log_file.string() + " and " + spec.output_file.string() + ")"};
      }
      sleep_interruptibly(std::min<Millis>(settings_.poll_ms, 50));
    }
  }
  return Status::Ok();
}

std::string Supervisor::last_words(const Child& child) const {
  const ServiceSpec& spec = child.service.spec;
  std::string line = last_line_since(spec.output_file, child.output_size_at_start);
  if (line.empty()) line = last_line_since(spec.log_file, child.log_size_at_start);
  return line;
}

void Supervisor::tend(Child& child) {
  if (child.pid > 0) {
    if (auto status = reap_if_exited(child.pid)) handle_exit(child, *status);
    return;
  }
  if (!child.policy.restart_due()) return;
  ++child.restarts;
  if (Status s = launch(child); !s.ok()) {
    spdlog::error("cannot restart {}: {}", child.service.spec.name, s.message());
    child.policy.exited();  // try again later, with a longer delay
  } else {
    spdlog::info("restarted {} (pid {}, restart {})", child.service.spec.name, child.pid, child.restarts);
  }
}

void Supervisor::handle_exit(Child& child, int wait_status) {
  const ServiceSpec& spec = child.service.spec;
  const Millis ran = clock_.monotonic_ms() - child.started_at;
  child.last_exit = describe_exit(wait_status);
  const pid_t pid = child.pid;
  child.pid = -1;
  remove_file(spec.ready_file);  // nobody listens there any more
  const bool was_ready = child.ready;
  child.ready = false;
  const Millis delay = child.policy.exited(child.last_exit);
  // A start that gave up says why in its last line ("no answer from broker ..."); a killed one
  // or a long run's last line says nothing about the exit.
  const std::string why = !was_ready && WIFEXITED(wait_status) ? last_words(child) : "";
  spdlog::warn("{} (pid {}) {} {}after {}{}; restarting in {}", spec.name, pid, child.last_exit,
               was_ready ? "" : "before it was ready ", format_duration(ran), why.empty() ? "" : " (" + why + ")",
               format_duration(delay));
}

void Supervisor::run(const std::atomic<bool>& stop) {
  while (!stop.load()) {
    for (Child& child : children_) {
      if (stop.load()) break;
      tend(child);
      if (child.pid > 0 && !check_ready(child) && !child.late_warned &&
          clock_.monotonic_ms() - child.started_at > settings_.ready_timeout_ms) {
        child.late_warned = true;
        spdlog::warn("{} (pid {}) has not written {} after {}", child.service.spec.name, child.pid,
                     child.service.spec.ready_file.string(), format_duration(settings_.ready_timeout_ms));
      }
    }
    sleep_interruptibly(settings_.poll_ms);
  }
}

void Supervisor::terminate_children() {
  if (stopped_) return;
  stopped_ = true;
  for (Child& child : children_) {
    if (child.pid > 0) ::kill(child.pid, SIGTERM);
  }
  const Millis deadline = clock_.monotonic_ms() + settings_.stop_grace_ms;
  while (true) {
    bool running = false;
    for (Child& child : children_) {
      if (child.pid <= 0) continue;
      if (auto status = reap_if_exited(child.pid)) {
        child.last_exit = describe_exit(*status);
        child.ended = "stopped: " + child.last_exit;
        child.pid = -1;
      } else {
        running = true;
      }
    }
    if (!running || clock_.monotonic_ms() >= deadline) break;
    sleep_interruptibly(50);
  }
  for (Child& child : children_) {
    if (child.pid <= 0) continue;
    ::kill(child.pid, SIGKILL);
    std::optional<int> status;
    while (!(status = reap_if_exited(child.pid))) sleep_interruptibly(10);
    child.last_exit = describe_exit(*status);
    child.ended = "did not stop within " + format_duration(settings_.stop_grace_ms) + " of SIGTERM; " +
                  child.last_exit;
    child.pid = -1;
  }
  for (Child& child : children_) remove_file(child.service.spec.ready_file);
}

void Supervisor::stop_all() {
  if (stopped_) return;
  terminate_children();
  for (const Child& child : children_) {
    if (child.first_started_at < 0) continue;  // never started
    out_ << std::left << std::setw(static_cast<int>(name_width_) + 2) << child.service.spec.name
         << (child.ended.empty() ? "was not running (last run " + child.last_exit + ")" : child.ended)
         << "; supervised " << format_duration(clock_.monotonic_ms() - child.first_started_at) << ", "
         << child.restarts << (child.restarts == 1 ? " restart" : " restarts") << std::endl;
  }
}

}  // namespace liandong::cli
