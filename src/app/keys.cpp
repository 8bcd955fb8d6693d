#include "app/keys.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

#include <array>

#include "core/text.h"

namespace patron::app {

namespace {

Result<std::string> random_hex(std::size_t bytes) {
  std::array<unsigned char, 64> buffer{};
  if (bytes > buffer.size() || RAND_bytes(buffer.data(), static_cast<int>(bytes)) != 1) {
    return fail(ErrorCode::kStorage, "", "no randomness available from OpenSSL");
  }
  return lower_hex(buffer.data(), bytes);
}

}  // namespace

Result<std::string> random_code(std::size_t length) {
  static constexpr char kAlphabet[] = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";
  static_assert(sizeof kAlphabet - 1 == 32);  // 256 is a multiple of 32: no modulo bias
  std::array<unsigned char, 64> buffer{};
  if (length > buffer.size() || RAND_bytes(buffer.data(), static_cast<int>(length)) != 1) {
    return fail(ErrorCode::kStorage, "", "no randomness available from OpenSSL");
  }
  std::string out;
  for (std::size_t i = 0; i < length; ++i) out.push_back(kAlphabet[buffer[i] & 31]);
  return out;
}

Result<NewKey> make_key(const std::string& program_id, Role role, std::string label, Instant now) {
  auto id = random_hex(8);
  if (!id) return std::unexpected(id.error());
  // 256 bits: guessing is out of reach, so one unsalted hash is enough.
  auto secret = random_hex(32);
  if (!secret) return std::unexpected(secret.error());
  NewKey out;
  out.secret = "pat_" + *id + "_" + *secret;
  out.record.id = "key_" + *id;
  out.record.program_id = program_id;
  out.record.role = role;
  out.record.secret_hash = hash_key(out.secret);
  out.record.label = std::move(label);
  out.record.created_at = now;
  return out;
}

bool looks_like_key(std::string_view t) {
  auto hex_run = [&](std::size_t from, std::size_t n) {
    for (std::size_t i = from; i < from + n; ++i) {
      char c = t[i];
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    }
    return true;
  };
  return t.size() == 4 + 16 + 1 + 64 && t.substr(0, 4) == "pat_" && hex_run(4, 16) &&
         t[20] == '_' && hex_run(21, 64);
}

std::string hash_key(std::string_view key) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(key.data(), key.size(), digest, &size, EVP_sha256(), nullptr);
  return lower_hex(digest, size);
}

bool allows(Role role, Permission p) {
  switch (role) {
    case Role::kAdmin:
      return true;
    case Role::kIntegration:
      // The shop's backend: members, wallets, checkout; not keys, audit or adjustments.
      return p == Permission::kMembersRead || p == Permission::kMembersWrite ||
             p == Permission::kCheckoutQuote || p == Permission::kHolds ||
             p == Permission::kCoupons || p == Permission::kProgramRead ||
             p == Permission::kEventsRead || p == Permission::kCartsWrite ||
             p == Permission::kProductsWrite;
    case Role::kStorefront:
      // Ships to browsers and apps: may look, quote, nothing that moves value.
      return p == Permission::kMembersRead || p == Permission::kCheckoutQuote ||
             p == Permission::kProgramRead;
    case Role::kAnalyst:
      // Reads everything about the program except keys; changes nothing.
      return p == Permission::kMembersRead || p == Permission::kJobsRead ||
             p == Permission::kAudit || p == Permission::kProgramRead ||
             p == Permission::kAnalytics || p == Permission::kEventsRead;
  }
  return false;
}

std::string_view to_string(Permission p) {
  switch (p) {
    case Permission::kMembersRead:
      return "members:read";
    case Permission::kMembersWrite:
      return "members:write";
    case Permission::kCheckoutQuote:
      return "checkout:quote";
    case Permission::kHolds:
      return "holds";
    case Permission::kCoupons:
      return "coupons";
    case Permission::kAdjust:
      return "adjust";
    case Permission::kJobsRun:
      return "jobs:run";
    case Permission::kJobsRead:
      return "jobs:read";
    case Permission::kKeys:
      return "keys";
    case Permission::kAudit:
      return "audit";
    case Permission::kProgramRead:
      return "program:read";
    case Permission::kProgramWrite:
      return "program:write";
    case Permission::kAnalytics:
      return "analytics";
    case Permission::kWebhooks:
      return "webhooks";
    case Permission::kEventsRead:
      return "events:read";
    case Permission::kCartsWrite:
      return "carts:write";
    case Permission::kProductsWrite:
      return "products:write";
  }
  return "unknown";
}

}  // namespace patron::app
