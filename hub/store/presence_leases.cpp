#include "hub/store/presence_leases.hpp"

#include "hub/redis/args.hpp"
#include "hub/store/redis_failure.hpp"

namespace mi::hub {

namespace asio = boost::asio;

namespace {
// Ended leases settled per colony per call: bounds one script's run in a colony where many end together.
constexpr int kLeasesPerCall = 25;  // each one settled is an event (50 to 150 µs under load)
// Calls per colony per round while leases are still due in it: a lost hub's 20,000 agents end
// their graces together, and waiting a sweep period between calls would hold them for minutes.
// Bounded, so that one such colony does not hold up the others' round.
constexpr int kCallsPerColony = 40;
}  // namespace

asio::awaitable<bool> PresenceLeases::file(redis::Connection& redis, const std::string& colony,
                                           std::int64_t lease_end) {
  if (lease_end <= 0) co_return true;
  auto result = co_await redis.eval("lease_schedule", mi::redis::args(keys_.leases_prefix()),
                                    mi::redis::args(colony, std::to_string(lease_end)));
  co_return !redis_failed(result);
}

asio::awaitable<Outcome<LeaseOutcome>> PresenceLeases::beat(redis::Connection& redis, const std::string& colony,
                                                            const std::string& agent_id,
                                                            const std::string& secret_sha256, std::int64_t now) {
  auto result = co_await redis.eval("agent_beat", mi::redis::args(keys_.colony_prefix(colony)),
                                    mi::redis::args(agent_id, secret_sha256, std::to_string(now),
                                                    std::to_string(presence_ttl_ms_), event_stream_length_));
  if (redis_failed(result)) co_return describe_redis_failure(result);
  const auto& reply = result.reply;
  if (!reply.is_array() || reply.elements.empty()) co_return unexpected_reply();
  if (reply.elements[0].str == "unauthorized") {
    co_return ApiError{401, "unauthorized", "This agent token is not valid: onboard again with a new invite."};
  }
  if (reply.elements.size() < 3) co_return unexpected_reply();
  // Unfiled, the lease would still end: the ghost sweep settles it, only later.
  const auto lease_end = reply.elements[2].integer;
  co_await file(redis, colony, lease_end);
  co_return LeaseOutcome{static_cast<std::uint64_t>(reply.elements[1].integer), {}};
}

asio::awaitable<Outcome<LeaseOutcome>> PresenceLeases::report_health(redis::Connection& redis,
                                                                     const std::string& colony,
                                                                     const std::string& agent_id, bool healthy,
                                                                     std::int64_t ttl_ms, std::int64_t now) {
  auto result = co_await redis.eval("report_health", mi::redis::args(keys_.colony_prefix(colony)),
                                    mi::redis::args(agent_id, healthy ? "1" : "0", std::to_string(ttl_ms),
                                                    std::to_string(now), event_stream_length_));
  if (redis_failed(result)) co_return describe_redis_failure(result);
  const auto& reply = result.reply;
  if (!reply.is_array() || reply.elements.empty()) co_return unexpected_reply();
  const auto& verdict = reply.elements[0].str;
  if (verdict == "not_found") {
    co_return ApiError{404, "not_found", "There is no agent " + agent_id + " in colony " + colony + "."};
  }
  if (verdict == "not_hosted") {
    co_return ApiError{409, "not_hosted",
                       "Agent " + agent_id + " is not hosted: only hosted agents (clones) have their status from "
                       "health reports; a remote agent is online while it holds a socket or beats."};
  }
  if (reply.elements.size() < 4) co_return unexpected_reply();
  co_await file(redis, colony, reply.elements[3].integer);
  co_return LeaseOutcome{static_cast<std::uint64_t>(reply.elements[2].integer), reply.elements[1].str};
}

asio::awaitable<LeaseSweep> PresenceLeases::sweep(redis::Connection& redis, std::int64_t now,
                                                  std::size_t max_colonies) {
  LeaseSweep sweep;
  auto due = co_await redis.eval("lease_due", mi::redis::args(keys_.leases_prefix()),
                                 mi::redis::args(std::to_string(now), std::to_string(max_colonies)));
  if (redis_failed(due) || !due.reply.is_array()) {
    sweep.complete = false;
    co_return sweep;
  }
  const auto& entries = due.reply.elements;
  for (std::size_t i = 0; i + 1 < entries.size(); i += 2) {
    const auto& colony = entries[i].str;
    const auto& generation = entries[i + 1].str;
    std::int64_t next_end = 0;
    for (int call = 0; call < kCallsPerColony; ++call) {
      auto settled = co_await redis.eval("expire_leases", mi::redis::args(keys_.colony_prefix(colony)),
                                         mi::redis::args(std::to_string(now), std::to_string(kLeasesPerCall),
                                                         event_stream_length_));
      if (redis_failed(settled) || !settled.reply.is_array() || settled.reply.elements.size() < 2) {
        sweep.complete = false;
        co_return sweep;
      }
      sweep.offlined += static_cast<std::size_t>(settled.reply.elements[1].integer);
      next_end = settled.reply.elements[0].integer;
      if (next_end == 0 || next_end > now) break;
    }
    ++sweep.colonies;
    auto refiled = co_await redis.eval("lease_reschedule", mi::redis::args(keys_.leases_prefix()),
                                       mi::redis::args(colony, generation, std::to_string(next_end)));
    if (redis_failed(refiled)) {
      sweep.complete = false;
      co_return sweep;
    }
  }
  co_return sweep;
}

}  // namespace mi::hub
