#pragma once
// What the fuzz targets share: cutting an input into the reads a socket would deliver, a check
// that crashes (so that libFuzzer keeps the input), and a plain UTF-8 validator to compare the
// parsers' verdicts with.

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string_view>

// Aborts with the condition and its place when `condition` is false: libFuzzer reports the input.
#define MI_FUZZ_CHECK(condition)                                                            \
  do {                                                                                      \
    if (!(condition)) {                                                                     \
      std::fprintf(stderr, "%s:%d: check failed: %s\n", __FILE__, __LINE__, #condition);    \
      std::abort();                                                                         \
    }                                                                                       \
  } while (0)

namespace mi::fuzz {

// Cuts `data` into the reads a socket might deliver, chosen by the input itself: each read is
// one byte giving its length (0: everything that is left) followed by that many bytes; a length
// past the end takes what is left. An input written as 0x00 followed by the bytes is one read.
template <class OnRead>
void for_each_read(const std::uint8_t* data, std::size_t size, OnRead on_read) {
  std::size_t at = 0;
  while (at < size) {
    std::size_t length = data[at++];
    if (length == 0 || length > size - at) length = size - at;
    if (length == 0) return;
    on_read(std::string_view(reinterpret_cast<const char*>(data + at), length));
    at += length;
  }
}

// RFC 3629 UTF-8: no overlong forms, no surrogates, nothing past U+10FFFF.
inline bool is_utf8(std::string_view text) {
  std::size_t i = 0;
  while (i < text.size()) {
    auto c = static_cast<unsigned char>(text[i]);
    std::size_t extra = 0;
    std::uint32_t code = 0;
    if (c < 0x80) {
      ++i;
      continue;
    } else if (c >= 0xC2 && c <= 0xDF) {
      extra = 1;
      code = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      extra = 2;
      code = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      extra = 3;
      code = c & 0x07;
    } else {
      return false;
    }
    if (text.size() - i <= extra) return false;
    for (std::size_t k = 1; k <= extra; ++k) {
      auto next = static_cast<unsigned char>(text[i + k]);
      if ((next & 0xC0) != 0x80) return false;
      code = (code << 6) | (next & 0x3F);
    }
    if ((extra == 2 && code < 0x800) || (extra == 3 && code < 0x10000)) return false;
    if (code > 0x10FFFF || (code >= 0xD800 && code <= 0xDFFF)) return false;
    i += extra + 1;
  }
  return true;
}

}  // namespace mi::fuzz
