#pragma once
// A TCP relay on loopback between clients and one server, for faults a real server cannot be made
// to show on its own: a connection that stays open but stops delivering (a stuck proxy, a NAT
// that forgot the flow), or the same address leading to another server (a failover behind a
// fixed address). A thread per connection; everything stops on destruction.

#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace mi::test {

class TcpProxy {
 public:
  explicit TcpProxy(std::uint16_t server_port);
  ~TcpProxy();
  TcpProxy(const TcpProxy&) = delete;
  TcpProxy& operator=(const TcpProxy&) = delete;

  std::uint16_t port() const { return port_; }

  // From now on, what the server sends on each open connection whose client has sent `marker` is
  // read and dropped: the connection stays open and nothing more reaches the client. Later
  // connections are relayed as usual. Returns how many connections were frozen.
  int freeze_connections_that_sent(const std::string& marker);

  // Later connections go to `server_port`; open ones stay with the server they reached.
  void retarget(std::uint16_t server_port) { server_port_ = server_port; }
  // Ends every open connection, both ways, as a relay that restarted would. Returns how many.
  int drop_all();

 private:
  struct Relay {
    int client = -1;
    int server = -1;
    std::string client_sent;  // the first bytes the client sent, to match markers against
    std::atomic<bool> frozen{false};
    std::thread thread;
  };

  void accept_loop();
  void pump(Relay& relay);

  std::atomic<std::uint16_t> server_port_;
  std::uint16_t port_ = 0;
  int listener_ = -1;
  int stop_pipe_[2] = {-1, -1};
  std::mutex mutex_;
  std::vector<std::unique_ptr<Relay>> relays_;
  std::thread acceptor_;
};

}  // namespace mi::test
