#include <catch2/catch.hpp>

#include <cstdint>
#include <string>

#include "hub/core/claim_signer.hpp"
#include "hub/core/crypto.hpp"

using mi::hub::ClaimSigner;

TEST_CASE("a signed claim verifies for its subject until it expires", "[claims]") {
  ClaimSigner signer("admin-token", "colony watch token");
  auto token = signer.issue("c1", 2'000);
  CHECK(signer.verify(token, "c1", 1'999));
  CHECK_FALSE(signer.verify(token, "c1", 2'000));
  CHECK_FALSE(signer.verify(token, "c2", 1'000));
  CHECK_FALSE(signer.verify(token, "c", 1'000));
}

TEST_CASE("a claim is worthless with another key, another purpose or any change", "[claims]") {
  ClaimSigner signer("admin-token", "colony watch token");
  auto token = signer.issue("c1", 2'000);
  CHECK_FALSE(ClaimSigner("other-token", "colony watch token").verify(token, "c1", 1'000));
  CHECK_FALSE(ClaimSigner("admin-token", "admin session cookie").verify(token, "c1", 1'000));
  auto tampered = token;
  tampered[tampered.size() - 2] = tampered[tampered.size() - 2] == 'A' ? 'B' : 'A';
  CHECK_FALSE(signer.verify(tampered, "c1", 1'000));
  CHECK_FALSE(signer.verify("", "c1", 1'000));
  CHECK_FALSE(signer.verify("no-dot", "c1", 1'000));
  CHECK_FALSE(signer.verify("!!!.???", "c1", 1'000));
}

TEST_CASE("a watch token is good for its whole lifetime and not one millisecond more", "[claims]") {
  // As the watch-token endpoint issues them: expiring a lifetime after the time of issue.
  ClaimSigner signer("admin-token", "colony watch token");
  const std::int64_t issued_at = 1'760'000'000'000;
  const std::int64_t lifetime = 1'000;
  auto token = signer.issue("c1", issued_at + lifetime);
  CHECK(signer.verify(token, "c1", issued_at));
  CHECK(signer.verify(token, "c1", issued_at + lifetime - 1));
  CHECK_FALSE(signer.verify(token, "c1", issued_at + lifetime));
  CHECK_FALSE(signer.verify(token, "c1", issued_at + lifetime + 1));
  CHECK_FALSE(signer.verify(token, "c1", issued_at + 3'600'000));
  // A token that had expired when it was issued is never good.
  auto stillborn = signer.issue("c1", issued_at);
  CHECK_FALSE(signer.verify(stillborn, "c1", issued_at));
}

TEST_CASE("a claim names one subject exactly, even a subject with a colon in it", "[claims]") {
  ClaimSigner signer("admin-token", "colony watch token");
  auto token = signer.issue("c1", 2'000);
  CHECK_FALSE(signer.verify(token, "c1 ", 1'000));
  CHECK_FALSE(signer.verify(token, "C1", 1'000));
  CHECK_FALSE(signer.verify(token, "", 1'000));
  auto colon = signer.issue("a:b", 2'000);
  CHECK(signer.verify(colon, "a:b", 1'000));
  CHECK_FALSE(signer.verify(colon, "a", 1'000));
  // What follows the last colon is the expiry: a subject that ends in ":<digits>" does not
  // make a token for a shorter subject with another expiry.
  auto posing = signer.issue("c1:9999999999999", 2'000);
  CHECK_FALSE(signer.verify(posing, "c1", 5'000));
  CHECK(signer.verify(posing, "c1:9999999999999", 1'000));
}

TEST_CASE("the expiry cannot be moved without the key", "[claims]") {
  ClaimSigner signer("admin-token", "colony watch token");
  auto token = signer.issue("c1", 2'000);
  auto dot = token.find('.');
  REQUIRE(dot != std::string::npos);
  auto signature = token.substr(dot + 1);
  // The claims of a later expiry with the signature of the earlier one.
  CHECK_FALSE(signer.verify(mi::hub::base64url("c1:9000") + "." + signature, "c1", 1'000));
  // A signature of the right claims under another purpose's key.
  auto cookie = ClaimSigner("admin-token", "admin session cookie").issue("c1", 2'000);
  CHECK_FALSE(signer.verify(token.substr(0, dot) + cookie.substr(cookie.find('.')), "c1", 1'000));
  // The signature cut short, or grown.
  CHECK_FALSE(signer.verify(token.substr(0, token.size() - 1), "c1", 1'000));
  CHECK_FALSE(signer.verify(token + "A", "c1", 1'000));
}

TEST_CASE("malformed tokens are refused, never thrown on", "[claims]") {
  ClaimSigner signer("admin-token", "colony watch token");
  auto token = signer.issue("c1", 2'000);
  auto dot = token.find('.');
  for (std::string malformed : {std::string("."), std::string(".."), token.substr(0, dot + 1), token.substr(dot),
                                token.substr(0, dot) + ".." + token.substr(dot + 1), " " + token, token + " ",
                                token.substr(0, dot) + "=" + token.substr(dot), std::string(600, 'A') + token,
                                std::string("\0", 1) + token}) {
    INFO("token: " << malformed);
    CHECK_FALSE(signer.verify(malformed, "c1", 1'000));
  }
  // A well-formed token a little under the length limit is still read.
  auto long_subject = std::string(300, 's');
  CHECK(signer.verify(signer.issue(long_subject, 2'000), long_subject, 1'000));
}
