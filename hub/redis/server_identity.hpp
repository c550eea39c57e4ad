#pragma once
// Whether a new link reached another Redis server than the link before it. After a failover or
// a restart, what the hub wrote may be missing from the server it now talks to (a promoted
// replica that had not received the last writes, a Redis restarted without them), so whoever
// holds state there asserts it again. A server is known by its run_id (INFO server), which every
// start of redis-server draws anew. I/O-free.

#include <string>
#include <string_view>

namespace mi::redis::detail {

class ServerIdentity {
 public:
  // A link became usable on the server whose run_id is `run_id` (empty: unknown, e.g. an ACL
  // user not allowed INFO). True when it may not be the server of the link before: another
  // run_id, or one of the two unknown. False for the first link, which has nothing to restore.
  bool reached(std::string_view run_id) {
    const bool first = first_;
    first_ = false;
    const bool same = !run_id.empty() && run_id == last_;
    last_ = std::string(run_id);
    return !first && !same;
  }

 private:
  bool first_ = true;
  std::string last_;
};

}  // namespace mi::redis::detail
