// Checks on text that users send and patron stores and prints back: ids,
// names, SKUs. Stored JSON must parse again, so text must be valid UTF-8.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "core/error.h"

namespace patron {

// Visible ASCII only (0x21-0x7e): no spaces, no control characters, no
// bytes of UTF-8 sequences. Header values, URLs, secrets.
bool printable_ascii(std::string_view text);

// Lowercase hex of `size` bytes ("00ff..."): hashes, MACs, random ids.
std::string lower_hex(const unsigned char* data, std::size_t size);

// Well-formed UTF-8 (RFC 3629: no overlongs, no surrogates, at most U+10FFFF).
bool valid_utf8(std::string_view text);

// A short text field: at most `max_bytes`, valid UTF-8, no control
// characters; `required`: not empty. Fails with kInvalidArgument naming `field`.
Result<void> check_text(std::string_view value, std::string_view field, bool required,
                        std::size_t max_bytes);

}  // namespace patron
