#pragma once
// `mi status --watch`: a colony's table kept live from the hub's event stream. A dropped
// connection is resumed with `since` (the last event seen) and its `epoch` (the colony's event
// history that seq counts in), so no event is missed or repeated. A close with 4009 (too slow, or
// the colony's history changed under the hub) drops both: the next watch takes a fresh snapshot.

#include <optional>
#include <string>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/steady_timer.hpp>

#include "cli/admin_api.hpp"
#include "cli/backoff.hpp"
#include "cli/colony_view.hpp"
#include "cli/live_connection.hpp"
#include "cli/ws.hpp"

namespace mi::cli {

// How the view is shown as it changes.
enum class WatchOutput {
  redraw,  // a terminal: the screen is redrawn, times refreshed every second
  lines,   // a pipe or a file: each change as a line, then the table
  json,    // one {"colony","seq","agents"} document per line
};

class ColonyWatch {
 public:
  ColonyWatch(boost::asio::any_io_executor executor, AdminApi admin, std::string colony, WatchOutput output);

  // Returns after stop(). Throws when the first connection fails or the hub refuses the
  // watch; once the view is up, lost connections are retried forever.
  boost::asio::awaitable<void> run();

  void stop();

 private:
  // One connection: token, `watch`, then events until it ends. Throws NetworkError and
  // CommandError; returns normally when the connection ends after the view was received.
  boost::asio::awaitable<void> watch_once();
  void on_message(const std::string& text);
  void show(const std::string& what_happened);
  // Connection news: on the redrawn screen's last line, else on stderr with the time.
  void notify(const std::string& state, const std::string& sentence);

  AdminApi admin_;
  ColonyView view_;
  WatchOutput output_;
  WsClient ws_;
  Backoff backoff_;
  boost::asio::steady_timer retry_timer_;
  LiveConnection* live_ = nullptr;
  bool have_view_ = false;
  bool resumable_ = false;  // the view may be resumed (not after a 4009)
  std::string epoch_;       // of the view's seq
  // A snapshot in parts (docs/protocol.md section 8) is shown once its last part is in.
  struct PartialSnapshot {
    std::uint64_t seq = 0;
    std::uint64_t parts = 0;
    std::uint64_t next_part = 2;
    std::vector<AgentRecord> agents;
  };
  std::optional<PartialSnapshot> partial_;
  // The AGENT objects of a snapshot's or part's frame, read whole; false when the frame is not one.
  static bool read_snapshot_agents(const std::string& frame, std::vector<protocol::Agent>& parsed,
                                   std::vector<AgentRecord>& into);
  bool stopping_ = false;
  std::string last_event_;
  std::string connection_note_;
};

}  // namespace mi::cli
