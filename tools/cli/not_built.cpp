#include "tools/cli/not_built.hpp"

#include "tools/cli/exit_codes.hpp"

namespace liandong::cli {

namespace {
struct Planned {
  const char* what;
  const char* issue;
};

Planned planned(PlannedService service) {
  switch (service) {
    case PlannedService::kRouter: return {"the router", "#4"};
    case PlannedService::kAudit: return {"the audit service", "#3"};
    case PlannedService::kSecurity: return {"CurveZMQ security", "#7"};
  }
  return {"a service", "?"};
}
}  // namespace

std::string not_built_message(std::string_view command_path, PlannedService service) {
  const Planned p = planned(service);
  return "'" + std::string(command_path) + "' needs " + p.what + ", which is not built yet (issue " + p.issue + ")";
}

std::string command_path(const CLI::App& command) {
  std::string path = command.get_name();
  for (const CLI::App* up = command.get_parent(); up != nullptr && up->get_parent() != nullptr;
       up = up->get_parent()) {
    path = up->get_name() + " " + path;
  }
  return path;
}

void run_as_not_built(CLI::App& command, PlannedService service, CommandRun& selected,
                      std::shared_ptr<const void> options) {
  const std::string message = not_built_message(command_path(command), service);
  const Planned p = planned(service);
  command.description(command.get_description() + "\nNot available yet: it needs " + p.what + " (issue " +
                      p.issue + "); until then it exits with status 3.");
  command.callback([message, &selected, options = std::move(options)] {
    selected = [message] { return fail(kExitNotBuilt, message); };
  });
}

}  // namespace liandong::cli
