#include <catch2/catch.hpp>

#include "hub/core/claim_signer.hpp"

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
