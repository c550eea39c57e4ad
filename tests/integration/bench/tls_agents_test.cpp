// The agents over wss:// (--tls) against a loopback TLS server made here with OpenSSL (an ECDSA
// P-256 certificate for 127.0.0.1, its own CA): they are welcomed and heartbeat through TLS, a
// certificate from another CA fails the handshake and says why, and after a drop from the
// client's side they come back, resuming their sessions only with --tls-resume.
#include <catch2/catch.hpp>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "bench/loadgen/agent_client.hpp"
#include "bench/loadgen/config.hpp"
#include "bench/loadgen/tls_client.hpp"

using namespace mi::bench;

namespace {

// A key and a self-signed certificate for 127.0.0.1 (its own CA), and its PEM file for --ca-file.
struct TestCertificate {
  TestCertificate() {
    key = EVP_EC_gen("P-256");
    REQUIRE(key != nullptr);
    cert = X509_new();
    X509_set_version(cert, 2);
    ASN1_INTEGER_set(X509_get_serialNumber(cert), 1);
    X509_gmtime_adj(X509_getm_notBefore(cert), -60);
    X509_gmtime_adj(X509_getm_notAfter(cert), 3600);
    X509_set_pubkey(cert, key);
    auto* name = X509_get_subject_name(cert);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC, reinterpret_cast<const unsigned char*>("bench test"), -1,
                               -1, 0);
    X509_set_issuer_name(cert, name);
    X509V3_CTX v3;
    X509V3_set_ctx_nodb(&v3);
    X509V3_set_ctx(&v3, cert, cert, nullptr, nullptr, 0);
    for (auto [nid, value] : {std::pair{NID_subject_alt_name, "IP:127.0.0.1"},
                              std::pair{NID_basic_constraints, "critical,CA:TRUE"}}) {
      auto* ext = X509V3_EXT_conf_nid(nullptr, &v3, nid, value);
      REQUIRE(ext != nullptr);
      X509_add_ext(cert, ext, -1);
      X509_EXTENSION_free(ext);
    }
    REQUIRE(X509_sign(cert, key, EVP_sha256()) > 0);
    char path[] = "/tmp/mi-bench-tls-ca-XXXXXX";
    int fd = ::mkstemp(path);
    REQUIRE(fd >= 0);
    ca_file = path;
    FILE* out = ::fdopen(fd, "w");
    PEM_write_X509(out, cert);
    std::fclose(out);
  }
  ~TestCertificate() {
    std::remove(ca_file.c_str());
    X509_free(cert);
    EVP_PKEY_free(key);
  }
  EVP_PKEY* key = nullptr;
  X509* cert = nullptr;
  std::string ca_file;
};

