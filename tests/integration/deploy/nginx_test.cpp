// deploy/nginx.conf, run by Debian's nginx in front of a real mi-hub: TLS at nginx, the
// WebSocket upgrade, the forwarded client address and scheme, HSTS, the redirect from HTTP, and
// the whole flow of an agent (invite, onboard as printed, heartbeat daemon) with `mi` across it.

#include <catch2/catch.hpp>

#include <openssl/ssl.h>
#include <pwd.h>
#include <unistd.h>

#include <memory>
#include <optional>
#include <regex>
#include <sstream>
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

constexpr const char* kNginx = "/usr/sbin/nginx";

struct PortTaken : std::runtime_error {
  using std::runtime_error::runtime_error;
};

// The user nginx's workers run as: the test's own (the `user` directive needs root and is
// ignored otherwise), so that they can read the test's files.
std::string current_user() {
  const passwd* entry = getpwuid(geteuid());
  return entry != nullptr ? entry->pw_name : "nobody";
}

// Debian's /etc/nginx/nginx.conf reduced to what a test needs: its own pid, logs and temporary
// paths in `dir`, one worker, and deploy/nginx.conf included where Debian includes conf.d/*.conf.
std::string main_config(const std::filesystem::path& dir) {
  const auto d = dir.string();
  return "user " + current_user() + ";\n"
         "worker_processes 1;\n"
         "pid " + d + "/nginx.pid;\n"
         "error_log " + d + "/error.log info;\n"
         "events { worker_connections 512; }\n"
         "http {\n"
         "  access_log " + d + "/access.log;\n"
         "  client_body_temp_path " + d + "/client_body;\n"
         "  proxy_temp_path " + d + "/proxy;\n"
         "  fastcgi_temp_path " + d + "/fastcgi;\n"
         "  uwsgi_temp_path " + d + "/uwsgi;\n"
         "  scgi_temp_path " + d + "/scgi;\n"
         "  include " + d + "/conf.d/mi-hub.conf;\n"
         "}\n";
}

// Debian's nginx, not daemonized, running deploy/nginx.conf with its ports, the upstream, the
// certificate files and the ACME webroot replaced.
class Nginx {
 public:
  Nginx(const std::filesystem::path& dir, unsigned short https_port, unsigned short http_port, unsigned short hub_port,
        const CertificatePair& certificate)
      : dir_(dir), https_port_(https_port), http_port_(http_port) {
    std::filesystem::create_directories(dir / "conf.d");
    std::filesystem::create_directories(acme_dir());
    const bool ipv6 = ipv6_loopback_available();
    const auto https = std::to_string(https_port);
    const auto http = std::to_string(http_port);
    const auto site = substituted(
        "nginx.conf", committed_file("nginx.conf"),
        {
            {"listen 443 ssl;", "listen 127.0.0.1:" + https + " ssl;"},
            {"listen [::]:443 ssl;", ipv6 ? "listen [::1]:" + https + " ssl;" : "# no IPv6 on this machine"},
            {"listen 80;", "listen 127.0.0.1:" + http + ";"},
            {"listen [::]:80;", ipv6 ? "listen [::1]:" + http + ";" : "# no IPv6 on this machine"},
            {"server 127.0.0.1:8080;", "server 127.0.0.1:" + std::to_string(hub_port) + ";"},
            {"/etc/letsencrypt/live/hub.example.com/fullchain.pem", certificate.cert},
            {"/etc/letsencrypt/live/hub.example.com/privkey.pem", certificate.key},
            {"/var/www/letsencrypt", (dir / "acme").string()},
        });
    write_text(dir / "conf.d" / "mi-hub.conf", site);
    write_text(dir / "nginx.conf", main_config(dir));
    process_ = std::make_unique<Program>(
        std::vector<std::string>{kNginx, "-p", dir.string() + "/", "-c", (dir / "nginx.conf").string(), "-e",
                                 (dir / "error.log").string(), "-g", "daemon off;"},
        dir / "nginx.out");
    // Up once port 80's server answers (it does not need the hub).
    const bool up = eventually(
        [&] { return !process_->running() || http_request(http_port_, "GET", "/", "", {}, 500ms).status == 301; },
        10s);
    if (!process_->running()) {
      const auto why = log();
      if (why.find("Address already in use") != std::string::npos) throw PortTaken(why);
      throw std::runtime_error("nginx exited at start:\n" + why);
    }
    if (!up) throw std::runtime_error("nginx did not answer on port 80's server:\n" + log());
  }

