#include "hub/core/webhook_signature.hpp"

#include "hub/core/crypto.hpp"

namespace mi::hub {

namespace {
std::string lower_hex(std::string_view bytes) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char byte : bytes) {
    out += kDigits[byte >> 4];
    out += kDigits[byte & 0x0f];
  }
  return out;
}
}  // namespace

std::string webhook_signature_v1(std::string_view secret, std::int64_t unix_seconds, std::string_view body) {
  std::string signed_text = std::to_string(unix_seconds);
  signed_text += '.';
  signed_text += body;
  return lower_hex(hmac_sha256(secret, signed_text));
}

std::string webhook_signature_header(std::string_view secret, std::int64_t unix_seconds, std::string_view body) {
  return "t=" + std::to_string(unix_seconds) + ",v1=" + webhook_signature_v1(secret, unix_seconds, body);
}

}  // namespace mi::hub
