// mi-loadgen: plays many agents and watchers against one or several hubs (or a peer server that
// speaks the same first messages). bench/run starts it; docs/benchmarks.md explains the modes.
//
// stdout protocol (for bench/run): `READY {json}` once set up (with --barrier it then waits for a
// line on stdin), `PROGRESS {json}` every second, `ALLONLINE {json}` when every agent is back after
// closes (--reconnect; then `drop` on stdin closes them all: `DROPPED {json}`), and a last line
// `REPORT {json}`.
#include <unistd.h>

#include <chrono>
#include <iostream>
#include <map>
#include <thread>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "agent_client.hpp"
#include "client_pacing.hpp"
#include "config.hpp"
#include "counting_watchers.hpp"
#include "cycling_agents.hpp"
#include "floor_server.hpp"
#include "histogram.hpp"
#include "net.hpp"
#include "raw_ws.hpp"
#include "report.hpp"
#include "send_floor.hpp"
#include "setup.hpp"
#include "watcher_client.hpp"

using namespace mi::bench;
using asio::use_awaitable;

namespace {

asio::awaitable<void> sleep_s(asio::io_context& io, double seconds) {
  asio::steady_timer timer(io, std::chrono::nanoseconds(static_cast<long long>(seconds * 1e9)));
  co_await timer.async_wait(use_awaitable);
}

void add_agent_counters(Report& r, const AgentSwarm& s) {
  auto& c = s.counters;
  r.integer("agents", static_cast<std::int64_t>(s.agents.size()))
      .integer("online", static_cast<std::int64_t>(c.online))
      .integer("max_online", static_cast<std::int64_t>(c.max_online))
      .integer("welcomes", static_cast<std::int64_t>(c.welcomes))
      .integer("failures", static_cast<std::int64_t>(c.failures))
      .integer("closes", static_cast<std::int64_t>(c.closes))
      .integer("reconnects", static_cast<std::int64_t>(c.reconnects))
      .integer("frames_sent", static_cast<std::int64_t>(c.frames_sent))
      .integer("first_close_ns", c.first_close_ns)
      .integer("last_welcome_ns", c.last_welcome_ns)
      .integer("tls_handshakes", static_cast<std::int64_t>(c.tls_handshakes))
      .integer("tls_resumed", static_cast<std::int64_t>(c.tls_resumed))
      .str("last_error", c.last_error);
}

// After the barrier, with --reconnect: each further line of stdin is a command. `drop` closes
// every agent's connection from the client's side (they reconnect) and prints
// `DROPPED {"t_ns":..,"dropped":N}`.
void read_commands(asio::io_context& io, AgentSwarm& swarm) {
  std::thread([&io, &swarm] {
    std::string line;
    while (std::getline(std::cin, line)) {
      if (line != "drop") {
        std::cerr << "mi-loadgen: unknown command " << line << std::endl;
        continue;
      }
      asio::post(io, [&swarm] {
        auto t = mono_ns();
        auto dropped = swarm.drop_all();
        Report r;
        r.integer("t_ns", t).integer("dropped", static_cast<std::int64_t>(dropped));
        r.print("DROPPED");
      });
    }
  }).detach();
}

// Prints PROGRESS once a second while the run lasts.
asio::awaitable<void> progress(asio::io_context& io, AgentSwarm* swarm, WatcherSet* watchers,
                               const CyclingAgents* cycling = nullptr) {
  for (;;) {
    co_await sleep_s(io, 1);
    Report r;
    r.integer("t_ns", mono_ns());
    if (cycling) {
      r.integer("cycles", static_cast<std::int64_t>(cycling->cycles.load()))
          .integer("online", static_cast<std::int64_t>(cycling->online.load()))
          .integer("failures", static_cast<std::int64_t>(cycling->failures.load()));
    }
    if (swarm) {
      r.integer("online", static_cast<std::int64_t>(swarm->counters.online))
          .integer("frames_sent", static_cast<std::int64_t>(swarm->counters.frames_sent))
          .integer("failures", static_cast<std::int64_t>(swarm->counters.failures));
    }
    if (watchers) {
      r.integer("watchers_ready", static_cast<std::int64_t>(watchers->ready))
          .integer("events", static_cast<std::int64_t>(watchers->events));
    }
    r.print("PROGRESS");
  }
}

asio::awaitable<void> run_agents(asio::io_context& io, const Config& config, Report& report) {
  AgentSwarm swarm(io, config, read_tokens(config));
  asio::co_spawn(io, progress(io, &swarm, nullptr), asio::detached);
  auto t0 = mono_ns();
  co_await swarm.connect_all();
  auto connect_s = (mono_ns() - t0) / 1e9;
  Report ready;
  ready.integer("online", static_cast<std::int64_t>(swarm.counters.online))
      .num("connect_s", connect_s)
      .integer("welcomes", static_cast<std::int64_t>(swarm.counters.welcomes))
      .integer("failures", static_cast<std::int64_t>(swarm.counters.failures))
      .integer("tls_handshakes", static_cast<std::int64_t>(swarm.counters.tls_handshakes))
      .integer("tls_resumed", static_cast<std::int64_t>(swarm.counters.tls_resumed))
      .str("last_error", swarm.counters.last_error);  // why some did not connect (EMFILE, ENFILE, ...)
  if (config.barrier) {
    co_await barrier(io, ready.json());
    if (config.reconnect) read_commands(io, swarm);
  }
  auto start = mono_ns();
  if (config.mode == "flood") {
    swarm.start_flood();
  } else {
    swarm.start_heartbeats(config.heartbeat_s);
  }
  co_await sleep_s(io, config.duration_s);
  swarm.stop();
  report.str("mode", config.mode).num("connect_s", connect_s).num("measured_s", (mono_ns() - start) / 1e9);
  report.raw("hello_latency", swarm.hello_latency.json());
  add_agent_counters(report, swarm);
}

// An io_context on a thread of its own, stopped and joined by stop() or at the latest on
// destruction.
class IoThread {
 public:
  IoThread() : work_(asio::make_work_guard(io)), thread_([this] { io.run(); }) {}
  ~IoThread() { stop(); }
  void stop() {
    io.stop();
    if (thread_.joinable()) thread_.join();
  }
  asio::io_context io{1};

