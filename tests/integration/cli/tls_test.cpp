// mi against https:// hubs: every command over TLS with a private CA (--ca-file, MI_CA_FILE),
// the daemon over wss:// across restarts and a certificate gone bad, and each way a certificate
// fails verification, as an error naming the host and the reason, with nothing sent.

#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <regex>
#include <sstream>

#include <catch2/catch.hpp>

#include "tests/integration/cli/cli_fixture.hpp"
#include "tests/support/eventually.hpp"
#include "tests/support/test_certificates.hpp"
#include "tests/support/test_redis.hpp"

using namespace mi::test::cli;
using mi::test::CertificatePair;
using mi::test::eventually;
using mi::test::json_array_size;
using mi::test::json_at;
namespace fs = std::filesystem;

namespace {

// Made once: openssl takes a moment per certificate.
const mi::test::TestCertificates& certificates() {
  static const mi::test::TestCertificates made;
  return made;
}

bool has(const std::string& text, const std::string& part) { return text.find(part) != std::string::npos; }

std::size_t count_of(const std::string& text, const std::string& part) {
  std::size_t count = 0;
  for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + 1)) ++count;
  return count;
}

// The full path of a program on the PATH (ChildProcess runs a path, not a name).
std::string program_path(const std::string& name) {
  std::stringstream path(std::getenv("PATH") != nullptr ? std::getenv("PATH") : "/usr/bin:/bin");
  for (std::string directory; std::getline(path, directory, ':');) {
    const fs::path candidate = fs::path(directory) / name;
    if (::access(candidate.c_str(), X_OK) == 0) return candidate.string();
  }
  throw std::runtime_error(name + " is not on the PATH");
}

// `openssl s_server` for one connection, tracing every TLS message it receives: it shows what
// mi puts in its ClientHello. Its default certificate is for other.example; a client that names
// localhost in SNI gets the hub's certificate (which names localhost and 127.0.0.1) instead.
class TracingTlsServer {
 public:
  TracingTlsServer()
      : process_({program_path("openssl"), "s_server", "-accept", "127.0.0.1:0", "-naccept", "1", "-trace", "-www",
                  "-cert", certificates().other_name().cert, "-key", certificates().other_name().key,
                  "-servername", "localhost", "-cert2", certificates().server().cert, "-key2",
                  certificates().server().key},
                 Env{}) {
    const bool listening = process_.wait_for(
        [](const std::string& out, const std::string&) { return has(out, "ACCEPT 127.0.0.1:"); }, 10s);
    if (!listening) throw std::runtime_error("openssl s_server did not start:\n" + process_.err());
    const std::string out = process_.out();
    port_ = std::stoi(out.substr(out.find("ACCEPT 127.0.0.1:") + std::string("ACCEPT 127.0.0.1:").size()));
  }

  int port() const { return port_; }

  // What it traced, once its one connection is over (it exits then, and its output is whole).
  std::string trace() {
    if (!process_.wait_exit(10s)) throw std::runtime_error("openssl s_server did not finish its connection");
    return process_.out();
  }

 private:
  ChildProcess process_;
  int port_ = 0;
};

// A hub on TLS, with the certificate files its own so that a test can swap them, and a home.
struct TlsFlow {
  TlsFlow()
      : files("mi-cli-tls"),
        hub(redis.process.url(), "test-admin-token", [this] {
          serve(certificates().server());
          return HubTls{cert_file(), key_file(), certificates().ca_file()};
        }()) {}

  std::string cert_file() const { return (files.path() / "hub.pem").string(); }
  std::string key_file() const { return (files.path() / "hub.key").string(); }
  // The pair the hub reads at its next start or reload.
  void serve(const CertificatePair& pair) const {
    fs::copy_file(pair.cert, cert_file(), fs::copy_options::overwrite_existing);
    fs::copy_file(pair.key, key_file(), fs::copy_options::overwrite_existing);
  }

  // The hub's URL with `host` in it (127.0.0.1 or localhost: the certificate names both).
  std::string url(const std::string& host = "127.0.0.1") const {
    return "https://" + host + ":" + std::to_string(hub.port());
  }