// Serves each connection on a thread, blocking: the TLS handshake, the upgrade, a welcome to the
// first frame, then counts the frames that follow until the client goes.
class TlsServer {
 public:
  // close_after_handshake: each connection is closed once its handshake is done, nothing read.
  explicit TlsServer(const TestCertificate& certificate, bool close_after_handshake = false)
      : close_after_handshake_(close_after_handshake), context_(SSL_CTX_new(TLS_server_method())) {
    SSL_CTX_set_min_proto_version(context_, TLS1_2_VERSION);
    REQUIRE(SSL_CTX_use_certificate(context_, certificate.cert) == 1);
    REQUIRE(SSL_CTX_use_PrivateKey(context_, certificate.key) == 1);
    listener_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    REQUIRE(::bind(listener_, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
    REQUIRE(::listen(listener_, 128) == 0);
    socklen_t length = sizeof address;
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length);
    port = ntohs(address.sin_port);
    acceptor_ = std::thread([this] { accept_all(); });
  }
  ~TlsServer() {
    stopping_ = true;
    ::shutdown(listener_, SHUT_RDWR);
    acceptor_.join();
    std::lock_guard lock(mutex_);
    for (auto& t : connections_) t.join();
    ::close(listener_);
    SSL_CTX_free(context_);
  }

  unsigned short port = 0;
  std::atomic<int> handshakes{0}, resumed{0}, frames{0};

 private:
  void accept_all() {
    for (;;) {
      int fd = ::accept(listener_, nullptr, nullptr);
      if (fd < 0 || stopping_) {
        if (fd >= 0) ::close(fd);
        return;
      }
      std::lock_guard lock(mutex_);
      connections_.emplace_back([this, fd] { serve(fd); });
    }
  }

  // Reads until `done(in)`; false when the client has gone.
  static bool read_until(SSL* ssl, std::string& in, const std::function<bool(const std::string&)>& done) {
    char buffer[4096];
    while (!done(in)) {
      int got = SSL_read(ssl, buffer, sizeof buffer);
      if (got <= 0) return false;
      in.append(buffer, static_cast<std::size_t>(got));
    }
    return true;
  }

  // A whole short client frame at the front (masked, payload under 126 bytes).
  static std::size_t frame_bytes(const std::string& in) {
    if (in.size() < 2) return 0;
    std::size_t bytes = 2 + 4 + (static_cast<unsigned char>(in[1]) & 0x7fu);
    return in.size() >= bytes ? bytes : 0;
  }

  void serve(int fd) {
    SSL* ssl = SSL_new(context_);
    SSL_set_fd(ssl, fd);
    if (SSL_accept(ssl) == 1) {
      ++handshakes;
      if (SSL_session_reused(ssl)) ++resumed;
      if (close_after_handshake_) {
        SSL_free(ssl);
        ::close(fd);
        return;
      }
      std::string in;
      if (read_until(ssl, in, [](const std::string& r) { return r.find("\r\n\r\n") != std::string::npos; })) {
        std::string answer = "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n";
        SSL_write(ssl, answer.data(), static_cast<int>(answer.size()));
        in.clear();
        bool welcomed = false;
        while (read_until(ssl, in, [](const std::string& r) { return frame_bytes(r) != 0; })) {
          in.erase(0, frame_bytes(in));
          if (!welcomed) {
            std::string welcome = R"({"type":"welcome","colony":"c1"})";
            std::string frame = {'\x81', static_cast<char>(welcome.size())};
            frame += welcome;
            SSL_write(ssl, frame.data(), static_cast<int>(frame.size()));
            welcomed = true;
          } else {
            ++frames;
          }
        }
      }
    }
    SSL_free(ssl);
    ::close(fd);
  }

  bool close_after_handshake_;
  SSL_CTX* context_;
  int listener_ = -1;
  std::atomic<bool> stopping_{false};
  std::thread acceptor_;
  std::mutex mutex_;
  std::vector<std::thread> connections_;
};

std::vector<std::string> tokens(std::size_t count) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < count; ++i) out.push_back("c1:agent" + std::to_string(i) + ":secret");
  return out;
}

Config tls_config(unsigned short port, const std::string& ca_file, bool resume) {
  Config config;
  config.mode = "agents";
  config.hubs = {"127.0.0.1:" + std::to_string(port)};
  config.sources = {""};
  config.concurrency = 4;
  config.tls = true;
  config.ca_file = ca_file;
  config.tls_resume = resume;
  config.reconnect = true;
  return config;
}

// Runs `io` until `done()` or 10 s.
template <class Done>
bool run_until(boost::asio::io_context& io, Done done) {
  auto end = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (!done() && std::chrono::steady_clock::now() < end) {
    io.restart();
    io.run_for(std::chrono::milliseconds(10));
  }
  return done();
}

}  // namespace