 private:
  asio::executor_work_guard<asio::io_context::executor_type> work_;
  std::thread thread_;
};

asio::awaitable<void> run_transitions(asio::io_context& io, const Config& config, Report& report) {
  AgentSwarm swarm(io, config, read_tokens(config));
  // The delay ends when the event reached the probe's socket (the kernel's stamp); the time the
  // probe read it, later by the probe's own wait for a core, is reported beside it.
  Histogram online_delay, online_delay_read;
  std::uint64_t online_events = 0, unmatched = 0;
  // The probe watchers read on their own thread: on this one an event would wait behind the
  // agents' work (a thousand handshakes a second), and that wait would be timed as the server's.
  IoThread probes;
  WatcherSet watchers(probes.io, config, config.watchers * config.hubs.size(),
                      [&](std::string_view frame, ArrivalTimes times) {
                        if (frame.find("\"event\":\"online\"") == std::string_view::npos) return;
                        ++online_events;
                        auto agent_at = frame.find("\"agent\":{");
                        auto id = json_string_field(frame, "id", agent_at == std::string_view::npos ? 0 : agent_at);
                        Agent* a = swarm.find(id);
                        auto hello_ns = a ? a->hello_ns.load(std::memory_order_acquire) : 0;
                        if (hello_ns == 0) {
                          ++unmatched;
                          return;
                        }
                        online_delay.add_ns(times.arrival_ns - hello_ns);
                        online_delay_read.add_ns(times.read_ns - hello_ns);
                      });
  CyclingAgents cycling(swarm.agents, config);
  asio::co_spawn(io, progress(io, nullptr, nullptr, &cycling), asio::detached);
  co_await asio::co_spawn(probes.io, watchers.connect_all(), use_awaitable);
  Report ready;
  ready.integer("watchers_ready", static_cast<std::int64_t>(watchers.ready));
  if (config.barrier) co_await barrier(io, ready.json());
  auto start = mono_ns();
  std::thread agents([&] {
    try {
      cycling.run(config.rate, config.hold_ms, config.duration_s);
    } catch (const std::exception& e) {
      cycling.last_error = e.what();
      ++cycling.failures;
    }
  });
  co_await sleep_s(io, config.duration_s);
  auto measured = (mono_ns() - start) / 1e9;
  co_await sleep_s(io, config.hold_ms / 1000 + 1.0);  // late events still count
  agents.join();  // the cycles in flight have ended by now, or are about to
  probes.stop();
  watchers.stop();
  report.str("mode", "transitions").num("rate", config.rate).num("measured_s", measured);
  report.integer("watchers", static_cast<std::int64_t>(watchers.ready))
      .integer("watcher_failures", static_cast<std::int64_t>(watchers.failures))
      .integer("watchers_closed", static_cast<std::int64_t>(watchers.closed))
      .integer("online_deliveries", static_cast<std::int64_t>(online_events))
      .integer("unmatched", static_cast<std::int64_t>(unmatched))
      .integer("cycles", static_cast<std::int64_t>(cycling.cycles.load()))
      .integer("skipped_no_idle_agent", static_cast<std::int64_t>(cycling.skipped))
      .num("cycles_per_s", static_cast<double>(cycling.cycles.load()) / measured)
      .raw("online_delay", online_delay.json())
      .raw("online_delay_read", online_delay_read.json())
      .raw("hello_latency", cycling.hello_latency.json())
      .integer("agents", static_cast<std::int64_t>(swarm.agents.size()))
      .integer("welcomes", static_cast<std::int64_t>(cycling.welcomes))
      .integer("failures", static_cast<std::int64_t>(cycling.failures.load()))
      .integer("unfinished", static_cast<std::int64_t>(cycling.unfinished))
      .str("last_error", cycling.last_error);
}

// Watchers that only receive: the load of a scenario's many dashboards, kept out of the process
// that measures (its own probe watchers time the events), and counted at the least client cost.
asio::awaitable<void> run_watch(asio::io_context& io, const Config& config, Report& report) {
  CountingWatchers watchers(io, config, config.watchers * config.hubs.size());
  co_await watchers.connect_all();
  Report ready;
  ready.integer("watchers_ready", static_cast<std::int64_t>(watchers.ready));
  if (config.barrier) co_await barrier(io, ready.json());
  auto start = mono_ns();
  co_await sleep_s(io, config.duration_s);
  // Dashboards that read late (in rounds, behind a saturated server) still count what was sent
  // to them: they end when their stream has been quiet for half a second.
  for (int drains = 0; drains < 40; ++drains) {  // 20 s at most
    auto before = watchers.events();
    co_await sleep_s(io, 0.5);
    if (watchers.events() == before) break;
  }
  watchers.stop();
  report.str("mode", "watch")
      .num("measured_s", (mono_ns() - start) / 1e9)
      .integer("watchers", static_cast<std::int64_t>(watchers.ready))
      .integer("watcher_failures", static_cast<std::int64_t>(watchers.failures))
      .integer("watchers_closed", static_cast<std::int64_t>(watchers.closed))
      .integer("events", static_cast<std::int64_t>(watchers.events()))
      .integer("event_bytes", static_cast<std::int64_t>(watchers.event_bytes()))
      .str("last_error", watchers.last_error);
}

asio::awaitable<void> run_fanout(asio::io_context& io, const Config& config, Report& report) {
  Config sender_config = config;
  sender_config.count = 1;
  sender_config.hubs = {config.hubs.front()};
  AgentSwarm sender(io, sender_config, read_tokens(sender_config));
  // Timed when the watchers read, as the peer's clients time theirs; the kernel's arrival stamps
  // give the time to the last watcher's socket beside it, what the send(2) floor times.
  Histogram delivery;
  std::vector<std::int64_t> last(config.events, 0), last_arrival(config.events, 0), sent_at(config.events, 0);
  std::vector<std::uint32_t> got(config.events, 0);
  WatcherSet watchers(io, config, config.watchers, [&](std::string_view frame, ArrivalTimes times) {
    auto text = json_string_field(frame, "text");
    if (text.size() < 3 || text.substr(0, 2) != "b:") return;
    auto colon = text.find(':', 2);
    auto index = std::stoull(std::string(text.substr(2, colon - 2)));
    auto stamp = std::stoll(std::string(text.substr(colon + 1)));
    if (index >= last.size()) return;
    delivery.add_ns(times.read_ns - stamp);
    last[index] = std::max(last[index], times.read_ns);
    last_arrival[index] = std::max(last_arrival[index], times.arrival_ns);
    ++got[index];
  });
  asio::co_spawn(io, progress(io, &sender, &watchers), asio::detached);
  co_await watchers.connect_all();
  co_await sender.connect_all();
  Report ready;
  ready.integer("watchers_ready", static_cast<std::int64_t>(watchers.ready));
  if (config.barrier) co_await barrier(io, ready.json());
  auto& agent = *sender.agents.front();
  auto start = mono_ns();
  for (std::size_t i = 0; i < config.events; ++i) {
    auto now = mono_ns();
    sent_at[i] = now;
    co_await send_text(*agent.ws, R"({"type":"chat","text":"b:)" + std::to_string(i) + ":" + std::to_string(now) + "\"}");
    co_await sleep_s(io, 1.0 / config.rate);
  }
  auto measured = (mono_ns() - start) / 1e9;
  co_await sleep_s(io, 2.0);
  watchers.stop();
  Histogram to_last, to_last_arrival;
  std::uint64_t complete = 0, deliveries = 0;
  for (std::size_t i = 0; i < config.events; ++i) {
    deliveries += got[i];
    if (got[i] == watchers.ready && got[i] > 0) {
      ++complete;
      to_last.add_ns(last[i] - sent_at[i]);
      to_last_arrival.add_ns(last_arrival[i] - sent_at[i]);
    }
  }
  report.str("mode", "fanout").num("measured_s", measured);
  report.integer("watchers", static_cast<std::int64_t>(watchers.ready))
      .integer("watcher_failures", static_cast<std::int64_t>(watchers.failures))
      .integer("watchers_closed", static_cast<std::int64_t>(watchers.closed))
      .integer("events", static_cast<std::int64_t>(config.events))
      .integer("events_complete", static_cast<std::int64_t>(complete))
      .integer("deliveries", static_cast<std::int64_t>(deliveries))
      .raw("delivery", delivery.json())
      .raw("time_to_last_watcher", to_last.json())
      .raw("time_to_last_watcher_arrival", to_last_arrival.json())
      .str("last_error", watchers.last_error + " " + sender.counters.last_error);
}