  // Without MI_CA_FILE: each test says how mi is to trust the hub.
  Env env(const Env& extra = {}) const {
    Env result{{"MI_HUB", hub.url()},
               {"MI_ADMIN_TOKEN", hub.admin_token()},
               {"MI_HOME", home.path().string()},
               {"HOME", home.path().string()}};
    for (const auto& [name, value] : extra) result[name] = value;
    return result;
  }
  Env trusting(const Env& extra = {}) const {
    Env result = env(extra);
    result["MI_CA_FILE"] = certificates().ca_file();
    return result;
  }
  MiResult mi(const std::vector<std::string>& args, const Env& extra = {}) const { return run_mi(args, env(extra)); }
  MiResult trusted_mi(const std::vector<std::string>& args) const { return run_mi(args, trusting()); }

  std::string create_invite() const {
    auto created = trusted_mi({"invite", "--colony", "c1"});
    INFO(created.err);
    REQUIRE(created.exit_code == 0);
    return created.out.substr(0, 6);
  }

  std::optional<std::string> agent_status(const std::string& agent) const {
    return agent_field(trusted_mi({"status", "--colony", "c1", "--json"}).out, agent, "/status");
  }

  mi::test::TempDir files;  // before the hub, which reads them
  mi::test::TestRedis redis;
  HubOnPort hub;
  mi::test::TempDir home{"mi-cli-tls-home"};
};

}  // namespace

TEST_CASE("over https:// with the hub's private CA: invite, onboard, status, all verified", "[cli][tls]") {
  TlsFlow flow;
  const std::string ca = certificates().ca_file();

  auto created = flow.mi({"invite", "--colony", "c1", "--name", "jared", "--ca-file", ca});
  INFO(created.err);
  REQUIRE(created.exit_code == 0);
  const std::string code = created.out.substr(0, 6);
  // The hub's public URL is https:// with --tls-cert: the command works as printed.
  CHECK(has(created.err, "Share the link " + flow.url() + "/r/" + code + "\n"));
  CHECK(has(created.err, "or have the agent run: mi agent onboard " + code + " --hub " + flow.url() + "\n"));

  // The agent trusts the CA through the environment; its credentials keep the https:// URL.
  auto joined = flow.mi({"agent", "onboard", code, "--name", "jared", "--hub", flow.url()}, {{"MI_CA_FILE", ca}});
  INFO(joined.err);
  REQUIRE(joined.exit_code == 0);
  CHECK(joined.out == "Joined colony c1 as jared\n");
  CHECK(json_at(read_file(flow.home.path() / "agent.json"), "/hub") == flow.url());

  // By name too: the certificate's DNS name localhost, sent as SNI.
  auto listed = flow.mi({"--hub", flow.url("localhost"), "--ca-file", ca, "status", "--colony", "c1", "--json"});
  INFO(listed.err);
  REQUIRE(listed.exit_code == 0);
  CHECK(agent_field(listed.out, "jared", "/kind") == "remote");

  auto invites = flow.mi({"invite", "list", "--colony", "c1", "--json", "--ca-file", ca});
  REQUIRE(invites.exit_code == 0);
  CHECK(json_at(invites.out, "/invites/0/status") == "redeemed");
  const std::string second = flow.create_invite();
  auto revoked = flow.mi({"invite", "revoke", second, "--ca-file", ca});
  CHECK(revoked.exit_code == 0);
  auto shown = flow.mi({"invite", "show", second, "--json", "--ca-file", ca});
  CHECK(json_at(shown.out, "/status") == "revoked");

  // The agent's own commands, over wss:// to the hub its credentials name.
  auto chat = run_mi({"agent", "chat", "hello over TLS"}, flow.trusting({{"MI_HUB", ""}}));
  INFO(chat.err);
  CHECK(chat.exit_code == 0);
  auto cloned = run_mi({"agent", "clone"}, flow.trusting({{"MI_HUB", ""}}));
  INFO(cloned.err);
  CHECK(cloned.out == "jared-2\n");
  CHECK(json_at(read_file(flow.home.path() / "clones" / "jared-2.json"), "/hub") == flow.url());
}

