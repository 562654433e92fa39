#include "bench/growth.hpp"

#include <sqlite3.h>
#include <zmq.hpp>

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <limits>
#include <vector>

#include "bench/event_shape.hpp"
#include "bench/process_usage.hpp"
#include "bench/stats_probe.hpp"
#include "core/clock.hpp"
#include "core/codec.hpp"
#include "core/ids.hpp"
#include "schemas/messages.hpp"
#include "services/audit/hash_chain.hpp"
#include "services/audit/sqlite_event_store.hpp"
#include "services/router/grid_locator.hpp"
#include "services/router/router_core.hpp"
#include "services/router/routing.hpp"

namespace liandong::bench {

namespace {

using Steady = std::chrono::steady_clock;
constexpr std::size_t kRowsPerBuildTransaction = 10'000;

double seconds_since(Steady::time_point t) { return std::chrono::duration<double>(Steady::now() - t).count(); }

void remove_database(const std::string& path) {
  std::error_code ec;
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) std::filesystem::remove(path + suffix, ec);
}

double file_mb(const std::string& path) {
  std::error_code ec;
  double bytes = 0;
  for (const char* suffix : {"", "-wal"}) {
    const auto n = std::filesystem::file_size(path + suffix, ec);
    if (!ec) bytes += static_cast<double>(n);
  }
  return bytes / 1e6;
}

// Writes records with a valid hash chain into a fresh audit database, fast (synchronous=OFF while
// building: the file is closed and synced before anything measured opens it).
class LogWriter {
 public:
  ~LogWriter() { close(); }
  Status open(const std::string& path) {
    path_ = path;
    remove_database(path);
    if (sqlite3_open_v2(path.c_str(), &db_, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, nullptr) != SQLITE_OK) {
      return fault("opening");
    }
    for (const std::string& sql : {std::string("PRAGMA journal_mode=WAL"), std::string("PRAGMA synchronous=OFF"),
                                  std::string(audit::audit_schema_sql())}) {
      if (sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, nullptr) != SQLITE_OK) return fault(sql.substr(0, 40));
    }
    if (sqlite3_prepare_v2(db_,
                           "INSERT INTO events (seq, event_id, incident_id, type, actor, at_ms, body, prev_hash, hash) "
                           "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                           -1, &insert_, nullptr) != SQLITE_OK) {
      return fault("preparing the INSERT");
    }
    return Status::Ok();
  }
  Status add(const v1::AuditEvent& e) {
    if (in_transaction_ == 0 && sqlite3_exec(db_, "BEGIN", nullptr, nullptr, nullptr) != SQLITE_OK) return fault("BEGIN");
    audit::EventRecord r{seq_ + 1, e.event_id, e.incident_id, e.type, e.actor, e.at_ms, e.body.bytes, prev_, {}};
    r.hash = audit::event_hash(r);
    sqlite3_reset(insert_);
    sqlite3_bind_int64(insert_, 1, r.seq);
    sqlite3_bind_text(insert_, 2, r.event_id.data(), static_cast<int>(r.event_id.size()), SQLITE_STATIC);
    if (r.incident_id) {
      sqlite3_bind_text(insert_, 3, r.incident_id->data(), static_cast<int>(r.incident_id->size()), SQLITE_STATIC);
    } else {
      sqlite3_bind_null(insert_, 3);
    }
    sqlite3_bind_text(insert_, 4, r.type.data(), static_cast<int>(r.type.size()), SQLITE_STATIC);
    sqlite3_bind_text(insert_, 5, r.actor.data(), static_cast<int>(r.actor.size()), SQLITE_STATIC);
    sqlite3_bind_int64(insert_, 6, r.at_ms);
    sqlite3_bind_blob(insert_, 7, r.body.data(), static_cast<int>(r.body.size()), SQLITE_STATIC);
    sqlite3_bind_blob(insert_, 8, r.prev_hash.data(), static_cast<int>(r.prev_hash.size()), SQLITE_STATIC);
    sqlite3_bind_blob(insert_, 9, r.hash.data(), static_cast<int>(r.hash.size()), SQLITE_STATIC);
    if (sqlite3_step(insert_) != SQLITE_DONE) return fault("INSERT");
    ++seq_;
    prev_ = std::move(r.hash);
    if (++in_transaction_ == kRowsPerBuildTransaction) return commit();
    return Status::Ok();
  }
  Status finish() {
    if (Status s = commit(); !s.ok()) return s;
    if (sqlite3_exec(db_, "PRAGMA wal_checkpoint(TRUNCATE)", nullptr, nullptr, nullptr) != SQLITE_OK) {
      return fault("checkpoint");
    }
    close();
    return Status::Ok();
  }
  std::int64_t written() const { return seq_; }

