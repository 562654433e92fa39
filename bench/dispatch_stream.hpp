// The INCIDENT_REPORTs of the end-to-end router run and the unit each one must reach. Reports come
// from 110 and alternate crime.theft and dispute.neighbour (both priority 3, both routed to the
// police station of the incident's grid: one DISPATCH_ORDER per report). Each report is located at
// the centre of its own grid (lat/lon, so the router's grid lookup is part of the path), and no two
// grids of one family are within that family's merge distance (merge.toml): no report is linked to
// an earlier one instead of being dispatched. The grids are taken in a fixed pseudo-random order,
// so consecutive reports go to different police stations.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

#include "core/clock.hpp"
#include "core/status.hpp"
#include "schemas/messages.hpp"
#include "services/router/deployment.hpp"

namespace liandong::bench {

struct PlannedReport {
  v1::IncidentReport report;  // report.text is the report id, which DISPATCH_ORDER carries back
  std::string unit;           // the unit its order must go to (rung 0)
};

// `count` reports, reported at `reported_at_ms`. Fails naming the reason when the deployment does
// not route these categories from 110 to exactly the grid's police station, or has too few grids
// far enough apart for `count` reports.
Result<std::vector<PlannedReport>> plan_dispatch_stream(const router::Deployment& deployment, std::size_t count,
                                                        Millis reported_at_ms);

}  // namespace liandong::bench