  ~Nginx() { process_->stop(5s); }

  unsigned short https_port() const { return https_port_; }
  unsigned short http_port() const { return http_port_; }
  std::filesystem::path acme_dir() const { return dir_ / "acme" / ".well-known" / "acme-challenge"; }
  std::string log() const { return process_->log() + read_text(dir_ / "error.log"); }

 private:
  std::filesystem::path dir_;
  unsigned short https_port_;
  unsigned short http_port_;
  std::unique_ptr<Program> process_;
};

// A Redis, a hub on loopback as deploy/nginx.conf's comment says to run it
// (--trusted-proxies 127.0.0.1 --public-url https://<nginx>), and nginx in front. Without
// `publish_https` the hub has no --public-url (it is then http://<listen>), so that only the
// proxy's word makes a request https.
struct BehindNginx {
  explicit BehindNginx(std::vector<std::string> more_hub_flags = {}, const std::string& presence_ttl = "2",
                       bool publish_https = true) {
    static int started = 0;
    // nginx cannot be told to take a port of the system's choice: ports found free may be
    // taken before it binds them, so a start that finds its port taken is tried again.
    for (int attempt = 1;; ++attempt) {
      const auto https_port = free_port();
      const auto http_port = free_port();
      public_url = "https://127.0.0.1:" + std::to_string(https_port);
      std::vector<std::string> flags = {"--trusted-proxies", "127.0.0.1", "--log-level", "info"};
      if (publish_https) flags.insert(flags.end(), {"--public-url", public_url});
      flags.insert(flags.end(), more_hub_flags.begin(), more_hub_flags.end());
      const auto name = std::to_string(getpid()) + "-" + std::to_string(++started);
      auto hub_flags_now = hub_flags(redis.process.url(), "deploy-nginx-" + name, flags);
      for (std::size_t i = 0; i + 1 < hub_flags_now.size(); ++i) {
        if (hub_flags_now[i] == "--presence-ttl") hub_flags_now[i + 1] = presence_ttl;
      }
      hub = std::make_unique<Hub>(dir.path() / ("hub-" + name + ".log"), hub_flags_now);
      REQUIRE(eventually([&] { return http_request(hub->port(), "GET", "/readyz").status == 200; }, 10s));
      try {
        nginx = std::make_unique<Nginx>(dir.path() / ("nginx-" + name), https_port, http_port, hub->port(),
                                        certificates.server());
        return;
      } catch (const PortTaken&) {
        hub.reset();
        if (attempt == 3) throw;
      }
    }
  }

  TlsClientOptions tls() const {
    TlsClientOptions options;
    options.ca_file = certificates.ca_file();
    return options;
  }
  // An admin API call through nginx.
  HttpReply admin(const std::string& method, const std::string& target, const std::string& body = "") const {
    return https_request(nginx->https_port(), method, target, tls(), body,
                         {{"Authorization", std::string("Bearer ") + kAdminToken}});
  }
  // The status of agent `id` of colony c1, as the admin API through nginx lists it.
  std::optional<std::string> agent_status(const std::string& id) const {
    auto reply = admin("GET", "/v1/colonies/c1/agents");
    if (reply.status != 200) return std::nullopt;
    for (long i = 0; i < json_array_size(reply.body, "/agents"); ++i) {
      const auto prefix = "/agents/" + std::to_string(i);
      if (json_at(reply.body, prefix + "/id") == id) return json_at(reply.body, prefix + "/status");
    }
    return std::nullopt;
  }

  TestCertificates certificates;
  TestRedis redis;
  TempDir dir{"mi-deploy-nginx"};
  std::string public_url;
  std::unique_ptr<Hub> hub;
  std::unique_ptr<Nginx> nginx;
};

std::vector<std::string> words_of(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> words;
  for (std::string word; in >> word;) words.push_back(word);
  return words;
}

std::string trimmed(std::string text) {
  while (!text.empty() && (text.back() == '\n' || text.back() == '\r' || text.back() == ' ')) text.pop_back();
  return text;
}

std::size_t count_of(const std::string& text, const std::string& part) {
  std::size_t count = 0;
  for (auto at = text.find(part); at != std::string::npos; at = text.find(part, at + part.size())) ++count;
  return count;
}

}  // namespace

