// The real liandong-broker process on loopback: ordered delivery, dead peers, hostile input,
// restarts, ipc endpoints and start-up errors.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <random>

#include <zmq_addon.hpp>

#include "core/codec.hpp"
#include "core/envelope.hpp"
#include "schemas/messages.hpp"
#include "tests/integration/broker_fixture.hpp"

using namespace liandong;
using namespace liandong::testing;

namespace {
struct Seq {
  static constexpr std::string_view kCommand = "SEQ";
  std::int64_t n = 0;
  template <class V>
  void fields(V& v) {
    v.required("n", n);
  }
};

ChildProcess start_echo(const TempDir& dir, const std::string& endpoint, const std::string& name) {
  auto echo = ChildProcess::start({LIANDONG_ECHO_BIN, "--endpoint", endpoint, "--name", name, "--ready-file",
                                   dir.file(name + ".ready")},
                                  dir.file(name + ".log"));
  REQUIRE(wait_for_ready_file(dir.file(name + ".ready")).has_value());
  return echo;
}

v1::StatsReply broker_stats(BusClient& client) {
  client.send_message("", v1::Stats{});
  auto env = receive_until(client, 3000, [](const Envelope& e) { return e.command == "STATS_REPLY"; });
  REQUIRE(env.has_value());
  auto stats = decode_body<v1::StatsReply>(env->body);
  REQUIRE(stats.ok());
  return *stats;
}

bool has_peer(const v1::StatsReply& stats, const std::string& name) {
  for (const auto& p : stats.peers.value_or(std::vector<v1::PeerInfo>{})) {
    if (p.name == name) return true;
  }
  return false;
}

// Sends raw frames on a bare DEALER and returns the broker's reply frames (empty on timeout).
std::vector<std::string> raw_exchange(zmq::socket_t& socket, const std::vector<std::string>& frames) {
  for (std::size_t i = 0; i < frames.size(); ++i) {
    zmq::message_t m(frames[i].data(), frames[i].size());
    socket.send(m, i + 1 < frames.size() ? zmq::send_flags::sndmore : zmq::send_flags::none);
  }
  std::vector<zmq::message_t> reply;
  std::vector<std::string> out;
  if (!zmq::recv_multipart(socket, std::back_inserter(reply))) return out;
  for (auto& m : reply) out.emplace_back(static_cast<const char*>(m.data()), m.size());
  return out;
}

zmq::socket_t raw_dealer(zmq::context_t& ctx, const std::string& endpoint) {
  zmq::socket_t s(ctx, zmq::socket_type::dealer);
  s.set(zmq::sockopt::linger, 0);
  s.set(zmq::sockopt::rcvtimeo, 3000);
  s.connect(endpoint);
  return s;
}
}  // namespace

TEST_CASE("two peers exchange 10,000 messages through the broker, all delivered in order",
          "[integration][broker]") {
  // Unit peers are limited to 50 messages/s by default; this test is about order and loss.
  BrokerProcess broker({"--no-rate-limits"});
  auto echo = start_echo(broker.dir, broker.endpoint, "echo");
  zmq::context_t ctx;
  SystemClock clock;
  auto sender = connect_client(ctx, clock, broker.endpoint, "sender");

  constexpr std::int64_t kMessages = 10'000;
  constexpr std::int64_t kWindow = 500;  // outstanding at once, well under the high-water marks
  std::int64_t sent = 0;
  std::int64_t received = 0;
  const Millis deadline = clock.monotonic_ms() + 60'000;
  while (received < kMessages && clock.monotonic_ms() < deadline) {
    while (sent < kMessages && sent - received < kWindow) {
      sender->send_message("echo", Seq{sent});
      ++sent;
    }
    auto env = sender->receive(1000);
    if (!env) continue;
    if (env->command == "ERROR") FAIL("broker or echo refused a message: " << env->body.size() << " bytes");
    if (env->command != "SEQ") continue;
    auto seq = decode_body<Seq>(env->body);
    REQUIRE(seq.ok());
    REQUIRE(seq->n == received);  // in order, none missing
    ++received;
  }
  CHECK(received == kMessages);
  auto stats = broker_stats(*sender);
  CHECK(stats.counters.at("forwarded") >= 2 * kMessages);
  CHECK(stats.errors.empty());
  CHECK(echo.stop());
  broker.stop_cleanly();
}

TEST_CASE("a killed peer is detected and messages to it get UNROUTABLE", "[integration][broker]") {
  BrokerProcess broker;
  auto victim = start_echo(broker.dir, broker.endpoint, "victim");
  zmq::context_t ctx;
  SystemClock clock;
  auto sender = connect_client(ctx, clock, broker.endpoint, "sender");
  REQUIRE(has_peer(broker_stats(*sender), "victim"));

  victim.kill_hard();
  // Until the broker notices, a message can still go into the dying connection and be lost; the
  // protocol's answer is to resend until acknowledged, which is what this loop does (bounded).
  std::optional<v1::Error> error;
  for (int attempt = 0; attempt < 20 && !error; ++attempt) {
    const auto id = sender->send_message("victim", Seq{attempt});
    auto env = receive_until(*sender, 250, [&](const Envelope& e) { return e.command == "ERROR"; });
    if (!env) continue;
    auto err = decode_body<v1::Error>(env->body);
    REQUIRE(err.ok());
    CHECK(err->reply_to == id);
    error = *err;
  }
  REQUIRE(error.has_value());
  CHECK(error->name == "UNROUTABLE");
  CHECK_THAT(error->message, Catch::Contains("victim"));
  auto stats = broker_stats(*sender);
  CHECK_FALSE(has_peer(stats, "victim"));
  CHECK(stats.counters.at("peers_unreachable") + stats.counters.at("peers_expired") >= 1);
  broker.stop_cleanly();
}

