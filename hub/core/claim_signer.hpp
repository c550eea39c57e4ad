#pragma once
// Stateless signed claims: "<base64url(subject:expires_ms)>.<base64url(HMAC-SHA256)>". Used for
// colony watch tokens (subject: the colony) and the admin panel's session cookie (subject:
// "admin"). The key is derived from the admin token and a purpose, so every hub of one system
// (same admin token) accepts what any of them issued, a token of one purpose is worthless for
// another, and nothing is stored.

#include <cstdint>
#include <string>
#include <string_view>

namespace mi::hub {

class ClaimSigner {
 public:
  ClaimSigner(std::string_view admin_token, std::string_view purpose);

  std::string issue(std::string_view subject, std::int64_t expires_at_ms) const;

  // True when the token was issued for `subject` and has not expired at `now_ms`.
  bool verify(std::string_view token, std::string_view subject, std::int64_t now_ms) const;

 private:
  std::string key_;
};

}  // namespace mi::hub
