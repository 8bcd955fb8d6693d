// API keys and what each role may do. A key is "pat_<id>_<secret>": the id
// (16 hex digits) is public and names the key in lists and the audit log; the
// whole key is shown once and only its SHA-256 is stored, so a stolen
// database does not yield working keys.
//
// Failure: make_key fails (kStorage) only when OpenSSL has no randomness.
#pragma once

#include <string>
#include <string_view>

#include "app/model.h"
#include "core/error.h"

namespace patron::app {

struct NewKey {
  ApiKey record;       // to store (CreateKey)
  std::string secret;  // the whole key, to show once
};

// A random code of `length` characters from an alphabet without look-alikes
// (A-Z and 2-9 without I, O, 0, 1): referral codes, coupon codes. OpenSSL's
// RAND_bytes; fails (kStorage) only when OpenSSL has no randomness.
Result<std::string> random_code(std::size_t length);

Result<NewKey> make_key(const std::string& program_id, Role role, std::string label, Instant now);

// True when `token` has the shape of a key ("pat_" 16 hex "_" 64 hex):
// anything else is refused without a lookup.
bool looks_like_key(std::string_view token);

// Hex SHA-256 of a presented key; what find_api_key looks up.
std::string hash_key(std::string_view key);

// What a request may do. Each HTTP route names one permission; docs/api.md
// lists the table, and a test walks every route with every role.
enum class Permission {
  kMembersRead,    // GET members, wallets, ledger, lots
  kMembersWrite,   // PUT members, wallet grants, refunds (clawback, restore)
  kCheckoutQuote,  // POST /v1/checkout/quote
  kHolds,          // reserve, capture, release
  kCoupons,        // create coupon batches (audited)
  kAdjust,         // manual adjustments (audited)
  kJobsRun,        // run a job now
  kJobsRead,       // job runs
  kKeys,           // create, list, revoke keys (audited)
  kAudit,          // read the audit log
  kProgramRead,    // GET the program
  kProgramWrite,   // PUT a new program version, validate a configuration (audited)
  kAnalytics,      // GET /v1/analytics/... (KPIs, RFM, CLV, liability, uplift, ...)
  kWebhooks,       // register, change and replay webhook endpoints, read deliveries (audited)
  kEventsRead,     // GET /v1/events: the outbox
  kCartsWrite,     // POST /v1/carts: cart events for abandoned cart reminders
  kProductsWrite,  // POST /v1/products: announce a new product (audited)
};

bool allows(Role role, Permission permission);
std::string_view to_string(Permission permission);

}  // namespace patron::app
