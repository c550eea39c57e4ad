#pragma once
// The signature of a webhook delivery (docs/webhooks.md): X-Mi-Signature: t=<unix seconds>,
// v1=<hex HMAC-SHA256(secret, "<t>.<body>")>. The timestamp is signed with the body, so that an
// endpoint can refuse a delivery replayed long after it was made.

#include <cstdint>
#include <string>
#include <string_view>

namespace mi::hub {

// Lowercase hex of HMAC-SHA256(secret, "<unix_seconds>.<body>").
std::string webhook_signature_v1(std::string_view secret, std::int64_t unix_seconds, std::string_view body);

// The whole header value: "t=<unix_seconds>,v1=<hex>".
std::string webhook_signature_header(std::string_view secret, std::int64_t unix_seconds, std::string_view body);

}  // namespace mi::hub
