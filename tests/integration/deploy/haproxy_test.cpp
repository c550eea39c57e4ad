// deploy/haproxy.cfg, run by Debian's HAProxy in TCP mode in front of two real mi-hubs that
// terminate TLS themselves and require the PROXY protocol from it: the health checks (PROXY v2
// header, then TLS, then GET /readyz) mark them up, `mi` onboards through it, a WebSocket goes
// through, a hub that stops is taken out, and a connection straight to a hub is closed.

#include <catch2/catch.hpp>

#include <unistd.h>

#include <memory>
#include <regex>
#include <string>
#include <vector>

#include "tests/integration/cli/run_mi.hpp"
#include "tests/integration/deploy/deploy_support.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/http_client.hpp"
#include "tests/support/json_pointer.hpp"
#include "tests/support/temp_dir.hpp"
#include "tests/support/test_certificates.hpp"
#include "tests/support/test_redis.hpp"
#include "tests/support/tls_client.hpp"

using namespace mi::test;
using namespace mi::test::deploy;
using mi::test::cli::Env;

namespace {

constexpr const char* kHaproxy = "/usr/sbin/haproxy";

struct PortTaken : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// HAProxy in the foreground (-db) running deploy/haproxy.cfg with its listening port, the two
// hubs' addresses, the stats socket, the CA bundle and the certificate's name replaced. Not
// root, it can neither chroot nor change user: those lines are then left out.
class Haproxy {
 public:
  Haproxy(const std::filesystem::path& dir, unsigned short port, unsigned short hub_a, unsigned short hub_b,
          const std::string& ca_file)
      : port_(port), stats_socket_(dir / "admin.sock") {
    std::filesystem::create_directories(dir);
    std::vector<Substitution> substitutions = {
        {"bind :443", "bind 127.0.0.1:" + std::to_string(port)},
        {"10.0.0.11:8443", "127.0.0.1:" + std::to_string(hub_a)},
        {"10.0.0.12:8443", "127.0.0.1:" + std::to_string(hub_b)},
        {"/run/haproxy/admin.sock", stats_socket_.string()},
        {"/etc/ssl/certs/ca-certificates.crt", ca_file},
        // The test certificate names 127.0.0.1 and localhost; SNI takes a name, not an address.
        {"hub.example.com", "localhost", 2},
    };
    if (geteuid() != 0) {
      substitutions.push_back({"chroot /var/lib/haproxy", "# chroot: needs root"});
      substitutions.push_back({"user haproxy", "# user: needs root"});
      substitutions.push_back({"group haproxy", "# group: needs root"});
    }
    const auto config = dir / "haproxy.cfg";
    write_text(config, substituted("haproxy.cfg", committed_file("haproxy.cfg"), substitutions));
    process_ = std::make_unique<Program>(std::vector<std::string>{kHaproxy, "-db", "-f", config.string()},
                                         dir / "haproxy.log");
    const bool up = eventually(
        [&] { return !process_->running() || stats().find("mi_hub,FRONTEND,") != std::string::npos; }, 10s);
    if (!process_->running()) {
      const auto why = process_->log();
      if (why.find("cannot bind socket") != std::string::npos) throw PortTaken(why);
      throw std::runtime_error("haproxy exited at start:\n" + why);
    }
    if (!up) throw std::runtime_error("haproxy's stats socket did not answer:\n" + process_->log());
  }

  ~Haproxy() { process_->stop(5s); }

  unsigned short port() const { return port_; }
  std::string stats() const { return haproxy_stats(stats_socket_, "show stat"); }
  // "UP L7OK 200" once a health check passed.
  std::string server(const std::string& name) const { return server_state(stats(), "mi_hubs", name); }
  std::string log() const { return process_->log(); }

 private:
  unsigned short port_;
  std::filesystem::path stats_socket_;
  std::unique_ptr<Program> process_;
};

// Two hubs on one Redis, each with TLS, --proxy-protocol and --trusted-proxies 127.0.0.1 (where
// HAProxy connects from), and HAProxy in front.
struct BehindHaproxy {
  BehindHaproxy() {
    static int started = 0;
    for (int attempt = 1;; ++attempt) {
      const auto port = free_port();
      public_url = "https://127.0.0.1:" + std::to_string(port);
      const auto name = std::to_string(getpid()) + "-" + std::to_string(++started);
      auto flags = [&](const std::string& hub) {
        return hub_flags(redis.process.url(), "deploy-haproxy-" + hub + "-" + name,
                         {"--tls-cert", certificates.server().cert, "--tls-key", certificates.server().key,
                          "--proxy-protocol", "--trusted-proxies", "127.0.0.1", "--proxy-header-timeout", "1",
                          "--public-url", public_url, "--log-level", "info"});
      };
      hub_a = std::make_unique<Hub>(dir.path() / ("hub-a-" + name + ".log"), flags("a"));
      hub_b = std::make_unique<Hub>(dir.path() / ("hub-b-" + name + ".log"), flags("b"));
      try {
        haproxy = std::make_unique<Haproxy>(dir.path() / ("haproxy-" + name), port, hub_a->port(), hub_b->port(),
                                            certificates.ca_file());
        return;
      } catch (const PortTaken&) {
        hub_a.reset();
        hub_b.reset();
        if (attempt == 3) throw;
      }
    }
  }

