#include "protocol/json_reader.hpp"

#include <cstring>

#include "protocol/json_writer.hpp"

namespace mi::protocol::detail {
namespace {

namespace ondemand = simdjson::ondemand;

bool is_digit(char c) { return c >= '0' && c <= '9'; }

// Advances `at` over a run of digits; false when there is none.
bool skip_digits(std::string_view text, std::size_t& at) {
  const std::size_t start = at;
  while (at < text.size() && is_digit(text[at])) {
    ++at;
  }
  return at > start;
}

simdjson::error_code copy_literal(ondemand::value& value, std::string_view literal,
                                  simdjson::error_code mismatch, std::string* out) {
  if (token_text(value) != literal) {
    return mismatch;
  }
  if (out != nullptr) {
    out->append(literal);
  }
  return simdjson::SUCCESS;
}

simdjson::error_code copy_json_at(ondemand::value value, std::string* out, int depth);

simdjson::error_code copy_object(ondemand::value& value, std::string* out, int depth) {
  ondemand::object object;
  if (auto error = value.get_object().get(object)) {
    return error;
  }
  if (out != nullptr) {
    out->push_back('{');
  }
  bool first = true;
  for (auto field : object) {
    std::string_view key;
    ondemand::value value_of_key;
    if (auto error = field.unescaped_key().get(key)) {
      return error;
    }
    if (auto error = field.value().get(value_of_key)) {
      return error;
    }
    if (out != nullptr) {
      if (!first) {
        out->push_back(',');
      }
      append_json_string(*out, key);
      out->push_back(':');
    }
    first = false;
    if (auto error = copy_json_at(value_of_key, out, depth + 1)) {
      return error;
    }
  }
  if (out != nullptr) {
    out->push_back('}');
  }
  return simdjson::SUCCESS;
}

simdjson::error_code copy_array(ondemand::value& value, std::string* out, int depth) {
  ondemand::array array;
  if (auto error = value.get_array().get(array)) {
    return error;
  }
  if (out != nullptr) {
    out->push_back('[');
  }
  bool first = true;
  for (auto element_result : array) {
    ondemand::value element;
    if (auto error = element_result.get(element)) {
      return error;
    }
    if (out != nullptr && !first) {
      out->push_back(',');
    }
    first = false;
    if (auto error = copy_json_at(element, out, depth + 1)) {
      return error;
    }
  }
  if (out != nullptr) {
    out->push_back(']');
  }
  return simdjson::SUCCESS;
}

simdjson::error_code copy_json_at(ondemand::value value, std::string* out, int depth) {
  ondemand::json_type type;
  if (auto error = value.type().get(type)) {
    return error;
  }
  switch (type) {
    case ondemand::json_type::object:
      return depth > kMaxNesting ? simdjson::DEPTH_ERROR : copy_object(value, out, depth);
    case ondemand::json_type::array:
      return depth > kMaxNesting ? simdjson::DEPTH_ERROR : copy_array(value, out, depth);
    case ondemand::json_type::string: {
      std::string_view text;
      if (auto error = value.get_string().get(text)) {
        return error;
      }
      if (out != nullptr) {
        append_json_string(*out, text);
      }
      return simdjson::SUCCESS;
    }
    case ondemand::json_type::number: {
      const std::string_view number = token_text(value);
      if (!is_json_number(number)) {
        return simdjson::NUMBER_ERROR;
      }
      if (out != nullptr) {
        out->append(number);
      }
      return simdjson::SUCCESS;
    }
    case ondemand::json_type::boolean:
      return token_text(value).front() == 't'
                 ? copy_literal(value, "true", simdjson::T_ATOM_ERROR, out)
                 : copy_literal(value, "false", simdjson::F_ATOM_ERROR, out);
    case ondemand::json_type::null:
      return copy_literal(value, "null", simdjson::N_ATOM_ERROR, out);
  }
  return simdjson::TAPE_ERROR;
}

}  // namespace

simdjson::padded_string_view PaddedBuffer::pad(std::string_view text) {
  const std::size_t needed = text.size() + simdjson::SIMDJSON_PADDING;
  if (storage_.size() < needed) {
    storage_.resize(needed);
  }
  if (!text.empty()) {
    std::memcpy(storage_.data(), text.data(), text.size());
  }
  std::memset(storage_.data() + text.size(), 0, simdjson::SIMDJSON_PADDING);
  return simdjson::padded_string_view(storage_.data(), text.size(), storage_.size());
}

std::string_view token_text(ondemand::value& value) {
  std::string_view token = value.raw_json_token();
  while (!token.empty() && (token.back() == ' ' || token.back() == '\t' ||
                            token.back() == '\n' || token.back() == '\r')) {
    token.remove_suffix(1);
  }
  return token;
}

bool is_json_number(std::string_view token) {
  std::size_t at = 0;
  if (at < token.size() && token[at] == '-') {
    ++at;
  }
  if (at < token.size() && token[at] == '0') {
    ++at;  // a leading zero stands alone: 01 is not a number
  } else if (!skip_digits(token, at)) {
    return false;
  }
  if (at < token.size() && token[at] == '.') {
    ++at;
    if (!skip_digits(token, at)) {
      return false;
    }
  }
  if (at < token.size() && (token[at] == 'e' || token[at] == 'E')) {
    ++at;
    if (at < token.size() && (token[at] == '+' || token[at] == '-')) {
      ++at;
    }
    if (!skip_digits(token, at)) {
      return false;
    }
  }
  return at == token.size();
}

simdjson::error_code copy_json(ondemand::value value, std::string* out) {
  return copy_json_at(value, out, 1);
}

simdjson::error_code read_raw_id(ondemand::value value, std::optional<std::string_view>& raw) {
  raw.reset();
  ondemand::json_type type;
  if (auto error = value.type().get(type)) {
    return error;
  }
  if (type != ondemand::json_type::string && type != ondemand::json_type::number) {
    return validate_json(value);
  }
  const std::string_view token = token_text(value);
  // The token is taken before validate_json consumes the value; only its text is kept.
  if (auto error = validate_json(value)) {
    return error;
  }
  raw = token;
  return simdjson::SUCCESS;
}

bool at_document_end(ondemand::document& document) {
  return document.current_location().error() == simdjson::OUT_OF_BOUNDS;
}

}  // namespace mi::protocol::detail