TEST_CASE("the daemon keeps the agent online over wss:// and comes back after a hub restart", "[cli][tls][presence]") {
  TlsFlow flow;
  REQUIRE(flow.trusted_mi({"agent", "onboard", flow.create_invite(), "--name", "jared"}).exit_code == 0);
  auto watch = start_mi({"status", "--colony", "c1", "--watch", "--json"}, flow.trusting());
  auto daemon = start_mi({"agent", "heartbeat-daemon", "--interval", "0.5", "--json"}, flow.trusting());
  auto connections = [&daemon] { return count_of(daemon->out(), "\"state\":\"connected\""); };
  REQUIRE(daemon->wait_for([&](const std::string&, const std::string&) { return connections() == 1; }, 10s));
  CHECK(has(daemon->err(), "keeping c1/jared online through " + flow.url()));
  CHECK(eventually([&] { return flow.agent_status("jared") == "online"; }, 8s));
  // Past two presence TTLs (2 s), heartbeats over TLS keep it Online.
  std::this_thread::sleep_for(5s);
  CHECK(flow.agent_status("jared") == "online");

  REQUIRE(flow.hub.stop() == 0);
  CHECK(daemon->wait_for([](const std::string&, const std::string& err) {
    return has(err, "disconnected (1012 hub restarting); reconnecting in");
  }, 5s));
  flow.hub.start();
  CHECK(daemon->wait_for([&](const std::string&, const std::string&) { return connections() == 2; }, 25s));
  CHECK(eventually([&] { return flow.agent_status("jared") == "online"; }, 8s));
  // The watch came back too, resuming from the last event it had.
  CHECK(watch->wait_for([](const std::string&, const std::string& err) { return has(err, "resumed colony c1"); }, 25s));

  daemon->signal(SIGTERM);
  CHECK(daemon->wait_exit(5s) == 0);
  CHECK(eventually([&] { return flow.agent_status("jared") == "offline"; }, 3s));
  watch->signal(SIGINT);
  CHECK(watch->wait_exit(5s) == 0);
}

