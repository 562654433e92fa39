#include "bench/relay_ceilings.hpp"

#include <sqlite3.h>
#include <zmq.hpp>
#include <zmq_addon.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <optional>
#include <thread>
#include <tuple>
#include <vector>

#include "bench/paced_peer.hpp"
#include "core/curve_keys.hpp"
#include "core/key_allowlist.hpp"
#include "core/envelope.hpp"
#include "core/service_main.hpp"
#include "services/audit/sqlite_event_store.hpp"
#include "tests/support/process.hpp"

namespace liandong::bench {

namespace {

using Steady = std::chrono::steady_clock;
constexpr auto kPollSlice = std::chrono::milliseconds(100);
constexpr auto kAnswerTimeout = std::chrono::seconds(10);  // no answer this long: the run fails
constexpr auto kEchoReadyTimeout = std::chrono::seconds(5);
constexpr std::size_t kMaxDrain = 10'000;  // commit relay: messages per transaction at most
constexpr const char* kClientId = "client";
constexpr const char* kEchoId = "echo";
constexpr const char* kCommand = "INCIDENT_REPORT";

std::string frame_text(const zmq::message_t& m) { return {static_cast<const char*>(m.data()), m.size()}; }

zmq::socket_t dealer(zmq::context_t& ctx, const std::string& id, const std::string& endpoint) {
  zmq::socket_t s(ctx, zmq::socket_type::dealer);
  s.set(zmq::sockopt::routing_id, id);
  s.set(zmq::sockopt::linger, 0);
  s.set(zmq::sockopt::sndhwm, 0);
  s.set(zmq::sockopt::rcvhwm, 0);
  s.connect(endpoint);
  return s;
}

void send_envelope(zmq::socket_t& s, const std::string& command, const std::string& peer, const std::string& id,
                   const std::string& body) {
  std::vector<zmq::const_buffer> frames = {zmq::buffer(kProtocolTag), zmq::buffer(command), zmq::buffer(peer),
                                           zmq::buffer(id), zmq::buffer(body)};
  zmq::send_multipart(s, frames);
}

// What the relay does with a batch of messages before forwarding them: nothing (raw) or commit.
class Committer {
 public:
  virtual ~Committer() = default;
  virtual Status commit(const std::vector<std::vector<zmq::message_t>>& batch) = 0;
};

// ROUTER relay: frames in [sender][LDP1][CMD][dest][id][body], out [dest][LDP1][CMD][sender][id][body].
// A HELLO from the echo marks it connected and is not forwarded.
struct Relay {
  zmq::socket_t socket;
  std::string endpoint;
  std::atomic<bool> stop{false};
  std::atomic<bool> echo_ready{false};
  Status failure;

  explicit Relay(zmq::context_t& ctx) : socket(ctx, zmq::socket_type::router) {
    socket.set(zmq::sockopt::linger, 0);
    socket.set(zmq::sockopt::sndhwm, 0);
    socket.set(zmq::sockopt::rcvhwm, 0);
    socket.set(zmq::sockopt::router_mandatory, 1);
    socket.bind("tcp://127.0.0.1:0");
    endpoint = socket.get(zmq::sockopt::last_endpoint);
  }