TEST_CASE("deploy/nginx.conf: an agent invited with an https:// link onboards through nginx as printed and stays online",
          "[deploy][nginx]") {
  BehindNginx f({}, "1.5");
  TempDir home("mi-deploy-home");
  const Env operator_env{{"MI_ADMIN_TOKEN", kAdminToken}, {"MI_HOME", home.path().string()}, {"HOME", home.path().string()}};

  // The operator invites, through nginx, trusting the private CA with --ca-file.
  auto invite = cli::run_mi({"invite", "--colony", "c1", "--hub", f.public_url, "--ca-file", f.certificates.ca_file()},
                            operator_env);
  INFO("mi invite: " << invite.out << invite.err);
  REQUIRE(invite.exit_code == 0);
  const auto code = trimmed(invite.out);
  REQUIRE(std::regex_match(code, std::regex("[A-Z]{6}")));
  CHECK(invite.err.find("Share the link " + f.public_url + "/r/" + code) != std::string::npos);
  constexpr std::string_view kRun = "or have the agent run: ";
  const auto run_at = invite.err.find(kRun);
  REQUIRE(run_at != std::string::npos);
  const auto printed = invite.err.substr(run_at + kRun.size(), invite.err.find('\n', run_at) - run_at - kRun.size());
  CHECK(printed == "mi agent onboard " + code + " --hub " + f.public_url);

  // The invite page, through nginx, prints the same command; nginx adds HSTS (the hub, in
  // plain HTTP behind it, does not).
  auto page = https_request(f.nginx->https_port(), "GET", "/r/" + code, f.tls());
  REQUIRE(page.status == 200);
  CHECK(page.body.find("mi agent onboard " + code + " --hub " + f.public_url) != std::string::npos);
  CHECK(page.headers["strict-transport-security"] == "max-age=63072000");

  // The agent runs the printed command as it is, trusting the CA through MI_CA_FILE.
  auto words = words_of(printed);
  REQUIRE(words.size() >= 4);
  REQUIRE(words[0] == "mi");
  const Env agent_env{{"MI_CA_FILE", f.certificates.ca_file()}, {"MI_HOME", home.path().string()},
                      {"HOME", home.path().string()}};
  auto onboard = cli::run_mi(std::vector<std::string>(words.begin() + 1, words.end()), agent_env);
  INFO("mi agent onboard: " << onboard.out << onboard.err);
  REQUIRE(onboard.exit_code == 0);
  CHECK(onboard.out.find("Joined colony c1 as agent") != std::string::npos);
  CHECK(f.hub->log().find("onboarded with invite " + code + " from 127.0.0.1") != std::string::npos);

  // The heartbeat daemon holds its WebSocket through nginx: the agent stays Online across
  // three presence TTLs on one connection, and goes Offline at once when it stops (its close
  // frame crosses nginx).
  auto daemon = cli::start_mi({"agent", "heartbeat-daemon"}, agent_env);
  REQUIRE(daemon->wait_for([](const std::string&, const std::string& err) {
    return err.find("connected as c1/agent") != std::string::npos;
  }, 10s));
  CHECK(daemon->err().find("keeping c1/agent online through " + f.public_url) != std::string::npos);
  REQUIRE(eventually([&] { return f.agent_status("agent") == "online"; }, 5s));
  const auto hold_until = std::chrono::steady_clock::now() + 4500ms;
  while (std::chrono::steady_clock::now() < hold_until) {
    REQUIRE(f.agent_status("agent") == "online");
    std::this_thread::sleep_for(250ms);
  }
  CHECK(count_of(daemon->err(), "connected as c1/agent") == 1);
  daemon->signal(SIGTERM);
  CHECK(daemon->wait_exit(5s) == 0);
  CHECK(eventually([&] { return f.agent_status("agent") == "offline"; }, 1s));
  auto agents = f.admin("GET", "/v1/colonies/c1/agents");
  CHECK(json_at(agents.body, "/agents/0/offline_reason") == "closed");
}

