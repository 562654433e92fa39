// Starting and watching the processes `liandong up` supervises (fork/execv, waitpid WNOHANG).
// A child runs in its own process group, so a Ctrl-C at the terminal reaches only the
// supervisor, which then stops the children in order; and it gets SIGTERM if the supervisor dies.
#pragma once

#include <sys/types.h>

#include <filesystem>
#include <optional>
#include <string>
#include <vector>

#include "core/status.hpp"

namespace liandong::cli {

// Starts `binary` with `args`; its stdin is /dev/null and its stdout and stderr are appended to
// `output_file`. Fails only when it cannot fork or open the file; an exec failure shows as the
// child exiting with status 127 (the reason is in `output_file`).
Result<pid_t> spawn_process(const std::filesystem::path& binary, const std::vector<std::string>& args,
                            const std::filesystem::path& output_file);

// The wait status once `pid` has exited (reaping it), nullopt while it runs; kVanished when the
// process is not a child any more.
inline constexpr int kVanished = -1;
std::optional<int> reap_if_exited(pid_t pid);

// "exited with status 2", "killed by signal 9 (SIGKILL)", "killed by signal 11 (SIGSEGV), core dumped".
std::string describe_exit(int wait_status);

// Sleeps up to `ms`, returning early when a signal (SIGTERM, SIGINT) arrives.
void sleep_interruptibly(long ms);

}  // namespace liandong::cli
