#pragma once
// Secrets: random codes and tokens, hashes of what is stored, constant-time comparisons.
// Backed by OpenSSL's libcrypto.

#include <cstddef>
#include <string>
#include <string_view>

namespace mi::hub {

// Uniformly random bytes from the system CSPRNG. Throws only if the CSPRNG is broken.
std::string random_bytes(std::size_t count);

// base64url without padding.
std::string base64url(std::string_view bytes);
std::string base64url_decode(std::string_view text, bool& ok);

// A new invite code: 6 letters A-Z, uniformly random.
std::string random_invite_code();

// A new secret: 32 random bytes, base64url (43 characters).
std::string random_secret();

std::string sha256_hex(std::string_view data);
std::string hmac_sha256(std::string_view key, std::string_view data);  // raw 32 bytes

// Equal without leaking where they differ through timing (lengths may leak).
bool constant_time_equal(std::string_view a, std::string_view b);

}  // namespace mi::hub
