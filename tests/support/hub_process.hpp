#pragma once
// A real mi-hub child process for integration tests: started against a given Redis on a port
// the system picks, with small limits, stopped with SIGTERM (its exit code is checked by the
// caller).

#include <chrono>
#include <filesystem>
#include <string>
#include <sys/types.h>
#include <vector>

namespace mi::test {

struct HubOptions {
  std::string redis_url;
  std::string env = "test";
  std::string admin_token = "test-admin-token";
  std::string presence_ttl = "2";
  // No grace unless a test is about it: a dropped test socket then makes its agent offline at once,
  // as most tests expect. An --offline-grace in extra_args replaces it.
  std::string offline_grace = "0";
  std::vector<std::string> extra_args;  // more flags, e.g. {"--onboard-fail-limit", "3"}
  std::string hub_id;                   // --hub-id; default: one unique to this test run
  // Whether the start waits for /readyz to say 200 (Redis usable), else only for /healthz: for a
  // hub that cannot use its Redis.
  bool wait_ready = true;
  std::filesystem::path log_path;       // where its stderr goes; default: a temp file
  // --listen 127.0.0.1:0, the port read from its stdout. Otherwise a port found free just before,
  // which another process (of another test run on the machine) may take first.
  bool system_picks_port = true;
  // TLS: the hub serves HTTPS and WSS with this pair, and the readiness probe checks it against
  // ca_file (the CA that signed it).
  std::string tls_cert;
  std::string tls_key;
  std::string ca_file;
};

class HubProcess {
 public:
  // Starts mi-hub and waits until /healthz answers (throws with its log otherwise).
  explicit HubProcess(HubOptions options);
  ~HubProcess();  // SIGKILL if still running
  HubProcess(const HubProcess&) = delete;
  HubProcess& operator=(const HubProcess&) = delete;

  unsigned short port() const { return port_; }
  const std::string& admin_token() const { return options_.admin_token; }
  // Its --hub-id, unique among the hubs of this test run.
  const std::string& hub_id() const { return hub_id_; }
  // The name this process registers under in Redis ("<hub id>#<nonce>", new at every start): the
  // name of its keys in {hubs}.
  const std::string& instance() const { return instance_; }
  std::string url() const {
    return (options_.tls_cert.empty() ? "http://127.0.0.1:" : "https://127.0.0.1:") + std::to_string(port_);
  }
  // SIGHUP: the hub reloads its certificate.
  void send_sighup();
  pid_t pid() const { return pid_; }

  // SIGTERM and wait; the exit status (128+signal when killed), or -1 on timeout.
  int terminate(std::chrono::milliseconds timeout = std::chrono::seconds(15));
  // The two halves of terminate(), for a test that watches its clients in between.
  void send_sigterm();
  int wait_exit(std::chrono::milliseconds timeout = std::chrono::seconds(15));
  // SIGKILL at once, as a crash would.
  void kill();
  bool running();
  std::string log() const;

 private:
  HubOptions options_;
  unsigned short port_ = 0;
  std::string hub_id_;
  std::string instance_;
  pid_t pid_ = -1;
  std::filesystem::path log_path_;
};

// The path of a built program (MI_BIN_DIR of the build).
std::string built_binary(const std::string& name);

}  // namespace mi::test
