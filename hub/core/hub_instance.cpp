#include "hub/core/hub_instance.hpp"

#include "hub/core/crypto.hpp"

namespace mi::hub {

std::string make_hub_instance(std::string_view hub_id, std::string_view nonce) {
  std::string instance(hub_id);
  instance += kInstanceSeparator;
  instance += nonce;
  return instance;
}

std::string new_hub_instance(std::string_view hub_id) {
  // 9 bytes are 12 base64url characters: the nonce's fixed length.
  static_assert(kInstanceNonceLength == 12);
  return make_hub_instance(hub_id, base64url(random_bytes(9)));
}

std::string_view hub_id_of_instance(std::string_view instance) {
  constexpr std::size_t kSuffix = kInstanceNonceLength + 1;
  if (instance.size() <= kSuffix || instance[instance.size() - kSuffix] != kInstanceSeparator) return {};
  return instance.substr(0, instance.size() - kSuffix);
}

}  // namespace mi::hub
