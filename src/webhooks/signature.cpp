#include "webhooks/signature.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <charconv>
#include <vector>

#include "core/text.h"

namespace patron::webhooks {

namespace {

constexpr std::string_view kHeader = "Patron-Signature";
// A real header is ~80 bytes; a few rotated secrets stay far below this. The
// bound keeps a hostile header from costing more than a few comparisons.
constexpr std::size_t kMaxHeaderBytes = 4096;

// Lowercase hex HMAC-SHA256(secret, "<t>.<body>").
std::string digest(std::string_view secret, int64_t unix_seconds, std::string_view body) {
  std::string message = std::to_string(unix_seconds);
  message.push_back('.');
  message.append(body);
  unsigned char mac[EVP_MAX_MD_SIZE];
  unsigned int mac_size = 0;
  // OpenSSL treats a null key as "no key given"; an empty secret is still a key.
  static constexpr char kEmpty[1] = {0};
  const void* key = secret.empty() ? kEmpty : secret.data();
  const unsigned char* out =
      HMAC(EVP_sha256(), key, static_cast<int>(secret.size()),
           reinterpret_cast<const unsigned char*>(message.data()), message.size(), mac, &mac_size);
  if (out == nullptr) return {};  // no SHA-256 in this OpenSSL: nothing will verify
  return lower_hex(mac, mac_size);
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::unexpected<Error> malformed(std::string message) {
  return fail(ErrorCode::kInvalidArgument, std::string(kHeader), "malformed header: " + message);
}

}  // namespace

std::string sign(std::string_view secret, int64_t unix_seconds, std::string_view body) {
  return "t=" + std::to_string(unix_seconds) + ",v1=" + digest(secret, unix_seconds, body);
}

Result<void> verify(std::string_view header, std::string_view secret, std::string_view body,
                    int64_t now_unix_seconds, int64_t tolerance_seconds) {
  if (tolerance_seconds < 0) {
    return fail(ErrorCode::kInvalidArgument, "tolerance_seconds", "must not be negative");
  }
  if (header.size() > kMaxHeaderBytes) return malformed("longer than 4096 bytes");
  std::string_view timestamp;
  bool has_timestamp = false;
  std::vector<std::string_view> candidates;
  while (!header.empty()) {
    std::size_t comma = header.find(',');
    std::string_view item = trim(header.substr(0, comma));
    header = comma == std::string_view::npos ? std::string_view{} : header.substr(comma + 1);
    std::size_t eq = item.find('=');
    if (eq == std::string_view::npos) return malformed("entry without '='");
    std::string_view key = item.substr(0, eq);
    std::string_view value = item.substr(eq + 1);
    if (key == "t") {
      if (has_timestamp) return malformed("more than one t");
      has_timestamp = true;
      timestamp = value;
    } else if (key == "v1") {
      candidates.push_back(value);
    }
  }
  if (!has_timestamp) return malformed("no t");
  int64_t t = 0;
  auto [end, ec] = std::from_chars(timestamp.data(), timestamp.data() + timestamp.size(), t);
  if (timestamp.empty() || timestamp.front() == '-' || ec != std::errc{} ||
      end != timestamp.data() + timestamp.size()) {
    return malformed("t is not a unix time in seconds");
  }
  if (candidates.empty()) return malformed("no v1");
  // |now - t| without overflow: unsigned subtraction of the larger minus the smaller.
  uint64_t skew = now_unix_seconds >= t
                      ? static_cast<uint64_t>(now_unix_seconds) - static_cast<uint64_t>(t)
                      : static_cast<uint64_t>(t) - static_cast<uint64_t>(now_unix_seconds);
  if (skew > static_cast<uint64_t>(tolerance_seconds)) {
    return fail(ErrorCode::kInvalidArgument, std::string(kHeader),
                "timestamp outside tolerance: " + std::to_string(t) + " is more than " +
                    std::to_string(tolerance_seconds) + " s from " +
                    std::to_string(now_unix_seconds));
  }
  std::string expected = digest(secret, t, body);
  bool match = false;
  for (std::string_view candidate : candidates) {
    // The length is public (always 64); only the content is compared in constant time.
    if (!expected.empty() && candidate.size() == expected.size() &&
        CRYPTO_memcmp(candidate.data(), expected.data(), expected.size()) == 0) {
      match = true;
    }
  }
  if (!match)
    return fail(ErrorCode::kInvalidArgument, std::string(kHeader), "no matching signature");
  return {};
}

}  // namespace patron::webhooks
