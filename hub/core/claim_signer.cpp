#include "hub/core/claim_signer.hpp"

#include <charconv>

#include "hub/core/crypto.hpp"

namespace mi::hub {

ClaimSigner::ClaimSigner(std::string_view admin_token, std::string_view purpose)
    : key_(hmac_sha256(admin_token, "mi signed claims v1: " + std::string(purpose))) {}

std::string ClaimSigner::issue(std::string_view subject, std::int64_t expires_at_ms) const {
  auto claims = std::string(subject) + ":" + std::to_string(expires_at_ms);
  return base64url(claims) + "." + base64url(hmac_sha256(key_, claims));
}

bool ClaimSigner::verify(std::string_view token, std::string_view subject, std::int64_t now_ms) const {
  auto dot = token.find('.');
  if (dot == std::string_view::npos || token.size() > 512) return false;
  bool decoded = false;
  auto claims = base64url_decode(token.substr(0, dot), decoded);
  if (!decoded) return false;
  auto signature = base64url_decode(token.substr(dot + 1), decoded);
  if (!decoded || !constant_time_equal(signature, hmac_sha256(key_, claims))) return false;
  auto colon = claims.rfind(':');
  if (colon == std::string::npos || std::string_view(claims).substr(0, colon) != subject) return false;
  std::int64_t expires_at = 0;
  auto [end, ec] = std::from_chars(claims.data() + colon + 1, claims.data() + claims.size(), expires_at);
  return ec == std::errc{} && end == claims.data() + claims.size() && now_ms < expires_at;
}

}  // namespace mi::hub