  void run(Committer* committer) {
    std::vector<std::vector<zmq::message_t>> batch;
    while (!stop.load()) {
      zmq::pollitem_t item{socket.handle(), 0, ZMQ_POLLIN, 0};
      zmq::poll(&item, 1, kPollSlice);
      batch.clear();
      while (batch.size() < kMaxDrain) {
        std::vector<zmq::message_t> frames;
        if (!zmq::recv_multipart(socket, std::back_inserter(frames), zmq::recv_flags::dontwait)) break;
        if (frames.size() != 6) continue;
        if (frame_text(frames[2]) == "HELLO") {
          echo_ready = true;
          continue;
        }
        batch.push_back(std::move(frames));
      }
      if (batch.empty()) continue;
      if (committer != nullptr) {
        if (Status s = committer->commit(batch); !s.ok()) {
          failure = s;
          return;
        }
      }
      for (auto& frames : batch) {
        std::swap(frames[0], frames[3]);
        try {
          zmq::send_multipart(socket, frames);
        } catch (const zmq::error_t& e) {
          failure = Status(ErrorCode::kIo, std::string("relay could not forward: ") + e.what());
          return;
        }
      }
    }
  }
};

void run_echo(zmq::context_t& ctx, const std::string& endpoint, std::atomic<bool>& stop) {
  zmq::socket_t s = dealer(ctx, kEchoId, endpoint);
  send_envelope(s, "HELLO", "relay", "hello", "");
  while (!stop.load()) {
    zmq::pollitem_t item{s.handle(), 0, ZMQ_POLLIN, 0};
    zmq::poll(&item, 1, kPollSlice);
    for (;;) {
      std::vector<zmq::message_t> frames;
      if (!zmq::recv_multipart(s, std::back_inserter(frames), zmq::recv_flags::dontwait)) break;
      zmq::send_multipart(s, frames);  // back to the sender named in frame 2
    }
  }
}

// Keeps `window` round trips in flight until `round_trips` came back; seconds from first send.
Result<double> run_client(zmq::context_t& ctx, const std::string& endpoint, const RelayRunOptions& o,
                          const Relay& relay) {
  zmq::socket_t s = dealer(ctx, kClientId, endpoint);
  const auto ready_by = Steady::now() + kEchoReadyTimeout;
  while (!relay.echo_ready.load()) {
    if (Steady::now() > ready_by) return Status(ErrorCode::kTimeout, "the relay's echo peer never connected");
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  std::size_t sent = 0, back = 0;
  char id[24];
  const auto send_next = [&] {
    std::snprintf(id, sizeof id, "m%zu", sent++);
    send_envelope(s, kCommand, kEchoId, id, o.body);
  };
  const auto start = Steady::now();
  while (sent < o.window && sent < o.round_trips) send_next();
  auto last_answer = start;
  while (back < o.round_trips) {
    if (stop_requested()) return Status(ErrorCode::kIo, "interrupted by a signal");
    if (!relay.failure.ok()) return relay.failure;
    zmq::pollitem_t item{s.handle(), 0, ZMQ_POLLIN, 0};
    zmq::poll(&item, 1, kPollSlice);
    for (;;) {
      std::vector<zmq::message_t> frames;
      if (!zmq::recv_multipart(s, std::back_inserter(frames), zmq::recv_flags::dontwait)) break;
      ++back;
      last_answer = Steady::now();
      if (sent < o.round_trips) send_next();
    }
    if (Steady::now() - last_answer > kAnswerTimeout) {
      return Status(ErrorCode::kTimeout, "relay run: " + std::to_string(back) + " of " + std::to_string(o.round_trips) +
                                             " round trips came back, then none for 10 s");
    }
  }
  return std::chrono::duration<double>(last_answer - start).count();
}

RelayRunResult result_of(const RelayRunOptions& o, double seconds) {
  RelayRunResult r;
  r.round_trips = o.round_trips;
  r.window = o.window;
  r.body_bytes = o.body.size();
  r.seconds = seconds;
  r.round_trips_per_s = seconds > 0 ? static_cast<double>(o.round_trips) / seconds : 0;
  r.forwarded_per_s = 2 * r.round_trips_per_s;
  return r;
}

Result<RelayRunResult> run_relay(const RelayRunOptions& o, Committer* committer) {
  zmq::context_t ctx(1);
  Relay relay(ctx);
  std::atomic<bool> echo_stop{false};
  std::thread relay_thread([&] { relay.run(committer); });
  std::thread echo_thread([&] { run_echo(ctx, relay.endpoint, echo_stop); });
  Result<double> seconds = run_client(ctx, relay.endpoint, o, relay);
  echo_stop = true;
  relay.stop = true;
  echo_thread.join();
  relay_thread.join();
  if (!seconds.ok()) return seconds.status();
  return result_of(o, *seconds);
}

void remove_database(const std::string& path) {
  std::error_code ec;
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) std::filesystem::remove(path + suffix, ec);
}

// Inserts client -> echo messages as audit rows (audit schema, FULL), one transaction per batch.
class SqliteCommitter final : public Committer {
 public:
  std::size_t* transactions = nullptr;
  std::size_t* committed = nullptr;