TEST_CASE("a certificate that fails verification: exit 1, the host and the reason, and nothing sent",
          "[cli][tls][errors]") {
  TlsFlow flow;
  const std::string ca = certificates().ca_file();
  REQUIRE(flow.trusted_mi({"agent", "onboard", flow.create_invite(), "--name", "jared"}).exit_code == 0);
  const std::string unspent = flow.create_invite();
  const auto seq_before = json_at(flow.trusted_mi({"status", "--colony", "c1", "--json"}).out, "/seq");
  REQUIRE(seq_before);

  struct Case {
    std::string what;
    const CertificatePair* pair;
    bool trust_ca;
    std::string host;
    std::string reason;  // OpenSSL's words; what mi makes of them
    std::string advice;
  };
  const std::vector<Case> cases = {
      {"unknown issuer", &certificates().server(), false, "127.0.0.1",
       "unable to get local issuer certificate; it was issued by CN=mi test CA, which this machine does not trust",
       "--ca-file FILE or the MI_CA_FILE environment variable"},
      {"self-signed", &certificates().self_signed(), true, "127.0.0.1",
       "self-signed certificate; it is signed by itself, not by an authority this machine trusts", "--ca-file"},
      {"expired", &certificates().expired(), true, "127.0.0.1",
       "certificate has expired; it expired on 2020-01-02T00:00:00Z", "must renew the certificate"},
      {"another address", &certificates().other_name(), true, "127.0.0.1",
       "IP address mismatch; it is for other.example, not 127.0.0.1", "the host name the certificate was issued for"},
      {"another name", &certificates().other_name(), true, "localhost",
       "hostname mismatch; it is for other.example, not localhost", "the host name the certificate was issued for"},
  };
  for (const auto& test : cases) {
    INFO(test.what);
    // The hub takes the pair on SIGHUP, for new connections.
    flow.serve(*test.pair);
    flow.hub.reload();
    const Env env = test.trust_ca ? flow.trusting({{"MI_HUB", flow.url(test.host)}})
                                  : flow.env({{"MI_HUB", flow.url(test.host)}});
    const std::string sentence = "The certificate of the hub at " + flow.url(test.host) + " failed verification for " +
                                 test.host + " (" + test.reason + "), so mi sent nothing to it.";
    MiResult listed;
    CHECK(eventually([&] {
      listed = run_mi({"invite", "list", "--colony", "c1"}, env);
      return has(listed.err, sentence);
    }));
    INFO(listed.err);
    CHECK(listed.exit_code == 1);
    CHECK(has(listed.err, test.advice));

    // Every command, HTTP and WebSocket alike, stops the same way.
    const std::vector<std::vector<std::string>> commands = {{"invite", "--colony", "c1"},
                                                            {"agent", "onboard", unspent, "--force"},
                                                            {"status", "--colony", "c1", "--watch"},
                                                            {"agent", "heartbeat-daemon"},
                                                            {"agent", "chat", "not sent"}};
    for (const auto& args : commands) {
      INFO(args[0] + " " + args[1]);
      // The daemon connects to the hub its credentials name, unless MI_HUB says otherwise.
      const auto result = run_mi(args, env);
      CHECK(result.exit_code == 1);
      CHECK(has(result.err, "error: " + sentence));
    }
    auto as_json = run_mi({"--json", "agent", "onboard", unspent, "--force"}, env);
    CHECK(as_json.exit_code == 1);
    CHECK(json_at(as_json.out, "/error/code") == "untrusted_certificate");
  }

  // Nothing reached the hub: no invite was created, the unspent code is still active, and the
  // colony has no new event (no join, no chat, no agent online).
  flow.serve(certificates().server());
  flow.hub.reload();
  MiResult listed;
  CHECK(eventually([&] {
    listed = flow.trusted_mi({"invite", "list", "--colony", "c1", "--json"});
    return listed.exit_code == 0;
  }));
  CHECK(json_array_size(listed.out, "/invites") == 2);
  auto shown = flow.trusted_mi({"invite", "show", unspent, "--json"});
  CHECK(json_at(shown.out, "/status") == "active");
  CHECK(json_at(flow.trusted_mi({"status", "--colony", "c1", "--json"}).out, "/seq") == seq_before);
}

TEST_CASE("a daemon that was connected rides out a certificate gone bad, and comes back once it is fixed",
          "[cli][tls][presence]") {
  TlsFlow flow;
  REQUIRE(flow.trusted_mi({"agent", "onboard", flow.create_invite(), "--name", "jared"}).exit_code == 0);
  auto daemon = start_mi({"agent", "heartbeat-daemon", "--interval", "0.5"}, flow.trusting());
  auto connections = [&daemon] { return count_of(daemon->err(), "connected as c1/jared"); };
  REQUIRE(daemon->wait_for([&](const std::string&, const std::string&) { return connections() == 1; }, 10s));

  // The hub restarts on an expired certificate: a renewal gone wrong, which the daemon waits out.
  flow.serve(certificates().expired());
  REQUIRE(flow.hub.stop() == 0);
  flow.hub.start_listening();
  CHECK(daemon->wait_for([&](const std::string&, const std::string& err) {
    return std::regex_search(err, std::regex("could not connect to " + flow.url() +
                                             " \\(its certificate failed verification for 127\\.0\\.0\\.1: "
                                             "certificate has expired; it expired on 2020-01-02T00:00:00Z\\); "
                                             "retrying in \\d+\\.\\ds\n(.|\n)*retrying in"));
  }, 20s));
  CHECK(daemon->running());

  flow.serve(certificates().server());
  flow.hub.reload();
  CHECK(daemon->wait_for([&](const std::string&, const std::string&) { return connections() == 2; }, 30s));
  CHECK(eventually([&] { return flow.agent_status("jared") == "online"; }, 8s));
  daemon->signal(SIGINT);
  CHECK(daemon->wait_exit(5s) == 0);
}