TEST_CASE("agents over TLS are welcomed and heartbeat, verified against their CA") {
  TestCertificate certificate;
  TlsServer server(certificate);
  boost::asio::io_context io(1);
  auto config = tls_config(server.port, certificate.ca_file, false);
  AgentSwarm swarm(io, config, tokens(6));
  boost::asio::co_spawn(io, swarm.connect_all(), boost::asio::detached);
  REQUIRE(run_until(io, [&] { return swarm.counters.welcomes == 6; }));
  INFO(swarm.counters.last_error);
  CHECK(swarm.counters.failures == 0);
  CHECK(swarm.counters.tls_handshakes == 6);
  CHECK(swarm.counters.tls_resumed == 0);
  swarm.start_heartbeats(0.05);
  CHECK(run_until(io, [&] { return server.frames >= 12; }));
  CHECK(swarm.counters.frames_sent >= 12);
  swarm.stop();
  swarm.drop_all();
  run_until(io, [&] { return swarm.counters.online == 0; });
}

TEST_CASE("a server certificate from another CA fails the handshake and says why") {
  TestCertificate trusted, other;
  TlsServer server(other);
  boost::asio::io_context io(1);
  auto config = tls_config(server.port, trusted.ca_file, false);
  AgentSwarm swarm(io, config, tokens(1));
  bool done = false;
  boost::asio::co_spawn(io, swarm.connect_all(), [&](std::exception_ptr) { done = true; });
  REQUIRE(run_until(io, [&] { return done; }));
  CHECK(swarm.counters.welcomes == 0);
  CHECK(swarm.counters.failures == 5);  // connect_all's attempts
  CHECK(swarm.counters.last_error.find("certificate verify failed") != std::string::npos);
  CHECK(server.handshakes == 0);
}

TEST_CASE("after a drop from the client's side the agents come back, resuming only with --tls-resume") {
  TestCertificate certificate;
  for (bool resume : {false, true}) {
    DYNAMIC_SECTION("resume " << resume) {
      TlsServer server(certificate);
      boost::asio::io_context io(1);
      auto config = tls_config(server.port, certificate.ca_file, resume);
      AgentSwarm swarm(io, config, tokens(5));
      boost::asio::co_spawn(io, swarm.connect_all(), boost::asio::detached);
      REQUIRE(run_until(io, [&] { return swarm.counters.online == 5; }));
      for (auto& a : swarm.agents) CHECK(a->session.kept() == (resume ? 2u : 0u));  // TLS 1.3: two tickets
      CHECK(swarm.drop_all() == 5);
      REQUIRE(run_until(io, [&] { return swarm.counters.closes == 5 && swarm.counters.online == 5; }));
      INFO(swarm.counters.last_error);
      CHECK(swarm.counters.tls_handshakes == 10);
      CHECK(swarm.counters.tls_resumed == (resume ? 5u : 0u));
      CHECK(server.resumed == (resume ? 5 : 0));
      CHECK(swarm.counters.storm_first_close_ns > 0);
      swarm.stop();
      swarm.drop_all();
      run_until(io, [&] { return swarm.counters.online == 0; });
    }
  }
}

TEST_CASE("writing to a connection the server has closed is an error, not SIGPIPE") {
  TestCertificate certificate;
  TlsServer server(certificate, true);
  boost::asio::io_context io(1);
  tls::ClientContext context({certificate.ca_file, false});
  tls::Stream stream(io, context, nullptr);
  std::string error;
  boost::asio::co_spawn(
      io,
      [&]() -> boost::asio::awaitable<void> {
        co_await stream.connect(parse_target("127.0.0.1:" + std::to_string(server.port)), {});
        boost::asio::steady_timer wait(io, std::chrono::milliseconds(200));  // the server's close arrives
        co_await wait.async_wait(boost::asio::use_awaitable);
        for (int i = 0; i < 3; ++i) co_await stream.write("after the close");  // the first one gets the RST
      },
      [&](std::exception_ptr e) {
        try {
          if (e) std::rethrow_exception(e);
        } catch (const std::exception& x) {
          error = x.what();
        }
      });
  io.run();
  CHECK(server.handshakes == 1);
  CHECK(error.find("TLS write") == 0);
}
