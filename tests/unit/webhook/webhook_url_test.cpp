// --webhook-url read into what a POST needs: scheme, host, port, target and Host header.
#include <catch2/catch.hpp>

#include "hub/webhook/webhook_client.hpp"

using mi::hub::WebhookUrl;

TEST_CASE("a webhook URL gives the host, the port (or the scheme's) and the target") {
  auto plain = WebhookUrl::parse("http://hooks.example.com/in/mi?x=1");
  REQUIRE(plain);
  CHECK_FALSE(plain->tls);
  CHECK(plain->host == "hooks.example.com");
  CHECK(plain->port == "80");
  CHECK(plain->target == "/in/mi?x=1");
  CHECK(plain->host_header == "hooks.example.com");

  auto tls = WebhookUrl::parse("https://127.0.0.1:8443");
  REQUIRE(tls);
  CHECK(tls->tls);
  CHECK(tls->host == "127.0.0.1");
  CHECK(tls->port == "8443");
  CHECK(tls->target == "/");
  CHECK(tls->host_header == "127.0.0.1:8443");

  auto query_only = WebhookUrl::parse("https://example.com?token=a");
  REQUIRE(query_only);
  CHECK(query_only->port == "443");
  CHECK(query_only->target == "/?token=a");
}

TEST_CASE("a webhook URL with an IPv6 address or credentials") {
  auto v6 = WebhookUrl::parse("http://[::1]:9000/h");
  REQUIRE(v6);
  CHECK(v6->host == "::1");
  CHECK(v6->port == "9000");
  CHECK(v6->host_header == "[::1]:9000");
  auto v6_default = WebhookUrl::parse("https://[::1]/h");
  REQUIRE(v6_default);
  CHECK(v6_default->port == "443");
  // Credentials in the URL are not sent as a Host.
  auto with_user = WebhookUrl::parse("https://user:pw@example.com/h");
  REQUIRE(with_user);
  CHECK(with_user->host == "example.com");
  CHECK(with_user->host_header == "example.com");
}

TEST_CASE("a webhook URL without a host or of another scheme is refused") {
  CHECK_FALSE(WebhookUrl::parse("ftp://example.com/"));
  CHECK_FALSE(WebhookUrl::parse("http:///path"));
  CHECK_FALSE(WebhookUrl::parse("https://"));
  CHECK_FALSE(WebhookUrl::parse("http://[::1/h"));
}
