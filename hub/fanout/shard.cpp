#include "hub/fanout/shard.hpp"

#include <algorithm>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>

#include "hub/fanout/event_router.hpp"
#include "hub/core/log.hpp"
#include "hub/core/rotating_order.hpp"
#include "hub/core/steady_clock.hpp"

namespace mi::hub {

namespace asio = boost::asio;

std::chrono::milliseconds deadline_check_period(const Config& config) {
  auto period = std::min<std::chrono::milliseconds>(config.presence_ttl / 8, config.refresh_period);
  return std::clamp(period, std::chrono::milliseconds(50), std::chrono::milliseconds(1000));
}

namespace {

// Events joined into one write at most: a burst of small events (a few hundred bytes each)
// stays within a few socket buffers' worth.
constexpr std::size_t kMaxEventsPerWrite = 64;

// Connection ends told again when the link reaches another server: those of the last five
// minutes (a failover loses writes of its last moments; a link may take a while to get back),
// and no more than this many (an end is a few hundred bytes).
constexpr std::int64_t kRecentEndsKeptMs = 5 * 60 * 1000;
constexpr std::size_t kRecentEndsKeptMax = 100'000;
}  // namespace

Shard::Shard(HubContext& context, unsigned index)
    : context_(context),
      index_(index),
      redis_(std::make_shared<redis::Connection>(io_.get_executor(), context.redis_endpoint,
                                                 redis_connection_options(context.config), context.scripts)),
      recent_ends_(kRecentEndsKeptMs, kRecentEndsKeptMax) {}

Shard::~Shard() { stop(); }

void Shard::start() {
  // A promoted replica that had not received the last writes, or a Redis restarted without them,
  // may have lost the connections this shard marked: every agent session marks its own again.
  redis_->set_on_server_changed([this] { restore_on_another_server(); });
  redis_->start();
  schedule_tick();
  thread_ = std::thread([this] {
    try {
      io_.run();
    } catch (const std::exception& e) {
      log::error("shard ", index_, " stopped on an exception: ", e.what());
      std::abort();
    }
  });
}

void Shard::stop() {
  if (!thread_.joinable()) return;
  asio::post(io_, [this] {
    tick_timer_.cancel();
    redis_->stop();
    io_.stop();
  });
  thread_.join();
}

void Shard::add_session(Participant& session) {
  session.set_shard_slot(sessions_.size());
  sessions_.push_back(&session);
}

void Shard::remove_session(Participant& session) {
  auto slot = session.shard_slot();
  if (slot >= sessions_.size() || sessions_[slot] != &session) return;
  sessions_[slot] = sessions_.back();
  sessions_[slot]->set_shard_slot(slot);
  sessions_.pop_back();
}

void Shard::close_all_sessions_for_drain() {
  for (auto* session : sessions_) session->close_for_drain();
}

std::string Shard::next_connection_id() {
  return context_.instance + "/" + std::to_string(index_) + "/" + std::to_string(++connection_counter_);
}

void Shard::schedule_tick() {
  tick_timer_.expires_after(deadline_check_period(context_.config));
  tick_timer_.async_wait([this](boost::system::error_code ec) {
    if (ec) return;
    tick();
    schedule_tick();
  });
}

// One walk over the sessions checks their deadlines and, when a refresh is due, collects the
// presence refresh batch: at tens of thousands of idle sessions the walk is most of the hub's
// idle CPU, so it is done once.
void Shard::tick() {
  auto now = steady_ms();
  const auto& config = context_.config;
  // Due at the tick nearest to the period, not the first one past it (ticks may be as long).
  bool refresh = !refresh_in_flight_ &&
                 now - last_refresh_ >= config.refresh_period.count() - deadline_check_period(config).count() / 2;
  auto ttl = config.presence_ttl.count();
  std::vector<std::vector<std::string>> batch;
  for (auto* session : sessions_) {
    session->check_deadlines(now);
    if (!refresh) continue;
    if (auto command = session->presence_refresh_command(now, ttl)) batch.push_back(std::move(*command));
  }
  if (!refresh) return;
  last_refresh_ = now;
  if (batch.empty()) return;
  refresh_in_flight_ = true;
  asio::co_spawn(io_, send_presence_refresh(std::move(batch)), [this](std::exception_ptr) { refresh_in_flight_ = false; });
}

void Shard::join_colony(const std::string& colony, Participant& session, Membership membership,
                        std::function<void()> on_live) {
  auto& list = colony_members_[colony].of(membership);
  session.set_colony_slot(list.size());
  list.push_back(&session);
  if (membership == Membership::watcher) context_.watcher_counts.add(colony);
  if (router_ == nullptr) {
    on_live();
    return;
  }
  // Every member asks: the router counts interest per shard and calls back once live.
  router_->add_interest(index_, colony, std::move(on_live));
}

// O(1): the session knows its slot, and the last member moves into it.
void Shard::leave_colony(const std::string& colony, Participant& session, Membership membership) {
  auto found = colony_members_.find(colony);
  if (found == colony_members_.end()) return;
  auto& list = found->second.of(membership);
  auto slot = session.colony_slot();
  if (slot >= list.size() || list[slot] != &session) return;
  list[slot] = list.back();
  list[slot]->set_colony_slot(slot);
  list.pop_back();
  if (membership == Membership::watcher) context_.watcher_counts.remove(colony);
  if (router_ != nullptr) router_->remove_interest(index_, colony);
  if (found->second.agents.empty() && found->second.watchers.empty()) colony_members_.erase(found);
}

void Shard::deliver(std::span<const SharedEvent> events) {
  // Runs of one colony's consecutive events, bounded so that one write stays a modest size.
  std::size_t begin = 0;
  while (begin < events.size()) {
    std::size_t end = begin + 1;
    while (end < events.size() && end - begin < kMaxEventsPerWrite && events[end]->colony == events[begin]->colony) {
      ++end;
    }
    deliver_run(events.subspan(begin, end - begin));
    begin = end;
  }
}

void Shard::deliver_run(std::span<const SharedEvent> run) {
  auto found = colony_members_.find(run.front()->colony);
  if (found == colony_members_.end()) return;
  auto& members = found->second;
  std::span<Participant*> watchers(members.watchers);
  if (run.size() == 1) {
    visit_rotating(watchers, members.first_watcher, [&](Participant* session) { session->on_event(run.front()); });
  } else if (!watchers.empty()) {  // a colony with agents only gets chat, one by one
    auto joined = join_frames(run);
    visit_rotating(watchers, members.first_watcher, [&](Participant* session) { session->on_events(run, joined); });
  }
  std::uint64_t deliveries = members.watchers.size() * run.size();
  for (const auto& event : run) {
    if (!event->removed_agent.empty()) {
      auto agents = members.agents;  // closing does not leave the list at once; walk a copy all the same
      for (auto* session : agents) session->end_if_removed(event->removed_agent);
    }
    if (!event->is_chat) continue;
    for (auto* session : members.agents) session->on_event(event);
    deliveries += members.agents.size();
  }
  context_.metrics.events_delivered.fetch_add(deliveries, std::memory_order_relaxed);
}

void Shard::catch_up_watchers() {
  for (auto& [colony, members] : colony_members_) {
    for (auto* session : members.watchers) session->catch_up();
  }
}

void Shard::close_watchers_off_epoch(const std::string& colony, const std::string& current_epoch) {
  auto found = colony_members_.find(colony);
  if (found == colony_members_.end()) return;
  // Closing does not leave the list at once (the session leaves at its end), but walk a copy:
  // nothing here may depend on that.
  auto watchers = found->second.watchers;
  for (auto* session : watchers) session->leave_broken_history(current_epoch);
}

void Shard::report_moved_backwards(const std::string& colony, const std::string& epoch) {
  if (router_ != nullptr) router_->report_moved_backwards(colony, epoch);
}

void Shard::reassert_agents() {
  for (auto* session : sessions_) session->reassert();
}

void Shard::remember_end(RecordedEnd end) { recent_ends_.record(std::move(end), steady_ms()); }

// A promoted replica that had not received the last writes, or a Redis restarted without them,
// may have lost what this shard told it: the connections its agents hold (every agent session
// marks its own again) and the ends of those that closed (told again; one Redis already has
// changes nothing).
void Shard::restore_on_another_server() {
  auto ends = recent_ends_.kept(steady_ms());
  log::warn("shard ", index_, ": its Redis link reached another server (a failover or a restart); ",
            "re-asserting the agents it holds and telling again the ", ends.size(), " connection end(s) of the last ",
            kRecentEndsKeptMs / 1000, " s");
  reassert_agents();
  if (!ends.empty()) asio::co_spawn(io_, tell_ends_again(std::move(ends)), asio::detached);
}

asio::awaitable<void> Shard::tell_ends_again(std::vector<RecordedEnd> ends) {
  std::size_t failed_count = 0;
  for (const auto& end : ends) {
    auto outcome = co_await context_.agents.disconnect(*redis_, end.colony, end.connection_id, end.reason,
                                                       end.last_frame_ms, context_.instance,
                                                       kEndedConnectionMemory.count(), end.grace_ms);
    if (failed(outcome)) ++failed_count;
  }
  // A link lost again meanwhile reaches a server again, and this runs again from there.
  if (failed_count > 0) log::warn("shard ", index_, ": ", failed_count, " connection end(s) could not be told again");
}

// One pipelined batch per --refresh-period: the presence key of each agent session whose last
// refresh is older than TTL/4 and that has sent a frame since. Redis load is then bounded by the
// number of agents over TTL/4, whatever their heartbeat rate.
asio::awaitable<void> Shard::send_presence_refresh(std::vector<std::vector<std::string>> batch) {
  auto result = co_await redis_->exec_pipeline(std::move(batch));
  if (result.ec) log::warn("presence refresh failed on shard ", index_, ": ", result.ec.message());
}

}  // namespace mi::hub