TEST_CASE("garbage input gets an error each time and the broker keeps serving", "[integration][broker]") {
  BrokerProcess broker;
  auto echo = start_echo(broker.dir, broker.endpoint, "echo");
  zmq::context_t ctx;
  auto raw = raw_dealer(ctx, broker.endpoint);
  std::mt19937 rng(20261125);  // fixed seed: the same inputs every run
  auto random_bytes = [&](std::size_t max_len) {
    std::string s(std::uniform_int_distribution<std::size_t>(0, max_len)(rng), '\0');
    for (auto& c : s) c = static_cast<char>(rng());
    return s;
  };
  const std::string valid_register = encode_body(v1::Register{"garbage-test", "unit", std::nullopt, std::nullopt});
  msgpack::sbuffer wrong_types;
  {
    msgpack::packer<msgpack::sbuffer> pk(wrong_types);
    pk.pack_map(2);
    pk.pack(std::string("name"));
    pk.pack(42);
    pk.pack(std::string("role"));
    pk.pack(std::vector<int>{1});
  }

  constexpr int kInputs = 300;
  std::map<std::string, int> replies;
  for (int i = 0; i < kInputs; ++i) {
    std::vector<std::string> frames;
    switch (i % 7) {
      case 0:  // random frames
        for (int n = std::uniform_int_distribution<int>(1, 7)(rng); n > 0; --n) frames.push_back(random_bytes(64));
        break;
      case 1:  // truncated msgpack
        frames = {"LDP1", "REGISTER", "", "t" + std::to_string(i),
                  valid_register.substr(0, std::uniform_int_distribution<std::size_t>(1, valid_register.size() - 1)(rng))};
        break;
      case 2:  // wrong types
        frames = {"LDP1", "REGISTER", "", "w" + std::to_string(i), std::string(wrong_types.data(), wrong_types.size())};
        break;
      case 3:  // a frame over the 1 MiB limit
        frames = {"LDP1", "INCIDENT_REPORT", "echo", "h" + std::to_string(i), std::string((1 << 20) + 1 + i, 'x')};
        break;
      case 4:  // another protocol version
        frames = {"LDP" + std::to_string(2 + i % 7), "HEARTBEAT", "", "v", "\x80"};
        break;
      case 5:  // bad command and id bytes
        frames = {"LDP1", random_bytes(40) + "\x01", "echo", std::string("\x00\xff", 2), "\x80"};
        break;
      case 6:  // well-formed but never registered
        frames = {"LDP1", "INCIDENT_REPORT", "echo", "u" + std::to_string(i), "\x80"};
        break;
    }
    auto reply = raw_exchange(raw, frames);
    INFO("input " << i << " of kind " << i % 7);
    REQUIRE(reply.size() == 5);
    REQUIRE(reply[0] == "LDP1");
    REQUIRE(reply[1] == "ERROR");
    auto err = decode_body<v1::Error>(reply[4]);
    REQUIRE(err.ok());
    ++replies[err->name];
  }
  CHECK(replies["TOO_LARGE"] == kInputs / 7 + (kInputs % 7 > 3 ? 1 : 0));
  CHECK(replies["UNSUPPORTED_VERSION"] >= 1);
  CHECK(replies["NOT_REGISTERED"] >= 1);
  CHECK(replies["WRONG_TYPE"] >= 1);
  CHECK(replies["INVALID_BODY"] >= 1);
  CHECK(replies["MALFORMED"] >= 1);

  // Afterwards the broker still serves a normal exchange and has counted every refusal.
  SystemClock clock;
  auto client = connect_client(ctx, clock, broker.endpoint, "after-garbage");
  client->send_message("echo", Seq{7});
  auto back = receive_until(*client, 3000, [](const Envelope& e) { return e.command == "SEQ"; });
  REQUIRE(back.has_value());
  CHECK(decode_body<Seq>(back->body)->n == 7);
  auto stats = broker_stats(*client);
  std::uint64_t errors = 0;
  for (const auto& [name, n] : stats.errors) {
    UNSCOPED_INFO(name << ": " << n);
    errors += n;
  }
  CHECK(errors == static_cast<std::uint64_t>(kInputs));

  // A frame far over the limit is cut off by libzmq (the connection is dropped, no reply).
  {
    auto huge = raw_dealer(ctx, broker.endpoint);
    huge.set(zmq::sockopt::rcvtimeo, 500);
    CHECK(raw_exchange(huge, {"LDP1", "HEARTBEAT", "", "x", std::string(9 << 20, 'z')}).empty());
  }
  // Bytes that are not ZeroMQ at all, straight on the TCP port (libzmq may read them as ZMTP/1.0
  // frames, which the broker then refuses as MALFORMED to a connection that is already gone).
  {
    const auto port = std::stoi(broker.endpoint.substr(broker.endpoint.rfind(':') + 1));
    const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<std::uint16_t>(port));
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    const auto junk = random_bytes(4096) + "GET / HTTP/1.1\r\n\r\n";
    CHECK(::write(fd, junk.data(), junk.size()) > 0);
    ::close(fd);
  }

  // ... and still serves. The client was not pumped during the last steps (longer than its
  // 300 ms liveness), so it reconnects on this send; the message must still arrive.
  client->send_message("echo", Seq{8});
  back = receive_until(*client, 3000, [](const Envelope& e) { return e.command == "SEQ"; });
  REQUIRE(back.has_value());
  CHECK(decode_body<Seq>(back->body)->n == 8);
  CHECK(echo.stop());
  broker.stop_cleanly();
}