// One watcher joins a colony and reads its snapshot (all its parts), `repeat` times, each on a
// new connection: the time from sending `watch` to the last part's last byte, the bytes, the
// parts and the agents. With --barrier the first connection is open (upgraded) before READY, so
// that what the caller measures around the read starts with the `watch`.
asio::awaitable<void> run_snapshot(asio::io_context& io, const Config& config, Report& report) {
  auto target = parse_target(config.hubs.front());
  auto source = parse_source(config.sources.front());
  raw_ws::Connection c(io);
  co_await raw_ws::open(c, target, source);
  Report ready;
  ready.integer("connected", 1);
  if (config.barrier) co_await barrier(io, ready.json());
  std::string times, first, bytes, parts, agents;
  auto append = [](std::string& list, const std::string& v) { list += (list.empty() ? "" : ",") + v; };
  raw_ws::SnapshotRead last;
  for (std::uint64_t rep = 0; rep < config.repeat; ++rep) {
    if (rep > 0) {
      c.socket.close();
      c.socket = tcp::socket(io);
      co_await raw_ws::open(c, target, source);
    }
    auto frame = raw_ws::masked_text_frame(R"({"type":"watch","colony":")" + config.colony + R"(","token":")" +
                                           config.admin_token + "\"}");
    auto t0 = mono_ns();
    co_await asio::async_write(c.socket, asio::buffer(frame), use_awaitable);
    last = co_await raw_ws::read_snapshot(c);
    append(times, std::to_string((last.last_ns - t0) / 1e6));
    append(first, std::to_string((last.first_ns - t0) / 1e6));
    append(bytes, std::to_string(last.bytes));
    append(parts, std::to_string(last.parts));
    append(agents, std::to_string(last.agents));
    Report r;
    r.integer("rep", static_cast<std::int64_t>(rep)).num("snapshot_ms", (last.last_ns - t0) / 1e6);
    r.print("PROGRESS");
  }
  report.str("mode", "snapshot")
      .raw("snapshot_ms", "[" + times + "]")
      .raw("first_message_ms", "[" + first + "]")
      .raw("bytes", "[" + bytes + "]")
      .raw("parts", "[" + parts + "]")
      .raw("agents", "[" + agents + "]")
      .integer("announced_parts", static_cast<std::int64_t>(last.announced));
}

}  // namespace

