// Records the app keeps around the ledger: programs, their wallets, members,
// idempotency records. Plain values shared by the app and every store.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "checkout/coupons.h"
#include "core/time.h"
#include "ledger/policy.h"
#include "rules/order.h"
#include "rules/rules.h"

namespace patron::app {

inline constexpr const char* kDefaultProgram = "default";

// A wallet's stored configuration is its ledger policy; `zone` stays null in
// storage and is filled in when the program is resolved (app/programs.h).
using WalletConfig = ledger::WalletPolicy;

struct Program {
  std::string id;
  std::string currency = "TWD";
  int minor_digits = 0;
  std::string time_zone = "Asia/Taipei";
  std::vector<WalletConfig> wallets;
  rules::Rules rules;   // earn rules, member days (docs/config.md)
  int64_t version = 1;  // 1 when created; +1 per applied configuration
  friend bool operator==(const Program&, const Program&) = default;
};

// One applied configuration of a program, kept forever (append-only).
struct ProgramVersion {
  std::string program_id;
  int64_t version = 0;
  std::string config;  // the TOML as applied
  Instant applied_at{};
  std::string actor;  // key id, or "cli"
  friend bool operator==(const ProgramVersion&, const ProgramVersion&) = default;
};

// The program every new database starts with: TWD, 0 minor digits, Asia/Taipei,
// wallets credit and points with Taiwan defaults.
Program default_program();

struct Member {
  std::string program_id;
  std::string id;  // the shop's customer id
  std::optional<std::chrono::year_month_day> birthday;
  std::string email;
  std::string phone;
  Instant created_at{};
  Instant updated_at{};
  rules::TierState tier;  // the base level until tiers are configured and reached
  // The member's own code to refer others: 8 of A-Z and 2-9 without the
  // look-alikes (no 0/O, 1/I); unique in the program. Set at creation.
  std::string referral_code;
  std::string referred_by;  // the referrer's member id; empty when not referred
  // Messages (rules/messages.h): how they greet the member (empty: a
  // greeting word), in which language ("zh-TW" or "en"; empty: the
  // program's), and the channels the member agreed to receive marketing on
  // (a subset of email, sms, line, push, in that order).
  std::string name;
  std::string locale;
  std::vector<std::string> consent;
  // Segments the shop assigns (campaign targets): sorted, distinct, each 1
  // to 32 bytes of UTF-8 without commas or control characters.
  std::vector<std::string> tags;
  friend bool operator==(const Member&, const Member&) = default;
};

// A referral (推薦): one per referee, made when the referee names a
// referrer's code. It waits (pending) until the referee's first order
// settles (completed, or its return window passed), then both get their
// rewards (rewarded), or it is held for a person to approve or reject
// (review) when a fraud check fired.
struct Referral {
  std::string program_id;
  std::string referee_id;
  std::string referrer_id;
  std::string code;                  // the code the referee used
  std::string state = "pending";     // pending | review | rewarded | rejected
  std::string order_id;              // the qualifying order, once qualified
  std::vector<std::string> reasons;  // review: same_email, same_phone, referrer_limit_month, ...
  Instant created_at{};
  std::optional<Instant> qualified_at;  // when the order settled and the checks ran
  std::optional<Instant> decided_at;    // rewarded or rejected
  std::string decided_by;               // "auto", a key id, or "cli"
  std::string note;                     // the reviewer's reason
  friend bool operator==(const Referral&, const Referral&) = default;
};

struct IdempotencyRecord {
  std::string key;
  std::string request_hash;  // SHA-256 hex of the canonical request
  std::string response;      // the first response, JSON
  Instant created_at{};
  friend bool operator==(const IdempotencyRecord&, const IdempotencyRecord&) = default;
};

// The highest id of each kind in use; the writer continues from these.
struct IdHighWater {
  int64_t lot = 0;
  int64_t hold = 0;
  int64_t redemption = 0;
  int64_t journal = 0;
  int64_t transfer = 0;
};

// Who an API key lets in; the permission table is in app/keys.h and docs/api.md.
enum class Role { kAdmin, kIntegration, kStorefront, kAnalyst };

// The stored and wire names of roles: "admin", "integration", "storefront", "analyst".
inline std::string_view to_string(Role role) {
  switch (role) {
    case Role::kAdmin:
      return "admin";
    case Role::kIntegration:
      return "integration";
    case Role::kStorefront:
      return "storefront";
    case Role::kAnalyst:
      return "analyst";
  }
  return "unknown";
}

inline std::optional<Role> parse_role(std::string_view text) {
  if (text == "admin") return Role::kAdmin;
  if (text == "integration") return Role::kIntegration;
  if (text == "storefront") return Role::kStorefront;
  if (text == "analyst") return Role::kAnalyst;
  return std::nullopt;
}

// An API key as stored: the secret itself is never stored, only its hash.
struct ApiKey {
  std::string id;  // public id ("key_" + 16 hex), shown in lists and the audit log
  std::string program_id;
  Role role = Role::kAnalyst;
  std::string secret_hash;  // hex SHA-256 of the whole key
  std::string label;
  Instant created_at{};
  std::optional<Instant> revoked_at;
  friend bool operator==(const ApiKey&, const ApiKey&) = default;
};

// One admin change: who did what to which record. Append-only.
struct AuditEntry {
  int64_t id = 0;  // assigned by the store, increasing
  std::string program_id;
  std::string actor;   // key id, or "cli"
  std::string action;  // "key.create", "key.revoke", "wallet.adjust", ...
  std::string target;  // the member id, key id, ...
  std::string detail;  // JSON object
  Instant at{};
  friend bool operator==(const AuditEntry&, const AuditEntry&) = default;
};

// One run of a scheduled job over one program.
struct JobRun {
  int64_t id = 0;  // assigned by the store, increasing
  std::string program_id;
  std::string job;      // mature, expire, holds
  std::string trigger;  // schedule, api, cli
  Instant as_of{};      // the `now` the job settled wallets at
  Instant started_at{};
  Instant finished_at{};
  bool ok = true;
  std::string report;  // JSON object: counts, or the error
  friend bool operator==(const JobRun&, const JobRun&) = default;
};

// An order and where it is in its lifecycle. Events are idempotent: each
// timestamp is set by the first event of its kind and never moves; refunds
// are kept by id so a repeated refund changes nothing.
struct OrderRecord {
  std::string program_id;
  rules::Order order;  // lines carry refunded_quantity
  std::optional<Instant> paid_at;
  std::optional<Instant> fulfilled_at;
  std::optional<Instant> completed_at;
  std::optional<Instant> cancelled_at;
  std::vector<std::string> refund_ids;  // refunds applied, in order
  int64_t refunded_amount = 0;          // amount-only refunds, minor units
  // Earning: set when the order earned (the trigger event arrived).
  std::optional<Instant> earned_at;
  int64_t program_version = 0;  // the program version whose rules it earned under
  std::vector<std::pair<std::string, int64_t>> earned;  // "rule_id" -> value granted
  // Units of each line not yet refunded when the order earned: what its
  // line shares were earned on, so a later refund takes back units / these.
  std::vector<std::pair<std::string, int64_t>> earned_units;
  Instant created_at{};
  Instant updated_at{};
  friend bool operator==(const OrderRecord&, const OrderRecord&) = default;
};

// An order's scalar facts, read without its lines (tiers, analytics).
struct OrderSummary {
  std::string id;
  Instant placed_at{};
  std::optional<Instant> paid_at;
  std::optional<Instant> fulfilled_at;
  std::optional<Instant> completed_at;
  std::optional<Instant> cancelled_at;
  int64_t subtotal = 0;
  int64_t paid_value = 0;  // rules::paid_value of the order as stored
  friend bool operator==(const OrderSummary&, const OrderSummary&) = default;
};

// One grant made by a rule (an earn rule or an engagement reward) to a
// member: what per-member limits, caps and budgets count. `key` makes a
// grant happen once: the order id for earn rules, "signup", the year for
// birthdays, the event id for member events ("auto:<lot id>" when the event
// had none). Unique per (program, member, rule, key); append-only.
struct RuleUse {
  std::string program_id;
  std::string member_id;
  std::string rule_id;
  std::string key;
  std::string wallet;
  int64_t value = 0;  // granted, minor units of the wallet
  int64_t lot_id = 0;
  Instant at{};  // when granted (the command's now)
  friend bool operator==(const RuleUse&, const RuleUse&) = default;
};

// Grants and their value summed over a set of rule uses.
struct UseTotals {
  int64_t count = 0;
  int64_t value = 0;
  friend bool operator==(const UseTotals&, const UseTotals&) = default;
};

// A coupon batch (docs/checkout.md "Coupons"): the terms its codes share,
// and either one shared code anyone may use (subject to the limits) or
// `count` unique single-use codes made when the batch was created.
struct CouponBatch {
  std::string program_id;
  std::string id;  // [a-z0-9_-]{1,64}, unique in the program
  std::string name;
  checkout::CouponTerms terms;  // terms.batch_id == id
  std::string shared_code;      // the shared code; empty for a batch of unique codes
  int64_t count = 0;            // codes made (1 for a shared code)
  std::string member_id;        // every code bound to this member; empty: anyone
  Instant created_at{};
  std::string created_by;  // key id or "cli"
  friend bool operator==(const CouponBatch&, const CouponBatch&) = default;
};

// One code (upper case, unique in the program).
struct Coupon {
  std::string program_id;
  std::string code;
  std::string batch_id;
  std::string member_id;  // bound to this member; empty: anyone
  bool single_use = false;
  Instant created_at{};
  friend bool operator==(const Coupon&, const Coupon&) = default;
};

// A code used on an order. The checkout reserve makes it pending until
// `expires_at` (the holds' lifetime; it counts as used meanwhile, so two tabs
// cannot both use a single-use code); capturing a hold of the order confirms
// it; cancelling the order, or reserving it again without the code, releases
// it. One row per (program, code, order).
struct CouponRedemption {
  std::string program_id;
  std::string code;
  std::string order_id;
  std::string batch_id;
  std::string member_id;
  std::string state = "pending";  // pending | confirmed | released
  int64_t discount = 0;           // lines + shipping, currency minor units
  Instant at{};
  Instant expires_at{};  // pending only: stops counting then
  friend bool operator==(const CouponRedemption&, const CouponRedemption&) = default;
};

// One purchase from the reward catalog (docs/checkout.md "Reward catalog"):
// `price` of `wallet` spent as ledger order "catalog:<id>", and what it gave:
// a coupon code, a lot of `credit_wallet`, or a gift SKU to ship. Refunding
// it restores the price and takes back what it gave (state "refunded").
struct RewardRedemption {
  std::string program_id;
  int64_t id = 0;  // unique in the store
  std::string member_id;
  std::string item_id;
  std::string kind;  // coupon | gift | credit
  std::string wallet;
  int64_t price = 0;
  int64_t program_version = 0;
  std::string coupon_code;    // kind coupon
  std::string sku;            // kind gift
  std::string credit_wallet;  // kind credit
  int64_t credit_amount = 0;
  int64_t lot_id = 0;
  std::string state = "redeemed";  // redeemed | refunded
  Instant at{};
  std::optional<Instant> refunded_at;
  friend bool operator==(const RewardRedemption&, const RewardRedemption&) = default;
};

// The ledger order id a catalog redemption spends and grants under; callers'
// orders, holds and ledger commands may not use the prefix (app/service.cpp).
inline constexpr std::string_view kCatalogOrderPrefix = "catalog:";
inline std::string catalog_order_id(int64_t redemption_id) {
  return std::string(kCatalogOrderPrefix) + std::to_string(redemption_id);
}

// Redemptions that count at a time (confirmed, or pending and not expired).
struct CouponUses {
  int64_t code = 0;    // of the code
  int64_t batch = 0;   // of any code of the batch
  int64_t member = 0;  // of any code of the batch by the member
  friend bool operator==(const CouponUses&, const CouponUses&) = default;
};

// Something a member or a shop may want to hear about (docs/webhooks.md),
// written to the outbox in the same transaction as the change that caused
// it, so it exists exactly when the change does. Append-only.
struct OutboxEvent {
  int64_t id = 0;  // assigned by the store, increasing across programs; wire id "evt_<id>"
  std::string program_id;
  std::string type;       // credit.earned, tier.upgraded, ... (app/outbox.h)
  std::string member_id;  // empty for events about no one member
  std::string data;       // JSON object: the type's fields
  Instant created_at{};
  // The message composed for it (app/messages.h): a JSON object, empty when
  // the type gets none or the program has no [messages].
  std::string message = {};
  // A message ready to send: when it may go (the end of quiet hours, or
  // created_at). Unset for no message or a suppressed one.
  std::optional<Instant> send_after = {};
  bool marketing = false;  // a ready marketing message: the frequency caps count it
  friend bool operator==(const OutboxEvent&, const OutboxEvent&) = default;
};

// A shopping cart the shop reports (POST /v1/carts): what a member put in it
// and when it last changed. The carts job reminds the member of a cart left
// idle ([carts] remind_after_hours) when no order followed
// (docs/webhooks.md "Abandoned carts").
struct CartItem {
  std::string sku;
  std::string name;
  std::string category;
  int64_t quantity = 1;
  int64_t unit_price = 0;  // minor units of the program's currency
  friend bool operator==(const CartItem&, const CartItem&) = default;
};

struct Cart {
  std::string program_id;
  std::string id;  // the shop's cart id
  std::string member_id;
  std::vector<CartItem> items;  // empty: the cart was emptied
  int64_t total = 0;            // minor units: as given, or the items' sum
  std::string url;              // where the member resumes it
  Instant created_at{};
  Instant updated_at{};  // the last cart event: idle time counts from here
  friend bool operator==(const Cart&, const Cart&) = default;
};

// A new product the shop announces (POST /v1/products): the products job
// tells the members whose purchases show its category (or brand) about it,
// once, then marks it sent (docs/webhooks.md "New products").
struct Product {
  std::string program_id;
  std::string sku;
  std::string name;
  std::string category;
  std::string brand;
  std::string url;
  int64_t price = 0;              // minor units of the program's currency
  Instant announced_at{};         // the job sends from then on
  std::string state = "pending";  // pending | sent
  int64_t notified = 0;           // members told, once sent
  std::optional<Instant> sent_at;
  friend bool operator==(const Product&, const Product&) = default;
};

// Where a program's events go: a URL the delivery worker POSTs each event
// to, signed with `secret` (HMAC-SHA256). `events` filters by type: "*",
// a prefix such as "credit.*", or a type.
struct WebhookEndpoint {
  std::string program_id;
  std::string id;      // "whk_" + 16 hex
  std::string url;     // http:// or https://
  std::string secret;  // kept as given: signing needs it; never shown again
  std::vector<std::string> events;
  bool enabled = true;
  int64_t max_in_flight = 8;  // deliveries to it at once
  // A message provider: it gets only events with a ready message, each when
  // its send_after comes (quiet hours); other endpoints get every event they
  // filter for at once.
  bool messages = false;
  // Events with ids up to this were fanned out to it (deliveries made); a
  // new endpoint starts at the newest event, so it hears what happens next.
  int64_t cursor = 0;
  Instant created_at{};
  Instant updated_at{};
  friend bool operator==(const WebhookEndpoint&, const WebhookEndpoint&) = default;
};

// One event for one endpoint and its attempts: pending until a 2xx answer
// (delivered) or the last attempt failed (dead; `webhooks replay` makes it
// pending again).
struct WebhookDelivery {
  int64_t id = 0;  // assigned by the store when 0
  std::string program_id;
  std::string endpoint_id;
  int64_t event_id = 0;
  std::string event_type;
  std::string state = "pending";  // pending | delivered | dead
  int64_t attempts = 0;
  Instant next_attempt_at{};
  std::optional<Instant> last_attempt_at;
  int64_t last_status = 0;  // HTTP status of the last attempt, 0 when none came
  std::string last_error;
  int64_t last_duration_us = 0;
  Instant created_at{};
  friend bool operator==(const WebhookDelivery&, const WebhookDelivery&) = default;
};

// Where a hold lives, so a capture/release by hold id can load the right wallet.
struct HoldRef {
  std::string member_id;
  std::string wallet;
};

}  // namespace patron::app