 private:
  Status commit() {
    if (in_transaction_ == 0) return Status::Ok();
    in_transaction_ = 0;
    if (sqlite3_exec(db_, "COMMIT", nullptr, nullptr, nullptr) != SQLITE_OK) return fault("COMMIT");
    return Status::Ok();
  }
  void close() {
    if (insert_ != nullptr) sqlite3_finalize(insert_);
    insert_ = nullptr;
    if (db_ != nullptr) sqlite3_close_v2(db_);
    db_ = nullptr;
  }
  Status fault(const std::string& doing) {
    return {ErrorCode::kIo, "building the log '" + path_ + "': " + doing + " failed: " +
                                (db_ != nullptr ? sqlite3_errmsg(db_) : "out of memory")};
  }
  std::string path_;
  sqlite3* db_ = nullptr;
  sqlite3_stmt* insert_ = nullptr;
  std::int64_t seq_ = 0;
  std::size_t in_transaction_ = 0;
  std::string prev_ = audit::genesis_hash();
};

// The store must accept the built file (schema version, tail hash) before a figure is taken on it.
Status check_opens(const std::string& path) {
  audit::SqliteStoreOptions options;
  options.path = path;
  auto store = audit::SqliteEventStore::open(options);
  if (!store.ok()) return store.status().with_context("the built log does not open in SqliteEventStore");
  return Status::Ok();
}

}  // namespace

Result<router::Deployment> synthetic_deployment(const router::Deployment& base, std::size_t grids) {
  if (base.grids.empty() || grids == 0) return Status(ErrorCode::kConfig, "no grids to build a synthetic deployment from");
  double lat_min = std::numeric_limits<double>::max(), lat_max = -lat_min, lon_min = lat_min, lon_max = -lat_min;
  for (const auto& [id, g] : base.grids) {
    for (const auto& p : g.polygon) {
      lat_min = std::min(lat_min, p.lat);
      lat_max = std::max(lat_max, p.lat);
      lon_min = std::min(lon_min, p.lon);
      lon_max = std::max(lon_max, p.lon);
    }
  }
  const auto rows = static_cast<std::size_t>(std::ceil(std::sqrt(static_cast<double>(grids))));
  const std::size_t cols = (grids + rows - 1) / rows;
  const double dlat = (lat_max - lat_min) / static_cast<double>(rows);
  const double dlon = (lon_max - lon_min) / static_cast<double>(cols);
  const router::GridLocator base_locator(base);
  router::Deployment d = base;
  d.grids.clear();
  char id[32];  // "S" and any size_t (-Wformat-truncation)
  const auto cell_id = [&](std::size_t i) {
    std::snprintf(id, sizeof id, "S%07zu", i);
    return std::string(id);
  };
  for (std::size_t i = 0; i < grids; ++i) {
    const std::size_t r = i / cols, c = i % cols;
    const double la = lat_min + static_cast<double>(r) * dlat, lo = lon_min + static_cast<double>(c) * dlon;
    router::Grid g;
    g.id = cell_id(i);
    g.polygon = {{la, lo}, {la, lo + dlon}, {la + dlat, lo + dlon}, {la + dlat, lo}};
    const auto from = base_locator.locate({la + dlat / 2, lo + dlon / 2});
    if (from && from->grid != nullptr) {
      g.zone = from->grid->zone;
      g.town = from->grid->town;
      g.community = from->grid->community;
      g.units = from->grid->units;
    }
    d.grids.emplace(g.id, std::move(g));
  }
  const auto lattice_grid_of = [&](const router::GeoPoint& p) {
    const auto r = std::min(rows - 1, static_cast<std::size_t>(std::max(0.0, (p.lat - lat_min) / dlat)));
    const auto c = std::min(cols - 1, static_cast<std::size_t>(std::max(0.0, (p.lon - lon_min) / dlon)));
    return cell_id(std::min(grids - 1, r * cols + c));
  };
  for (auto& [hid, h] : d.households) {
    const router::Grid* old = base.grid(h.grid);
    const auto centre = old != nullptr ? router::grid_centre(*old) : std::nullopt;
    h.grid = centre ? lattice_grid_of(*centre) : cell_id(0);
  }
  return d;
}

Result<GridGrowthResult> measure_grid_growth(const router::Deployment& base, std::size_t grids,
                                             const RoutingRateOptions& options) {
  const auto t0 = Steady::now();
  auto d = synthetic_deployment(base, grids);
  if (!d.ok()) return d.status();
  GridGrowthResult r;
  r.grids = grids;
  r.build_seconds = seconds_since(t0);
  auto rate = measure_routing_rate(*d, options);
  if (!rate.ok()) return rate.status().with_context(std::to_string(grids) + " grids");
  r.routing = *rate;
  return r;
}