TEST_CASE("deploy/nginx.conf: TLS 1.2 and 1.3 only, HSTS, a Secure cookie, and port 80 redirects to https",
          "[deploy][nginx]") {
  BehindNginx f({}, "2", false);
  const auto port = f.nginx->https_port();

  auto tls = f.tls();
  tls.min_version = TLS1_VERSION;
  tls.max_version = TLS1_1_VERSION;
  CHECK_FALSE(tls_probe(port, tls).ok);
  tls.min_version = 0;
  tls.max_version = TLS1_2_VERSION;
  CHECK(tls_probe(port, tls).version == "TLSv1.2");
  CHECK(tls_probe(port, f.tls()).version == "TLSv1.3");
  CHECK(tls_probe(port, f.tls()).alpn == "http/1.1");

  // nginx says the scheme was https (X-Forwarded-Proto), the hub believes it from 127.0.0.1
  // and marks its admin session cookie Secure; the same request to the hub in plain HTTP
  // gets a cookie without it (this hub is published as http://).
  const std::string sign_in = std::string(R"({"token":")") + kAdminToken + "\"}";
  auto session = https_request(port, "POST", "/v1/session", f.tls(), sign_in);
  REQUIRE(session.status == 200);
  CHECK(session.headers["set-cookie"].find("; Secure") != std::string::npos);
  auto direct = http_request(f.hub->port(), "POST", "/v1/session", sign_in);
  REQUIRE(direct.status == 200);
  CHECK(direct.headers["set-cookie"].find("Secure") == std::string::npos);
  CHECK(session.headers["strict-transport-security"] == "max-age=63072000");
  auto error = https_request(port, "GET", "/v1/colonies/c1/agents", f.tls());
  CHECK(error.status == 401);
  CHECK(error.headers["strict-transport-security"] == "max-age=63072000");

  // Port 80: certbot's challenge files from the webroot, a permanent redirect for the rest.
  write_text(f.nginx->acme_dir() / "token-1", "token-1.thumbprint");
  auto challenge = http_request(f.nginx->http_port(), "GET", "/.well-known/acme-challenge/token-1");
  CHECK(challenge.status == 200);
  CHECK(challenge.body == "token-1.thumbprint");
  auto redirect = http_request(f.nginx->http_port(), "GET", "/r/ABCDEF?from=mail");
  CHECK(redirect.status == 301);
  CHECK(redirect.headers["location"] == "https://127.0.0.1/r/ABCDEF?from=mail");
  auto upgrade = http_request(f.nginx->http_port(), "GET", "/v1/ws", "",
                              {{"Upgrade", "websocket"}, {"Connection", "Upgrade"}, {"Sec-WebSocket-Version", "13"},
                               {"Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ=="}});
  CHECK(upgrade.status == 301);
}

TEST_CASE("deploy/nginx.conf: the hub limits and logs each client by its own address, not nginx's",
          "[deploy][nginx]") {
  BehindNginx f({"--max-connections-per-address", "1"});
  const auto port = f.nginx->https_port();
  const auto& ca = f.certificates.ca_file();

  WssFrom first(port, "127.0.0.2", ca);
  INFO("first: " << first.detail());
  REQUIRE(first.status() == 101);
  // The same client again, with a forged X-Forwarded-For: nginx appends the address it sees,
  // the hub takes the rightmost one that is not a trusted proxy, and the limit holds.
  WssFrom again(port, "127.0.0.2", ca, {{"X-Forwarded-For", "198.51.100.20"}});
  CHECK(again.status() == 429);
  CHECK(again.detail().find("too_many_connections") != std::string::npos);
  // Another client behind the same nginx has its own count.
  WssFrom other(port, "127.0.0.3", ca);
  CHECK(other.status() == 101);

  // The onboard over the first socket is logged with the client's address. (The invite is made
  // on the hub directly, from a trusted proxy's address without X-Forwarded-For, which holds no
  // client's slot.)
  auto invite = http_request(f.hub->port(), "POST", "/v1/colonies/c1/invites", R"({"type":"agent"})",
                             {{"Authorization", std::string("Bearer ") + kAdminToken}});
  REQUIRE(invite.status == 201);
  const auto code = json_at(invite.body, "/code").value_or("");
  REQUIRE(first.send(R"({"type":"onboard","code":")" + code + R"(","name":"far"})"));
  auto welcome = first.receive();
  REQUIRE(welcome);
  CHECK(json_at(*welcome, "/type") == "welcome");
  CHECK(eventually([&] { return f.hub->log().find("onboarded with invite " + code + " from 127.0.0.2") != std::string::npos; }));
}
