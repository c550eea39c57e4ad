#include "hub/redis/script_set.hpp"

#include <array>
#include <stdexcept>

#include <openssl/evp.h>

namespace mi::redis {
namespace {

constexpr std::string_view prelude_name = "prelude";

// Lower-case hex SHA1, the form Redis uses for EVALSHA and SCRIPT LOAD replies.
std::string sha1_hex(std::string_view text) {
  std::array<unsigned char, EVP_MAX_MD_SIZE> digest{};
  unsigned int digest_size = 0;
  if (EVP_Digest(text.data(), text.size(), digest.data(), &digest_size, EVP_sha1(), nullptr) != 1)
    throw std::runtime_error("SHA1 of a Lua script failed (OpenSSL EVP_Digest)");
  static constexpr char hex[] = "0123456789abcdef";
  std::string out;
  out.reserve(digest_size * 2);
  for (unsigned int i = 0; i < digest_size; ++i) {
    out.push_back(hex[digest[i] >> 4]);
    out.push_back(hex[digest[i] & 0x0f]);
  }
  return out;
}

}  // namespace

std::string with_constants(std::string_view prelude, const std::vector<ScriptConstant>& constants) {
  std::string text(prelude);
  for (const auto& constant : constants) {
    const std::string declaration = "local " + constant.name + " = ";
    auto at = text.find(declaration);
    // Only a declaration at the start of a line: not a mention in a comment.
    while (at != std::string::npos && at != 0 && text[at - 1] != '\n') at = text.find(declaration, at + 1);
    if (at == std::string::npos) {
      throw std::invalid_argument("the Lua prelude has no line \"" + declaration + "<number>\"");
    }
    const auto number = at + declaration.size();
    const auto end = text.find_first_not_of("0123456789", number);
    text.replace(number, (end == std::string::npos ? text.size() : end) - number, std::to_string(constant.value));
  }
  return text;
}

ScriptSet::ScriptSet(const std::vector<EmbeddedScript>& sources, const std::vector<ScriptConstant>& constants) {
  std::string prelude;
  for (const auto& source : sources)
    if (source.name == prelude_name) prelude = with_constants(source.text, constants);

  for (const auto& source : sources) {
    if (source.name == prelude_name) continue;
    Script script;
    script.name = std::string(source.name);
    if (prelude.empty()) {
      script.text = std::string(source.text);
    } else {
      script.text.reserve(prelude.size() + 1 + source.text.size());
      script.text.append(prelude).append("\n").append(source.text);
    }
    script.sha1 = sha1_hex(script.text);
    scripts_.insert_or_assign(script.name, std::move(script));
  }
}

const Script* ScriptSet::find(std::string_view name) const {
  const auto it = scripts_.find(name);
  return it == scripts_.end() ? nullptr : &it->second;
}

const ScriptSet& builtin_scripts() {
  static const ScriptSet scripts(embedded_scripts());
  return scripts;
}

}  // namespace mi::redis
