#include "core/text.h"

namespace patron {

bool printable_ascii(std::string_view text) {
  for (unsigned char c : text) {
    if (c < 0x21 || c > 0x7e) return false;
  }
  return true;
}

std::string lower_hex(const unsigned char* data, std::size_t size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(size * 2);
  for (std::size_t i = 0; i < size; ++i) {
    out.push_back(kDigits[data[i] >> 4]);
    out.push_back(kDigits[data[i] & 0x0f]);
  }
  return out;
}

bool valid_utf8(std::string_view text) {
  const auto* p = reinterpret_cast<const unsigned char*>(text.data());
  const auto* end = p + text.size();
  while (p < end) {
    unsigned char c = *p;
    if (c < 0x80) {
      ++p;
      continue;
    }
    std::size_t n = 0;
    unsigned lo = 0x80, hi = 0xBF;  // allowed range of the second byte
    if (c >= 0xC2 && c <= 0xDF) {
      n = 1;
    } else if (c >= 0xE0 && c <= 0xEF) {
      n = 2;
      if (c == 0xE0) lo = 0xA0;  // no overlongs
      if (c == 0xED) hi = 0x9F;  // no surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
      n = 3;
      if (c == 0xF0) lo = 0x90;
      if (c == 0xF4) hi = 0x8F;  // at most U+10FFFF
    } else {
      return false;
    }
    if (static_cast<std::size_t>(end - p) <= n) return false;
    if (p[1] < lo || p[1] > hi) return false;
    for (std::size_t i = 2; i <= n; ++i) {
      if ((p[i] & 0xC0) != 0x80) return false;
    }
    p += n + 1;
  }
  return true;
}

Result<void> check_text(std::string_view value, std::string_view field, bool required,
                        std::size_t max_bytes) {
  if (value.empty()) {
    if (required) return fail(ErrorCode::kInvalidArgument, std::string(field), "is required");
    return {};
  }
  if (value.size() > max_bytes) {
    return fail(ErrorCode::kInvalidArgument, std::string(field),
                "is longer than " + std::to_string(max_bytes) + " bytes");
  }
  for (unsigned char ch : value) {
    if (ch < 0x20 || ch == 0x7f) {
      return fail(ErrorCode::kInvalidArgument, std::string(field), "contains a control character");
    }
  }
  if (!valid_utf8(value))
    return fail(ErrorCode::kInvalidArgument, std::string(field), "is not valid UTF-8");
  return {};
}

}  // namespace patron