  TlsClientOptions tls() const {
    TlsClientOptions options;
    options.ca_file = certificates.ca_file();
    return options;
  }

  TestCertificates certificates;
  TestRedis redis;
  TempDir dir{"mi-deploy-haproxy"};
  std::string public_url;
  std::unique_ptr<Hub> hub_a;
  std::unique_ptr<Hub> hub_b;
  std::unique_ptr<Haproxy> haproxy;
};

std::string trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
  return text;
}

}  // namespace

TEST_CASE("deploy/haproxy.cfg: TCP mode, PROXY v2 and TLS through to two hubs; checks send the header too",
          "[deploy][haproxy]") {
  BehindHaproxy f;
  // The health checks (PROXY v2 header, TLS verified against the CA for "localhost", GET
  // /readyz) pass on both hubs: a check without the header would be closed by the hub.
  INFO(f.haproxy->stats() << f.haproxy->log());
  REQUIRE(eventually([&] { return f.haproxy->server("hub-a") == "UP L7OK 200"; }, 10s));
  REQUIRE(eventually([&] { return f.haproxy->server("hub-b") == "UP L7OK 200"; }, 10s));

  // `mi` across HAProxy, to whichever hub it picks: the invite, and the onboard as printed.
  TempDir home("mi-deploy-home");
  const Env env{{"MI_ADMIN_TOKEN", kAdminToken}, {"MI_CA_FILE", f.certificates.ca_file()},
                {"MI_HOME", home.path().string()}, {"HOME", home.path().string()}};
  auto invite = cli::run_mi({"invite", "--colony", "c1", "--hub", f.public_url}, env);
  INFO("mi invite: " << invite.out << invite.err);
  REQUIRE(invite.exit_code == 0);
  const auto code = trimmed(invite.out);
  REQUIRE(std::regex_match(code, std::regex("[A-Z]{6}")));
  REQUIRE(invite.err.find("or have the agent run: mi agent onboard " + code + " --hub " + f.public_url + "\n") !=
          std::string::npos);
  auto onboard = cli::run_mi({"agent", "onboard", code, "--hub", f.public_url}, env);
  INFO("mi agent onboard: " << onboard.out << onboard.err);
  REQUIRE(onboard.exit_code == 0);
  CHECK(onboard.out.find("Joined colony c1 as agent") != std::string::npos);
  const auto onboarded = "onboarded with invite " + code + " from 127.0.0.1";
  CHECK(eventually([&] {
    return f.hub_a->log().find(onboarded) != std::string::npos || f.hub_b->log().find(onboarded) != std::string::npos;
  }));

  // A watcher's WebSocket over TLS through HAProxy gets the colony, the new agent in it.
  WssClient watcher(f.haproxy->port(), f.tls());
  REQUIRE(watcher.ok());
  REQUIRE(watcher.send(std::string(R"({"type":"watch","colony":"c1","token":")") + kAdminToken + "\"}"));
  auto snapshot = watcher.expect("snapshot");
  CHECK(json_at(snapshot, "/agents/0/id") == "agent");

  // Straight to a hub, from the trusted proxy's address but without the header: closed before
  // a byte is answered, in plain HTTP and in TLS alike.
  auto plain = raw_conversation(f.hub_a->port(), "GET /healthz HTTP/1.1\r\nHost: hub\r\nConnection: close\r\n\r\n");
  CHECK(plain.closed);
  CHECK(plain.received.empty());
  CHECK_FALSE(tls_probe(f.hub_a->port(), f.tls()).ok);
  CHECK(eventually([&] { return f.hub_a->log().find("closing a connection from 127.0.0.1") != std::string::npos; }));

  // A hub that stops fails its checks and is taken out; new connections go to the other.
  CHECK(f.hub_b->process().stop() == 0);
  CHECK(eventually([&] { return f.haproxy->server("hub-b").rfind("DOWN", 0) == 0; }, 15s));
  CHECK(f.haproxy->server("hub-a") == "UP L7OK 200");
  for (int i = 0; i < 3; ++i) {
    CHECK(https_request(f.haproxy->port(), "GET", "/readyz", f.tls()).status == 200);
  }
}