TEST_CASE("clients re-register by themselves after the broker is killed and restarted",
          "[integration][broker]") {
  BrokerProcess broker;
  const std::string endpoint = broker.endpoint;  // restart on the same port
  auto echo = start_echo(broker.dir, endpoint, "echo");
  zmq::context_t ctx;
  SystemClock clock;
  auto client = connect_client(ctx, clock, endpoint, "survivor");

  broker.process.kill_hard();
  std::filesystem::remove(broker.dir.file("broker.ready"));
  broker.process = broker.start({}, endpoint);
  REQUIRE(wait_for_ready_file(broker.dir.file("broker.ready")).has_value());

  // Resend until the echo answers: both clients must have noticed and registered again.
  bool answered = false;
  for (int attempt = 0; attempt < 40 && !answered; ++attempt) {
    client->send_message("echo", Seq{attempt});
    answered = receive_until(*client, 250, [](const Envelope& e) { return e.command == "SEQ"; }).has_value();
  }
  CHECK(answered);
  CHECK(client->registered());
  CHECK(echo.stop());
  broker.stop_cleanly();
}

TEST_CASE("the broker serves an ipc endpoint", "[integration][broker]") {
  TempDir sockets;
  BrokerProcess broker({}, "ipc://" + sockets.file("bus.sock"));
  CHECK(broker.endpoint == "ipc://" + sockets.file("bus.sock"));
  auto echo = start_echo(broker.dir, broker.endpoint, "echo");
  zmq::context_t ctx;
  SystemClock clock;
  auto client = connect_client(ctx, clock, broker.endpoint, "ipc-client");
  client->send_message("echo", Seq{1});
  CHECK(receive_until(*client, 3000, [](const Envelope& e) { return e.command == "SEQ"; }).has_value());
  CHECK(echo.stop());
  broker.stop_cleanly();
}

TEST_CASE("start-up problems are reported with a reason and a non-zero exit", "[integration][broker]") {
  TempDir dir;
  SECTION("a config key of the wrong type") {
    const auto config = dir.file("bad.toml");
    std::ofstream(config) << "[broker]\nheartbeat_ms = \"fast\"\n";
    auto p = ChildProcess::start({LIANDONG_BROKER_BIN, "--config", config, "--check-config"}, dir.file("out.log"));
    CHECK(p.wait_exit(std::chrono::seconds(10)) == 2);
    CHECK_THAT(read_file(dir.file("out.log")), Catch::Contains("broker.heartbeat_ms") && Catch::Contains("expected an integer"));
  }
  SECTION("a port already in use") {
    BrokerProcess first;
    auto p = ChildProcess::start({LIANDONG_BROKER_BIN, "--endpoint", first.endpoint, "--insecure-plain"}, dir.file("out.log"));
    CHECK(p.wait_exit(std::chrono::seconds(10)) == 1);
    CHECK_THAT(read_file(dir.file("out.log")), Catch::Contains("cannot bind"));
    first.stop_cleanly();
  }
  SECTION("a valid config checks clean") {
    auto p = ChildProcess::start({LIANDONG_BROKER_BIN, "--config", LIANDONG_SOURCE_DIR "/config/liandong.toml",
                                  "--keys", dir.file("keys"), "--check-config"},
                                 dir.file("out.log"));
    CHECK(p.wait_exit(std::chrono::seconds(10)) == 0);
    CHECK_THAT(read_file(dir.file("out.log")), Catch::Contains("config ok") && Catch::Contains("security = curve"));
  }
  SECTION("neither keys nor an explicit plain mode") {
    auto p = ChildProcess::start({LIANDONG_BROKER_BIN, "--endpoint", "tcp://127.0.0.1:0"}, dir.file("out.log"));
    CHECK(p.wait_exit(std::chrono::seconds(10)) == 2);
    CHECK_THAT(read_file(dir.file("out.log")), Catch::Contains("--keys DIR") && Catch::Contains("--insecure-plain"));
  }
}
