#include "tools/cli/child_process.hpp"

#include <fcntl.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <csignal>
#include <cstring>
#include <ctime>

namespace liandong::cli {

Result<pid_t> spawn_process(const std::filesystem::path& binary, const std::vector<std::string>& args,
                            const std::filesystem::path& output_file) {
  // Everything the child needs is prepared before fork: between fork and exec only
  // async-signal-safe calls are allowed.
  std::vector<std::string> storage;
  storage.push_back(binary.string());
  storage.insert(storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (auto& s : storage) argv.push_back(s.data());
  argv.push_back(nullptr);
  static constexpr char kExecFailed[] = "liandong up: exec failed for ";

  const int out = ::open(output_file.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);
  if (out < 0) return Status(ErrorCode::kIo, "cannot open " + output_file.string() + ": " + std::strerror(errno));
  const int in = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (in < 0) {
    ::close(out);
    return Status(ErrorCode::kIo, std::string("cannot open /dev/null: ") + std::strerror(errno));
  }
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    const int err = errno;
    ::close(out);
    ::close(in);
    return Status(ErrorCode::kIo, "cannot start " + binary.string() + ": fork: " + std::strerror(err));
  }
  if (pid == 0) {
    ::setpgid(0, 0);
    ::prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (::getppid() != parent) ::_exit(127);  // the supervisor died before prctl took effect
    // Exec keeps ignored signals ignored and the signal mask: give the child the defaults.
    struct sigaction dfl {};
    dfl.sa_handler = SIG_DFL;
    for (int sig : {SIGINT, SIGTERM, SIGHUP, SIGPIPE, SIGCHLD}) ::sigaction(sig, &dfl, nullptr);
    sigset_t none;
    sigemptyset(&none);
    ::sigprocmask(SIG_SETMASK, &none, nullptr);
    ::dup2(in, STDIN_FILENO);
    ::dup2(out, STDOUT_FILENO);
    ::dup2(out, STDERR_FILENO);
    ::execv(argv[0], argv.data());
    const ssize_t ignored1 = ::write(STDERR_FILENO, kExecFailed, sizeof kExecFailed - 1);
    const ssize_t ignored2 = ::write(STDERR_FILENO, argv[0], std::strlen(argv[0]));
    const ssize_t ignored3 = ::write(STDERR_FILENO, "\n", 1);
    (void)ignored1, (void)ignored2, (void)ignored3;
    ::_exit(127);
  }
  ::setpgid(pid, pid);  // also here, so the group exists whichever of the two runs first
  ::close(out);
  ::close(in);
  return pid;
}

std::optional<int> reap_if_exited(pid_t pid) {
  int status = 0;
  pid_t r;
  do {
    r = ::waitpid(pid, &status, WNOHANG);
  } while (r < 0 && errno == EINTR);
  if (r == 0) return std::nullopt;
  if (r < 0) return kVanished;
  return status;
}

std::string describe_exit(int wait_status) {
  if (wait_status == kVanished) return "vanished (no longer a child of this process)";
  if (WIFEXITED(wait_status)) return "exited with status " + std::to_string(WEXITSTATUS(wait_status));
  if (WIFSIGNALED(wait_status)) {
    const int sig = WTERMSIG(wait_status);
    const char* abbrev = ::sigabbrev_np(sig);
    std::string text = "killed by signal " + std::to_string(sig);
    if (abbrev != nullptr) text += std::string(" (SIG") + abbrev + ")";
    if (WCOREDUMP(wait_status)) text += ", core dumped";
    return text;
  }
  return "ended with wait status " + std::to_string(wait_status);
}

void sleep_interruptibly(long ms) {
  timespec ts{ms / 1000, (ms % 1000) * 1'000'000L};
  ::nanosleep(&ts, nullptr);  // EINTR is the point: a stop signal ends the nap early
}

}  // namespace liandong::cli
