// The generator's TLS pieces without a connection: the flags, one context per process as asked
// (verifying or not, keeping sessions or not), and the slot that keeps an agent's newest session.
#include <catch2/catch.hpp>

#include <string>
#include <vector>

#include <openssl/ssl.h>

#include "bench/loadgen/config.hpp"
#include "bench/loadgen/tls_client.hpp"

using namespace mi::bench;

namespace {

Config parse(std::vector<std::string> args) {
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  return parse_config(static_cast<int>(argv.size()), argv.data());
}

}  // namespace

TEST_CASE("--tls, --ca-file and --tls-resume are read for the agents") {
  auto plain = parse({"mi-loadgen", "agents", "--hub", "127.0.0.1:1"});
  CHECK_FALSE(plain.tls);
  CHECK(plain.ca_file.empty());
  CHECK_FALSE(plain.tls_resume);
  auto tls = parse({"mi-loadgen", "agents", "--hub", "127.0.0.1:1", "--tls", "--ca-file", "/x/ca.pem", "--tls-resume"});
  CHECK(tls.tls);
  CHECK(tls.ca_file == "/x/ca.pem");
  CHECK(tls.tls_resume);
}

TEST_CASE("a client context verifies only with a CA, and keeps sessions only when asked") {
  tls::ClientContext bare({});
  CHECK_FALSE(bare.verifies());
  CHECK_FALSE(bare.resumes());
  CHECK(SSL_CTX_get_verify_mode(bare.native()) == SSL_VERIFY_NONE);
  CHECK(SSL_CTX_get_session_cache_mode(bare.native()) == SSL_SESS_CACHE_OFF);
  CHECK(SSL_CTX_get_min_proto_version(bare.native()) == TLS1_2_VERSION);
  CHECK((SSL_CTX_get_mode(bare.native()) & SSL_MODE_RELEASE_BUFFERS) != 0);

  tls::ClientContext resuming({"", true});
  CHECK(resuming.resumes());
  CHECK((SSL_CTX_get_session_cache_mode(resuming.native()) & SSL_SESS_CACHE_CLIENT) != 0);
  CHECK((SSL_CTX_get_session_cache_mode(resuming.native()) & SSL_SESS_CACHE_NO_INTERNAL_STORE) != 0);
}

TEST_CASE("a CA file that cannot be read is an error that names it") {
  try {
    tls::ClientContext context({"/nonexistent/ca.pem", false});
    FAIL("no error");
  } catch (const std::runtime_error& e) {
    CHECK(std::string(e.what()).find("cannot read CA file /nonexistent/ca.pem") == 0);
  }
  CHECK(tls::take_errors().empty());  // the queue was emptied into the message
}

TEST_CASE("a session slot keeps the newest session and frees the one before") {
  tls::SessionSlot slot;
  CHECK(slot.get() == nullptr);
  SSL_SESSION* first = SSL_SESSION_new();
  SSL_SESSION* second = SSL_SESSION_new();
  SSL_SESSION_up_ref(first);  // the test's own reference, to see the slot drop its one
  slot.keep(first);
  CHECK(slot.get() == first);
  slot.keep(second);
  CHECK(slot.get() == second);
  CHECK(slot.kept() == 2);
  SSL_SESSION_free(first);  // the last reference: no leak under the sanitizers
}
