// Commands the app executes: one per use case. Adapters (CLI, HTTP) build
// them from user input; the writer runs them in order, in batches.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <variant>

#include "app/model.h"
#include "core/time.h"
#include "ledger/wallet_ledger.h"

namespace patron::app {

struct UpsertMember {
  std::optional<std::chrono::year_month_day> birthday;
  std::optional<std::string> email;
  std::optional<std::string> phone;
  std::optional<std::string> referred_by;  // a referrer's referral code (once per member)
  std::optional<std::string> name;
  std::optional<std::string> locale;  // "zh-TW", "en", or "" for the program's
  // Marketing consent per channel given (email, sms, line, push): true
  // grants, false withdraws; channels not named keep theirs.
  std::map<std::string, bool> consent;
  // Replaces the member's tags when given (an empty list clears them).
  std::optional<std::vector<std::string>> tags;
};

struct Capture {
  int64_t hold_id = 0;
  std::optional<int64_t> amount;
};

struct Release {
  int64_t hold_id = 0;
};

struct ReleaseOrder {
  std::string order_id;
};

// What a job does to one member wallet: settle it at `now`.
struct Settle {
  std::string job;  // mature, expire, holds
};

// Stores a new API key (made by app/keys.h make_key); audited.
struct CreateKey {
  ApiKey key;
};

// Revokes a key of the command's program; audited. Revoking twice is a no-op.
struct RevokeKey {
  std::string key_id;
};

// Records one job run (the scheduler, `jobs run` and POST /v1/jobs/runs).
struct RecordJobRun {
  JobRun run;
};

// Stores a new version of the command's program (creates the program when
// it does not exist). The adapter parsed and validated the file; the app
// checks what may not change once value exists (currency, a wallet's unit
// and minor digits, removing a wallet) and the expected version (If-Match).
// Applying a configuration equal to the current one stores nothing.
struct ApplyProgram {
  Program program;
  std::string config;  // the file as given, kept with the version
  std::optional<int64_t> expected_version;
  bool dry_run = false;
};

// Units of one line given back (refund or return).
struct LineQuantity {
  std::string line_id;
  int64_t quantity = 0;
};

// Something happened to an order: placed, paid, fulfilled, completed,
// cancelled, refunded (lines, an amount, or everything), returned (lines).
// Repeated and out-of-order events change nothing twice (docs/orders.md).
struct OrderEvent {
  std::string order_id;
  std::string event;
  std::optional<Instant> at;  // when it happened; default now
  std::string refund_id;      // refunded/returned: required unless the whole order is refunded
  std::vector<LineQuantity> lines;  // refunded/returned units
  std::optional<int64_t> amount;    // refunded: an amount of the order instead of lines
};

// Creates or replaces an order (lines, shipping, channel). The member is
// created when new. Once the order has earned or been refunded its lines are
// fixed: later changes go through refund events.
struct UpsertOrder {
  rules::Order order;
  std::vector<OrderEvent> events;  // applied after the upsert, in order (order_id ignored)
  // false: the request gave no placed_at: a new order is placed now, an
  // existing one keeps its time (so a retried or re-sent request is the same).
  bool placed_at_given = true;
};

// The tiers job for one member (Command::member_id): judges every tier
// anniversary due at `now` (retention 續會 or downgrade).
struct EvaluateTier {};

// Something a member did that rewards may listen to: app_install,
// line_bind, review, share, survey, or a custom event's name. `event_id`
// (the review id, the survey response id) makes the event count once.
struct MemberEvent {
  std::string type;
  std::string event_id;
  std::optional<Instant> at;  // when it happened; default now
};

// The birthdays job for one member (Command::member_id): grants birthday
// reward `reward_id` for the birthday in `year` when it is due.
struct BirthdayReward {
  std::string reward_id;
  int year = 0;
};

// The monthly job for one member (Command::member_id): grants monthly reward
// `reward_id` (a tier's monthly coupon) for `month` ("2026-12") when due.
struct MonthlyReward {
  std::string reward_id;
  std::string month;
};

// The referrals job for one referee (Command::member_id): rewards both sides,
// or holds them for review, once the referee's first order has settled.
struct QualifyReferral {};

// A person's decision on a referral held for review (Command::member_id:
// the referee): approve grants both rewards, reject grants nothing. Audited.
struct DecideReferral {
  bool approve = false;
  std::string note;
};

// What a shopper brings to checkout: the cart (an order not placed yet:
// id, lines, shipping, channel; the member is Command::member_id), coupon
// codes, and how much of each wallet they want to use (left out: as much as
// the rules allow).
struct CheckoutRequest {
  rules::Order cart;
  std::vector<std::string> coupons;
  std::vector<std::pair<std::string, int64_t>> use;  // wallet -> minor units of the wallet
};

// Reserves at checkout what the quote allows for the cart, re-checking every
// redemption rule now: one hold per wallet named in `use` (others are not
// touched), tied to the cart's order id.
// Open holds of the same order are released first (a shopper who changes
// the cart re-reserves). A wallet asked for more than it may pay fails the
// whole command (kFailedPrecondition naming "use.<wallet>").
struct CheckoutReserve {
  CheckoutRequest request;
  std::optional<int64_t> ttl_s;  // default: each wallet's hold_ttl_s
};

// Creates a coupon batch: one shared code (`shared_code`), or `count`
// unique single-use codes of `length` random characters after `prefix`.
// Audited.
struct CreateCouponBatch {
  CouponBatch batch;  // id, name, terms, member_id
  std::string shared_code;
  int64_t count = 0;
  int64_t length = 8;
  std::string prefix;
};

// Buys catalog item `item_id` for Command::member_id with the item's wallet
// (docs/checkout.md "Reward catalog"): checks window, tier, stock and the
// member's limits, spends the price and gives the coupon, credit or gift in
// the same transaction.
struct RedeemReward {
  std::string item_id;
};

// Refunds a catalog redemption: restores the price to the lots it came from
// and takes back what it gave (the coupon is disabled, refused when it was
// already used on an order; the credit lot is clawed back under the wallet's
// debt policy). Command::member_id is found from the redemption. Audited.
struct RefundRedemption {
  int64_t redemption_id = 0;
  std::string reason;
};

// The winback job for one member (Command::member_id): win-back reward
// `reward_id` when their last order is old enough (app/rewards.h).
struct WinbackReward {
  std::string reward_id;
  // Set by the job for a member picked by churn probability (churn_above)
  // rather than inactive_days: the offer is made though the last order is
  // more recent; p_alive is reported with it.
  std::optional<double> p_alive;
  // With p_alive: the last purchased order the estimate was made on. A
  // member whose last purchase is another one by now (they bought between
  // the job's scan and this command) is not offered anything.
  std::string last_order_id;
};

// The reminders job for one member (Command::member_id): expiry and tier
// reminders due at `now` (app/reminders.h).
struct SendReminders {};

// The replenishment job for one member (Command::member_id): replenishment
// reminders due at `now` (app/replenishment.h), judged on the member's
// orders. `sku_intervals`: the population median interval (days) of SKUs the
// member bought without intervals of their own, as the job found them over
// every member; a SKU missing here gets no "sku" basis reminder.
struct SendReplenishment {
  std::map<std::string, int64_t> sku_intervals;
};

// Registers a webhook endpoint of the command's program (docs/webhooks.md):
// `endpoint` has id (app/webhooks.h make_webhook_id), url, secret, events and
// max_in_flight; it hears the events that happen after it was created.
// Audited (without the secret).
struct CreateWebhook {
  WebhookEndpoint endpoint;
};
// Changes what is given of an endpoint; audited.
struct UpdateWebhook {
  std::string id;
  std::optional<std::string> url;
  std::optional<std::string> secret;
  std::optional<std::vector<std::string>> events;
  std::optional<bool> enabled;
  std::optional<int64_t> max_in_flight;
  std::optional<bool> messages;
};
// Sends deliveries again: one (delivery_id, any state but pending) or every
// dead delivery of the endpoint; each becomes pending with its attempts
// reset. Audited.
struct ReplayDeliveries {
  std::string endpoint_id;
  int64_t delivery_id = 0;  // 0: every dead delivery of the endpoint
};

// A cart event: the cart as it is now (items, total, url), for the carts
// job to remind the member if it stays idle. The member must exist.
struct PutCart {
  Cart cart;
};
// The carts job's command: a cart.abandoned event for the member's cart,
// once per cart, when it is still idle, has items and no order followed.
struct RemindCart {
  std::string cart_id;
};

// A new product to announce (program-level, no member): stored pending for
// the products job. A SKU is announced once (409 after).
struct AnnounceProduct {
  Product product;
};
// The products job's command for one member: a product.new event, once per
// member and SKU, while the product is pending. `matched_by` is what the job
// matched the member's purchases on: "category" or "brand".
struct NotifyProduct {
  std::string sku;
  std::string matched_by;
};
// The products job, after notifying: the product is sent (program-level).
struct FinishProduct {
  std::string sku;
  int64_t notified = 0;
};

using CommandBody =
    std::variant<UpsertMember, ledger::Grant, ledger::Spend, ledger::Reserve, Capture, Release,
                 ledger::Clawback, ledger::Restore, ledger::Adjust, ReleaseOrder, Settle, CreateKey,
                 RevokeKey, RecordJobRun, ApplyProgram, UpsertOrder, OrderEvent, EvaluateTier,
                 MemberEvent, BirthdayReward, MonthlyReward, QualifyReferral, DecideReferral,
                 CheckoutReserve, CreateCouponBatch, RedeemReward, RefundRedemption, CreateWebhook,
                 UpdateWebhook, ReplayDeliveries, SendReminders, WinbackReward, PutCart, RemindCart,
                 SendReplenishment, AnnounceProduct, NotifyProduct, FinishProduct>;

struct Command {
  std::string program_id = "default";
  std::string member_id;        // hold capture/release: empty, found from the hold
  std::string wallet;           // ledger commands
  std::string idempotency_key;  // empty: not idempotent
  std::optional<Instant> now;   // replay/testing override of the clock
  std::string actor = "cli";    // who asks: an API key id, or "cli"; goes to the audit log
  // Bulk runs (imports) drop responses: build none. Ignored when the command
  // has an idempotency key (its response is stored).
  bool quiet = false;
  CommandBody body;

  bool needs_response() const { return !quiet || !idempotency_key.empty(); }
};

// The name of a command for logs, metrics and idempotency hashing.
std::string_view command_name(const CommandBody& body);

}  // namespace patron::app