TEST_CASE("mi names a host in SNI (never an address) and offers ALPN http/1.1", "[cli][tls]") {
  mi::test::TempDir home("mi-cli-tls-home");
  const Env env{{"MI_HOME", home.path().string()}, {"HOME", home.path().string()},
                {"MI_CA_FILE", certificates().ca_file()}, {"MI_ADMIN_TOKEN", "x"}};
  // A record of application data that the client sent after the handshake: the request.
  const std::regex application_data("Received Record\nHeader:\n(  [^\n]*\n)*  Inner Content Type = ApplicationData");
  const auto client_hello = [](const std::string& trace) {
    const auto start = trace.find("ClientHello");
    return start == std::string::npos ? std::string() : trace.substr(start, trace.find("ServerHello", start) - start);
  };

  TracingTlsServer by_name;
  const std::string name_url = "https://localhost:" + std::to_string(by_name.port());
  auto named = run_mi({"--hub", name_url, "invite", "list", "--colony", "c1"}, env);
  // Only with SNI does it get a certificate for localhost: verified, the request went out, and
  // what answered (s_server's status page) is no hub.
  INFO(named.err);
  CHECK(!has(named.err, "failed verification"));
  CHECK(has(named.err, "The hub at " + name_url + " sent an invite list that mi cannot read"));
  const std::string named_trace = by_name.trace();
  CHECK(std::regex_search(named_trace, application_data));
  const std::string hello = client_hello(named_trace);
  INFO(hello);
  CHECK(std::regex_search(hello, std::regex("extension_type=server_name\\(0\\)[^\n]*\n[^\n]*localhost")));
  CHECK(std::regex_search(hello, std::regex("application_layer_protocol_negotiation\\(16\\)[^\n]*\n +http/1\\.1\n")));

  TracingTlsServer by_address;
  auto addressed = run_mi({"--hub", "https://127.0.0.1:" + std::to_string(by_address.port()), "invite", "list",
                           "--colony", "c1"}, env);
  // No SNI, so the default certificate, for other.example: refused before anything is sent.
  INFO(addressed.err);
  CHECK(has(addressed.err, "IP address mismatch; it is for other.example, not 127.0.0.1"));
  const std::string trace = by_address.trace();
  const std::string bare_hello = client_hello(trace);
  INFO(bare_hello);
  CHECK(!bare_hello.empty());
  CHECK(!has(bare_hello, "server_name"));
  CHECK(has(bare_hello, "http/1.1"));
  // After the handshake the client sent an alert and no request: no application data came in.
  CHECK(!std::regex_search(trace, application_data));
}

TEST_CASE("a TLS handshake that never comes ends at the connect deadline", "[cli][tls][errors]") {
  // A socket that listens and never reads: the kernel completes TCP connections into its backlog.
  const int listener = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(listener >= 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address) == 0);
  REQUIRE(::listen(listener, 8) == 0);
  socklen_t length = sizeof address;
  REQUIRE(::getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length) == 0);
  const std::string silent = "https://127.0.0.1:" + std::to_string(ntohs(address.sin_port));

  mi::test::TempDir home("mi-cli-tls-home");
  const Env env{{"MI_HUB", silent}, {"MI_HOME", home.path().string()}, {"HOME", home.path().string()}};
  const auto started = std::chrono::steady_clock::now();
  auto result = run_mi({"invite", "list", "--colony", "c1", "--admin-token", "x"}, env);
  const auto took = std::chrono::steady_clock::now() - started;
  ::close(listener);
  INFO(result.err);
  CHECK(result.exit_code == 1);
  CHECK(has(result.err, "Could not reach the hub at " + silent + " (no answer within 10s)"));
  CHECK(took >= 9s);
  CHECK(took < 20s);
}

TEST_CASE("https:// to a port that serves plain HTTP says that the handshake failed", "[cli][tls][errors]") {
  CliFixture fixture;
  const std::string wrong = "https://127.0.0.1:" + std::to_string(fixture.hub.hub.port());
  auto result = fixture.mi({"status", "--colony", "c1"}, {{"MI_HUB", wrong}});
  INFO(result.err);
  CHECK(result.exit_code == 1);
  CHECK(has(result.err, "Could not reach the hub at " + wrong + " (TLS handshake failed: "));
  CHECK(has(result.err, "does the hub serve https:// on that port?"));
}
