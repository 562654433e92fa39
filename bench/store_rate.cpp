#include "bench/store_rate.hpp"

#include <chrono>
#include <filesystem>
#include <vector>

#include "bench/event_shape.hpp"
#include "core/clock.hpp"
#include "core/ids.hpp"
#include "services/audit/sqlite_event_store.hpp"

namespace liandong::bench {

namespace {
void remove_database(const std::string& path) {
  std::error_code ec;
  for (const char* suffix : {"", "-wal", "-shm", "-journal"}) std::filesystem::remove(path + suffix, ec);
}
}  // namespace

Result<StoreRateResult> measure_store_rate(const StoreRateOptions& o) {
  if (!o.keep_existing) remove_database(o.path);
  // The batches are built before the clock starts, as the service has them in memory by then.
  SystemClock clock;
  IdGenerator ids(clock);
  EventFactory factory(ids);
  std::vector<std::vector<audit::NewEvent>> batches;
  for (std::size_t i = 0; i < o.events; ++i) {
    if (i % o.events_per_append == 0) batches.emplace_back().reserve(o.events_per_append);
    v1::AuditEvent e = factory.next(clock.wall_ms());
    batches.back().push_back({e.event_id, e.incident_id, e.type, e.actor, e.at_ms, e.body.bytes});
  }

  audit::SqliteStoreOptions options;
  options.path = o.path;
  options.sync = o.sync;
  auto store = audit::SqliteEventStore::open(options);
  if (!store.ok()) return store.status().with_context("audit store rate");

  LatencyRecorder appends;
  appends.reserve(batches.size());
  const auto started = std::chrono::steady_clock::now();
  for (const auto& batch : batches) {
    const auto t0 = std::chrono::steady_clock::now();
    auto outcome = (*store)->append(batch);
    if (!outcome.ok()) return outcome.status().with_context("audit store rate");
    appends.record_ns(std::chrono::duration_cast<std::chrono::nanoseconds>(std::chrono::steady_clock::now() - t0).count());
  }
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  store->reset();
  remove_database(o.path);

  StoreRateResult r;
  r.sync = o.sync;
  r.events_per_append = o.events_per_append;
  r.events = o.events;
  r.seconds = seconds;
  r.events_per_s = seconds > 0 ? static_cast<double>(o.events) / seconds : 0;
  r.append = appends.summarize();
  return r;
}

}  // namespace liandong::bench
