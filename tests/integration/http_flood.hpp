// A hostile HTTP client for the gateways' integration tests: a request with a huge chunked body
// made on the fly (never held in memory), sent over a raw socket while the answer is read, and
// the peak resident memory of the server process (/proc/PID/status VmHWM) around it.
#pragma once

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/types.h>
#include <unistd.h>

#include <catch2/catch.hpp>

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <fstream>
#include <string>

namespace liandong::testing {

// A line "Vm...: N kB" of /proc/PID/status in kB; -1 when unreadable.
inline long proc_status_kb(pid_t pid, const std::string& key) {
  std::ifstream in("/proc/" + std::to_string(pid) + "/status");
  std::string line;
  while (std::getline(in, line)) {
    if (line.rfind(key + ":", 0) == 0) return std::stol(line.substr(key.size() + 1));
  }
  return -1;
}
// The process's peak resident memory so far: a body read whole and freed again still shows here.
inline long peak_rss_kb(pid_t pid) { return proc_status_kb(pid, "VmHWM"); }

struct FloodResult {
  int status = 0;            // the answer's HTTP status; 0: no answer
  std::string answer;        // the answer as received (headers and body)
  std::uint64_t sent = 0;    // body bytes sent before the server answered or closed
  bool closed = false;       // the server closed the connection after its answer
};

// Sends `method path` to `endpoint` ("http://127.0.0.1:PORT") with a chunked body of `total`
// bytes of 'a' in 64 KiB chunks, reading whatever the server answers meanwhile; stops sending once
// it answered or closed. Every wait is bounded (60 s in all).
inline FloodResult send_chunked_flood(const std::string& endpoint, const std::string& method, const std::string& path,
                                      std::uint64_t total, const std::string& content_type = "application/json") {
  FloodResult result;
  const auto colon = endpoint.rfind(':');
  const std::string host = endpoint.substr(endpoint.find("//") + 2, colon - endpoint.find("//") - 2);
  const int port = std::stoi(endpoint.substr(colon + 1));
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return result;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(static_cast<std::uint16_t>(port));
  ::inet_pton(AF_INET, host.c_str(), &addr.sin_addr);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return result;
  }
  ::fcntl(fd, F_SETFL, ::fcntl(fd, F_GETFL) | O_NONBLOCK);

  constexpr std::size_t kChunk = 64 * 1024;
  char size_line[32];
  std::snprintf(size_line, sizeof size_line, "%zx\r\n", kChunk);
  const std::string chunk = std::string(size_line) + std::string(kChunk, 'a') + "\r\n";
  std::string pending = method + " " + path + " HTTP/1.1\r\nHost: " + host + "\r\nContent-Type: " + content_type +
                        "\r\nTransfer-Encoding: chunked\r\n\r\n";
  std::uint64_t queued = 0;  // body bytes put into `pending` so far
  bool sending = true;
  bool terminated = false;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
  while (std::chrono::steady_clock::now() < deadline) {
    pollfd p{fd, static_cast<short>(POLLIN | (sending ? POLLOUT : 0)), 0};
    if (::poll(&p, 1, sending ? 5000 : 2000) <= 0) break;
    if (p.revents & (POLLIN | POLLHUP | POLLERR)) {
      char buf[4096];
      const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
      if (n > 0) {
        result.answer.append(buf, static_cast<std::size_t>(n));
        sending = false;  // the server answered before the body's end: stop there
      } else if (n == 0 || (errno != EAGAIN && errno != EWOULDBLOCK)) {
        result.closed = true;
        break;
      }
    }
    if (sending && (p.revents & POLLOUT)) {
      if (pending.empty() && queued < total) {
        pending = chunk;
        queued += kChunk;
      } else if (pending.empty() && !terminated) {
        pending = "0\r\n\r\n";
        terminated = true;
      }
      if (pending.empty()) {
        sending = false;  // all sent: only the answer is awaited
        continue;
      }
      const ssize_t n = ::send(fd, pending.data(), pending.size(), MSG_NOSIGNAL);
      if (n > 0) {
        pending.erase(0, static_cast<std::size_t>(n));
        result.sent = queued;
      } else if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK) {
        sending = false;  // the server closed its side: read what it answered
      }
    }
  }
  ::close(fd);
  if (result.answer.rfind("HTTP/1.1 ", 0) == 0 && result.answer.size() >= 12) {
    result.status = std::stoi(result.answer.substr(9, 3));
  }
  return result;
}

// A request with a 200 MiB chunked body gets `status` (413 for a route that takes a body, 400 for
// one that takes none) before the body's end, on a connection the server then closes, and the
// server's peak memory grows by less than 64 MB (it grew by ~250 MB when bodies were read whole).
inline void check_flood_refused(pid_t server, const std::string& endpoint, const std::string& method,
                                const std::string& path, int status,
                                const std::string& content_type = "application/json") {
  constexpr std::uint64_t kFlood = 200ull * 1024 * 1024;
  const long before_kb = peak_rss_kb(server);
  REQUIRE(before_kb > 0);
  const FloodResult r = send_chunked_flood(endpoint, method, path, kFlood, content_type);
  INFO(method << " " << path << " answered: " << r.answer.substr(0, 400));
  CHECK(r.status == status);
  CHECK(r.sent < kFlood);
  CHECK(r.closed);
  const long after_kb = peak_rss_kb(server);
  INFO("peak RSS before " << before_kb << " kB, after " << after_kb << " kB");
  CHECK(after_kb - before_kb < 64 * 1024);
}

}  // namespace liandong::testing
