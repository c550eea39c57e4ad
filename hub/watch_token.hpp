#pragma once
// Colony watch tokens: "<base64url(colony:expires_ms)>.<base64url(HMAC-SHA256)>". Signed with a
// key derived from the admin token, so every hub of one system (same admin token) accepts the
// tokens any of them issued, and no state is stored.

#include <cstdint>
#include <string>
#include <string_view>

namespace mi::hub {

class WatchTokenSigner {
 public:
  explicit WatchTokenSigner(std::string_view admin_token);

  std::string issue(std::string_view colony, std::int64_t expires_at_ms) const;

  // True when the token was issued for `colony` and has not expired at `now_ms`.
  bool verify(std::string_view token, std::string_view colony, std::int64_t now_ms) const;

 private:
  std::string key_;
};

}  // namespace mi::hub