int main(int argc, char** argv) {
  auto config = parse_config(argc, argv);
  Report report;
  try {
    if (config.mode == "onboard") {
      auto onboarded = run_onboard(config);  // prints PROGRESS lines meanwhile
      std::cout << "REPORT " << onboarded << std::endl;
      return 0;
    }
    if (config.mode == "floor-server") return run_floor_server(config);
    if (config.mode == "send-floor") {
      std::cout << "REPORT " << run_send_floor(config) << std::endl;
      return 0;
    }
    asio::io_context io(1);
    std::exception_ptr failure;
    auto body = [&]() -> asio::awaitable<void> {
      if (config.mode == "agents" || config.mode == "flood") {
        co_await run_agents(io, config, report);
      } else if (config.mode == "transitions") {
        co_await run_transitions(io, config, report);
      } else if (config.mode == "watch") {
        co_await run_watch(io, config, report);
      } else if (config.mode == "fanout") {
        co_await run_fanout(io, config, report);
      } else if (config.mode == "snapshot") {
        co_await run_snapshot(io, config, report);
      } else {
        throw std::runtime_error("unknown mode " + config.mode);
      }
    };
    asio::co_spawn(io, body(), [&](std::exception_ptr e) {
      failure = e;
      io.stop();
    });
    if (config.mode == "watch" && config.read_every_ms > 0) {
      run_in_rounds(io, std::chrono::microseconds(static_cast<std::int64_t>(config.read_every_ms * 1000)));
    } else {
      io.run();
    }
    if (failure) std::rethrow_exception(failure);
  } catch (const std::exception& e) {
    std::cerr << "mi-loadgen: " << e.what() << std::endl;
    return 1;
  }
  report.print("REPORT");
  std::cout.flush();
  _exit(0);  // thousands of sockets: let the kernel close them
}