Result<AppendGrowthResult> measure_append_growth(const std::string& path, std::size_t existing,
                                                 std::size_t appended_events) {
  AppendGrowthResult r;
  r.existing_events = existing;
  const auto t0 = Steady::now();
  {
    LogWriter writer;
    if (Status s = writer.open(path); !s.ok()) return s;
    SystemClock clock;
    IdGenerator ids(clock);
    EventFactory factory(ids);
    const Millis at = clock.wall_ms();
    for (std::size_t i = 0; i < existing; ++i) {
      if (Status s = writer.add(factory.next(at)); !s.ok()) return s;
    }
    if (Status s = writer.finish(); !s.ok()) return s;
  }
  r.build_seconds = seconds_since(t0);
  r.file_mb = file_mb(path);
  if (existing > 0) {
    if (Status s = check_opens(path); !s.ok()) return s;
  }
  StoreRateOptions o;
  o.path = path;
  o.sync = "full";
  o.events = appended_events;
  o.keep_existing = true;
  auto rate = measure_store_rate(o);
  remove_database(path);
  if (!rate.ok()) return rate.status();
  r.append = *rate;
  return r;
}

Result<ReplayResult> measure_replay(const Binaries& binaries, const router::Deployment& deployment,
                                    const std::string& deployment_dir, const std::string& dir, const RouterLogSpec& spec,
                                    std::chrono::milliseconds ready_timeout) {
  ReplayResult result;
  result.spec = spec;
  const std::string db = dir + "/router-log.db";
  const auto t0 = Steady::now();
  {
    // A log as the router writes it: its own core decides, every order is accepted at once.
    const std::size_t reports_guess = spec.incidents > 0 ? spec.incidents : spec.events / 3 + 1;
    SystemClock wall;
    ManualClock clock(wall.wall_ms() - static_cast<Millis>(reports_guess) - 60'000);
    router::RouterCore core(deployment, clock, "router");
    LogWriter writer;
    if (Status s = writer.open(db); !s.ok()) return s;
    const auto write_all = [&](const router::Decision& d) -> Status {
      for (const auto& e : d.events) {
        if (Status s = writer.add(e); !s.ok()) return s;
      }
      return Status::Ok();
    };
    std::size_t incidents = 0;
    for (std::size_t i = 0;; ++i) {
      if (spec.events > 0 && static_cast<std::size_t>(writer.written()) >= spec.events) break;
      if (spec.incidents > 0 && incidents >= spec.incidents) break;
      clock.advance(1);
      v1::IncidentReport report;
      report.report_id = "replay-" + std::to_string(i);
      report.source = "96345";
      report.category = "consult.policy";
      report.location = v1::Location{29.71, 120.24};
      report.text = "caller asks about a policy";
      report.reported_at_ms = clock.wall_ms();
      router::Decision d = core.on_report("gw-bench", "m" + std::to_string(i), report);
      if (!d.now.empty()) return Status(ErrorCode::kInternal, "building the router log: report refused with " + d.now.front().command);
      if (Status s = write_all(d); !s.ok()) return s;
      ++incidents;
      for (const auto& send : d.after_durable) {
        if (send.command != v1::DispatchOrder::kCommand) continue;
        auto order = decode_body<v1::DispatchOrder>(send.body);
        if (!order.ok()) return order.status().with_context("building the router log");
        router::Decision a = core.on_order_ack(router::unit_peer(order->unit), "a" + std::to_string(i),
                                               v1::OrderAck{order->order_id, order->unit, true, std::nullopt});
        if (Status s = write_all(a); !s.ok()) return s;
      }
    }
    clock.advance(60'000);
    result.events_on_first_tick = core.on_tick().events.size();
    result.events = static_cast<std::size_t>(writer.written());
    result.incidents = incidents;
    if (Status s = writer.finish(); !s.ok()) return s;
  }
  result.write_seconds = seconds_since(t0);
  result.file_mb = file_mb(db);

  Stack stack(dir, ready_timeout);
  if (Status s = stack.start_broker(binaries.broker); !s.ok()) return s;
  if (Status s = stack.start_service("audit", binaries.audit, {"--db", db, "--sync", "full"}); !s.ok()) {
    return s.with_context("starting the audit on a log of " + std::to_string(result.events) + " events");
  }
  const auto started = Steady::now();
  if (Status s = stack.start_service("router", binaries.router, {"--deployment", deployment_dir}); !s.ok()) {
    return s.with_context("the router replaying " + std::to_string(result.events) + " events");
  }
  result.ready_seconds = seconds_since(started);
  zmq::context_t context(1);
  auto stats = query_stats(context, stack.endpoint(), "router", std::chrono::seconds(30));
  if (!stats.ok()) return stats.status().with_context("router STATS after the replay");
  result.replayed_events = counter(*stats, "replayed_events");
  result.open_incidents = counter(*stats, "open_incidents");
  if (auto u = read_process_usage(stack.pid("broker"))) result.broker_peak_rss_mb = u->peak_rss_mb;
  if (auto u = read_process_usage(stack.pid("audit"))) result.audit_peak_rss_mb = u->peak_rss_mb;
  if (auto u = read_process_usage(stack.pid("router"))) result.router_peak_rss_mb = u->peak_rss_mb;
  if (Status s = stack.stop(); !s.ok()) return s;
  remove_database(db);
  return result;
}

}  // namespace liandong::bench