  ~SqliteCommitter() override {
    if (insert_ != nullptr) sqlite3_finalize(insert_);
    if (db_ != nullptr) sqlite3_close_v2(db_);
  }
  Status open(const std::string& path) {
    path_ = path;
    remove_database(path);
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) != SQLITE_OK) {
      return fault("opening");
    }
    for (const std::string& sql : {std::string("PRAGMA journal_mode=WAL"), std::string("PRAGMA synchronous=FULL"),
                                  std::string(audit::audit_schema_sql())}) {
      if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) return fault(sql.substr(0, 40));
    }
    if (sqlite3_prepare_v2(db_,
                           "INSERT INTO events (seq, event_id, incident_id, type, actor, at_ms, body, prev_hash, hash) "
                           "VALUES (?1, ?2, ?3, 'incident.reported', 'relay', ?4, ?5, ?6, ?7)",
                           -1, &insert_, nullptr) != SQLITE_OK) {
      return fault("preparing the INSERT");
    }
    return Status::Ok();
  }
  Status commit(const std::vector<std::vector<zmq::message_t>>& batch) override {
    if (sqlite3_exec(db_, "BEGIN IMMEDIATE", nullptr, nullptr, nullptr) != SQLITE_OK) return fault("BEGIN");
    std::size_t rows = 0;
    for (const auto& frames : batch) {
      if (frame_text(frames[3]) != kEchoId) continue;  // answers are forwarded without a write
      ++seq_;
      char event_id[32], incident_id[32];
      std::snprintf(event_id, sizeof event_id, "E%025lld", static_cast<long long>(seq_));
      std::snprintf(incident_id, sizeof incident_id, "I%025lld", static_cast<long long>(seq_));
      std::string hash(32, '\0');
      std::memcpy(hash.data(), &seq_, sizeof seq_);
      sqlite3_reset(insert_);
      sqlite3_bind_int64(insert_, 1, seq_);
      sqlite3_bind_text(insert_, 2, event_id, 26, SQLITE_TRANSIENT);
      sqlite3_bind_text(insert_, 3, incident_id, 26, SQLITE_TRANSIENT);
      sqlite3_bind_int64(insert_, 4, 1'700'000'000'000 + seq_);
      sqlite3_bind_blob(insert_, 5, frames[5].data(), static_cast<int>(frames[5].size()), SQLITE_STATIC);
      sqlite3_bind_blob(insert_, 6, prev_.data(), static_cast<int>(prev_.size()), SQLITE_TRANSIENT);
      sqlite3_bind_blob(insert_, 7, hash.data(), static_cast<int>(hash.size()), SQLITE_TRANSIENT);
      if (sqlite3_step(insert_) != SQLITE_DONE) {
        sqlite3_exec(db_, "ROLLBACK", nullptr, nullptr, nullptr);
        return fault("INSERT");
      }
      prev_ = hash;
      ++rows;
    }
    if (sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) return fault("COMMIT");
    if (rows > 0) {
      ++*transactions;
      *committed += rows;
    }
    return Status::Ok();
  }

 private:
  Status fault(const std::string& doing) {
    return {ErrorCode::kIo, "commit relay: " + doing + " on '" + path_ + "' failed: " +
                                (db_ != nullptr ? sqlite3_errmsg(db_) : "out of memory")};
  }
  std::string path_;
  sqlite3* db_ = nullptr;
  sqlite3_stmt* insert_ = nullptr;
  std::int64_t seq_ = 0;
  std::string prev_ = std::string(32, '\0');
};

}  // namespace

Result<RelayRunResult> measure_raw_relay(const RelayRunOptions& o) { return run_relay(o, nullptr); }

