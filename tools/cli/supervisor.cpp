#include "tools/cli/supervisor.hpp"

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

// The last non-empty line of a small log, for error messages ("" when there is none).
std::string last_line_of(const fs::path& path) {
  std::error_code ec;
  const auto size = fs::file_size(path, ec);
  if (ec) return {};
  std::FILE* f = std::fopen(path.c_str(), "rb");
  if (f == nullptr) return {};
  const long tail = static_cast<long>(std::min<std::uintmax_t>(size, 4096));
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
  auto pid = spawn_process(child.service.program, argv, spec.output_file);
  if (!pid.ok()) return pid.status();
  child.pid = *pid;
  child.ready = false;
  child.late_warned = false;
  child.started_at = clock_.monotonic_ms();
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
    Millis deadline = clock_.monotonic_ms() + settings_.ready_timeout_ms;
    while (!check_ready(child)) {
      // Services started before this one are supervised meanwhile: one that dies (a killed
      // broker) is restarted, as run() would.
      bool earlier_ready = true;
      for (std::size_t j = 0; j < i; ++j) {
        tend(children_[j]);
        earlier_ready = earlier_ready && children_[j].pid > 0 && check_ready(children_[j]);
      }
      if (child.pid > 0) {
        if (auto status = reap_if_exited(child.pid)) {
          if (!earlier_ready) {
            // It most likely died of what it depends on being down: restart it like the others.
            handle_exit(child, *status);
            deadline = clock_.monotonic_ms() + settings_.ready_timeout_ms;
            continue;
          }
          child.pid = -1;
          child.last_exit = describe_exit(*status);
          const std::string why = last_line_of(spec.output_file);
          terminate_children();
          return {ErrorCode::kUnavailable, spec.name + " " + child.last_exit + " before it was ready" +
                                               (why.empty() ? "" : ": " + why) + " (see " +
                                               spec.output_file.string() + ")"};
        }
      } else {
        tend(child);  // waiting for its restart
        deadline = clock_.monotonic_ms() + settings_.ready_timeout_ms;
      }
      if (stop.load()) return Status::Ok();  // run() returns at once; stop_all() reports
      if (clock_.monotonic_ms() >= deadline) {
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
  child.ready = false;
  remove_file(spec.ready_file);  // nobody listens there any more
  const Millis delay = child.policy.exited();
  spdlog::warn("{} (pid {}) {} after {}; restarting in {}", spec.name, pid, child.last_exit,
               format_duration(ran), format_duration(delay));
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