Result<RelayRunResult> measure_commit_relay(const RelayRunOptions& o) {
  std::size_t transactions = 0, committed = 0;
  Result<RelayRunResult> r = Status(ErrorCode::kInternal, "not run");
  {
    SqliteCommitter committer;
    committer.transactions = &transactions;
    committer.committed = &committed;
    if (Status s = committer.open(o.db_path); !s.ok()) return s;
    r = run_relay(o, &committer);
  }
  remove_database(o.db_path);
  if (!r.ok()) return r;
  if (transactions > 0) r->rows_per_transaction = static_cast<double>(committed) / static_cast<double>(transactions);
  return r;
}

namespace {
// A broker key pair and one enrolled key that may register as bench-* with the router's role.
Result<CurveClientKeys> bench_keys(const std::string& keys_dir) {
  for (const auto& [label, role, names] : {std::tuple{"broker", "broker", "broker"}, {"bench", "router", "bench-*"}}) {
    auto key = generate_key(label, role, names);
    if (!key.ok()) return key.status();
    if (Status s = write_key_files(keys_dir, *key); !s.ok()) return s;
    if (std::string(label) == "broker") continue;
    Status enrolled = edit_allowlist(keys_dir, [&](KeyAllowlist& list) {
      return list.enroll({key->label, key->public_key, key->role, key->names, enrolment_time_now(), {}});
    });
    if (!enrolled.ok()) return enrolled;
  }
  return load_client_keys(keys_dir, "bench");
}
}  // namespace

Result<RelayRunResult> measure_broker_forwarding(const Binaries& binaries, const RelayRunOptions& o, bool curve) {
  testing::TempDir dir;
  Stack stack(dir.path());
  std::optional<CurveClientKeys> keys;
  if (curve) {
    auto made = bench_keys(dir.file("keys"));
    if (!made.ok()) return made.status();
    keys = *made;
  }
  if (Status s = stack.start_broker(binaries.broker, curve ? dir.file("keys") : std::string()); !s.ok()) return s;
  zmq::context_t ctx(1);
  const std::string role = curve ? "router" : "cli";
  PacedPeer client(ctx, stack.endpoint(), "bench-fwd-client", role, keys);
  PacedPeer echo(ctx, stack.endpoint(), "bench-fwd-echo", role, keys);
  if (Status s = client.connect(std::chrono::seconds(5)); !s.ok()) return s.with_context("forwarding client");
  if (Status s = echo.connect(std::chrono::seconds(5)); !s.ok()) return s.with_context("forwarding echo");
  std::atomic<bool> stop{false};
  std::thread echo_thread([&] {
    while (!stop.load()) {
      auto env = echo.receive_until(Steady::now() + kPollSlice);
      if (env && env->command == kCommand) echo.send(env->peer, env->command, env->body);
    }
  });
  std::size_t sent = 0, back = 0;
  Status failure;
  const auto start = Steady::now();
  auto last_answer = start;
  while (sent < o.window && sent < o.round_trips) {
    client.send("bench-fwd-echo", kCommand, o.body);
    ++sent;
  }
  while (back < o.round_trips) {
    if (stop_requested()) {
      failure = Status(ErrorCode::kIo, "interrupted by a signal");
      break;
    }
    auto env = client.receive_until(Steady::now() + kPollSlice);
    const auto now = Steady::now();
    if (env) {
      if (env->command != kCommand) {
        failure = Status(ErrorCode::kIo, "broker forwarding: the client got " + env->command + " from '" + env->peer +
                                             "' instead of its echo (a BUSY or UNROUTABLE refusal?)");
        break;
      }
      ++back;
      last_answer = now;
      if (sent < o.round_trips) {
        client.send("bench-fwd-echo", kCommand, o.body);
        ++sent;
      }
    } else if (now - last_answer > kAnswerTimeout) {
      failure = Status(ErrorCode::kTimeout, "broker forwarding: " + std::to_string(back) + " of " +
                                                std::to_string(o.round_trips) + " came back, then none for 10 s");
      break;
    }
  }
  stop = true;
  echo_thread.join();
  client.close();
  echo.close();
  if (!failure.ok()) return failure;
  if (Status s = stack.stop(); !s.ok()) return s;
  return result_of(o, std::chrono::duration<double>(last_answer - start).count());
}

}  // namespace liandong::bench
