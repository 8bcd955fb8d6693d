// The storage port. The app owns this interface; store/memory and
// store/sqlite (and later store/postgres) implement it, and one behaviour
// suite (tests/store_conformance) runs against every implementation.
//
// Contract:
// - One Store object is one connection: not thread-safe; each thread opens its own.
// - Writes happen only between begin() and commit()/rollback(); a batch of
//   commands shares one transaction (group commit). commit() returns only once
//   the transaction is durable.
// - Reads inside a transaction see that transaction's writes.
// - Every method reports failure as Error{kStorage or kCorruption}; none throws.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "app/model.h"
#include "core/error.h"
#include "ledger/types.h"

namespace patron::app {

// Narrows what load_wallet brings besides the open state of the wallet.
struct LoadHint {
  std::string order_id;  // also lots funded by, holds of and redemptions of this order
  int64_t hold_id = 0;   // also this hold, whatever its state
  // Line shares (refund attribution) are only needed for the lots of the
  // order a command names; decoding them for every open lot made a frequent
  // buyer's every order cost O(orders x lines). false: a store may leave
  // line_shares empty on lots of other orders, and then must not overwrite
  // stored shares when such a lot is written back with empty line_shares.
  bool all_line_shares = false;
  // Set: a partial state, ledger::leave_out(full, order_id, *partial_at),
  // for a command at that time that may not need every lot (an order's
  // events, a reward): a frequent buyer's hundreds of open lots stay in the
  // store unless the command picks among them (WalletLedger asks for them).
  std::optional<Instant> partial_at = std::nullopt;
};

// One command's effects, applied as a unit inside the current transaction.
struct CommandWrite {
  std::string program_id;
  std::string member_id;
  std::string wallet;            // empty when there are no ledger changes
  std::optional<Member> member;  // upsert
  ledger::Changes changes;
  std::optional<IdempotencyRecord> idempotency;
  std::optional<ApiKey> api_key;                  // insert, or update revoked_at of an existing key
  std::vector<AuditEntry> audit;                  // appended; ids assigned by the store
  std::optional<JobRun> job_run;                  // appended; id assigned by the store
  std::optional<Program> program;                 // a new configuration (as put_program)
  std::optional<ProgramVersion> program_version;  // appended with it
  std::optional<OrderRecord> order;               // upsert (program_id, order.id)
  // Appended (program_id and member_id default to the write's); each also
  // adds to its rule's program-wide totals (rule_totals).
  std::vector<RuleUse> rule_uses;
  std::optional<Referral> referral;                   // upsert (program_id, referee_id)
  std::optional<CouponBatch> coupon_batch;            // upsert (program_id, id)
  std::vector<Coupon> coupons;                        // insert; a code already in the program fails
  std::vector<CouponRedemption> coupon_redemptions;   // upsert (program_id, code, order_id)
  std::optional<RewardRedemption> reward_redemption;  // upsert (program_id, id)
  std::vector<OutboxEvent> events;                    // appended; ids assigned by the store
  std::optional<WebhookEndpoint> webhook_endpoint;    // upsert (program_id, id)
  // Inserted when id is 0 (one per endpoint and event: a second insert
  // fails), else the state, attempt and result fields are updated.
  std::vector<WebhookDelivery> deliveries;
  std::optional<Cart> cart;        // upsert (program_id, id); created_at kept
  std::optional<Product> product;  // upsert (program_id, sku)
};

// A page of a list read: rows after a cursor, in a stable order.
struct PageRequest {
  std::string after;       // cursor: the last id of the previous page; empty = from the start
  std::size_t limit = 50;  // at most limits::kPageSizeMax
};

class Store {
 public:
  virtual ~Store() = default;

  // Programs
  virtual Result<std::vector<Program>> programs() = 0;
  virtual Result<void> put_program(const Program& program) = 0;
  // Every applied configuration of a program, oldest first.
  virtual Result<std::vector<ProgramVersion>> program_versions(const std::string& program_id) = 0;
  // Changes whenever any program's version changes ("id:version,..." in id
  // order); the writer compares it per batch to reload programs that another
  // process (the CLI beside a server) changed.
  virtual Result<std::string> programs_fingerprint() = 0;

  // Members
  virtual Result<std::optional<Member>> find_member(const std::string& program_id,
                                                    const std::string& member_id) = 0;

  // Ledger state of one member wallet for a command: every lot not expired,
  // every open hold, the debt, plus what `hint` names and every lot the loaded
  // holds and redemptions refer to.
  virtual Result<ledger::WalletState> load_wallet(const std::string& program_id,
                                                  const std::string& member_id,
                                                  const std::string& wallet,
                                                  const LoadHint& hint) = 0;
  // Everything ever recorded for the wallet (for verify and history views).
  virtual Result<ledger::WalletState> load_wallet_history(const std::string& program_id,
                                                          const std::string& member_id,
                                                          const std::string& wallet) = 0;
  // One page of a member's transfers in id order: ids above `after_id`, at
  // most `limit` (clamped like every page), of one wallet or (empty) all.
  virtual Result<std::vector<ledger::Transfer>> transfers_page(const std::string& program_id,
                                                               const std::string& member_id,
                                                               const std::string& wallet,
                                                               int64_t after_id,
                                                               std::size_t limit) = 0;
  virtual Result<std::vector<ledger::Transfer>> transfers(const std::string& program_id,
                                                          const std::string& member_id,
                                                          const std::string& wallet) = 0;
  virtual Result<std::optional<HoldRef>> find_hold(const std::string& program_id,
                                                   int64_t hold_id) = 0;

  // Members of a program with something due at `now` in `wallet`:
  // kind "mature" (pending lots with available_at <= now), "expire" (lots not
  // expired with expires_at <= now), "holds" (open holds with expires_at <= now).
  virtual Result<std::vector<std::string>> members_due(const std::string& program_id,
                                                       const std::string& wallet,
                                                       const std::string& kind, Instant now) = 0;
  // Up to `limit` lots of `wallet` with expires_at <= now that are available
  // or pending until released, soonest expiry first (then id). Expiring them
  // removes them from the next call, so the expiry job pages by calling again.
  // Lots pending until a time are left to the maturation job: maturing may pay
  // debt, which needs the whole wallet.
  struct DueLot {
    std::string member_id;
    ledger::Lot lot;
  };
  virtual Result<std::vector<DueLot>> due_lots(const std::string& program_id,
                                               const std::string& wallet, Instant now,
                                               std::size_t limit) = 0;
  // Members of a program with an available lot of `wallet` still holding
  // value (remaining > 0) that expires in (from, to], in id order: the
  // reminders job's candidates.
  virtual Result<std::vector<std::string>> members_expiring(const std::string& program_id,
                                                            const std::string& wallet, Instant from,
                                                            Instant to) = 0;
  // Every member of a program, in id order (verify walks them).
  virtual Result<std::vector<std::string>> member_ids(const std::string& program_id) = 0;

  // Members of a program with id > request.after, in id order, at most request.limit.
  virtual Result<std::vector<Member>> members_page(const std::string& program_id,
                                                   const PageRequest& request) = 0;

  // Orders
  virtual Result<std::optional<OrderRecord>> find_order(const std::string& program_id,
                                                        const std::string& order_id) = 0;
  // Orders of one member, oldest placed first (then id).
  virtual Result<std::vector<OrderRecord>> member_orders(const std::string& program_id,
                                                         const std::string& member_id) = 0;
  // Scalar facts of a member's orders (no lines), oldest placed first.
  virtual Result<std::vector<OrderSummary>> member_order_summaries(
      const std::string& program_id, const std::string& member_id) = 0;
  // Members of a program whose tier period ends at or before `now`
  // (tier_until <= now), in id order: the tiers job visits them.
  virtual Result<std::vector<std::string>> members_tier_due(const std::string& program_id,
                                                            Instant now) = 0;
  // Orders of a program with id > request.after, in id order, at most request.limit.
  virtual Result<std::vector<OrderRecord>> orders_page(const std::string& program_id,
                                                       const PageRequest& request) = 0;

  // Rule uses (limits, caps, budgets; app/model.h RuleUse).
  // A member's grants from one rule at or after `since` (Instant::min(): all).
  virtual Result<UseTotals> member_rule_uses(const std::string& program_id,
                                             const std::string& member_id,
                                             const std::string& rule_id, Instant since) = 0;
  // Whether the member already has a grant of the rule with this key.
  virtual Result<bool> rule_use_exists(const std::string& program_id, const std::string& member_id,
                                       const std::string& rule_id, const std::string& key) = 0;
  // Every grant of the rule in the program: what its budget has used.
  virtual Result<UseTotals> rule_totals(const std::string& program_id,
                                        const std::string& rule_id) = 0;
  // Members of a program born in one of `months` (1..12) who have no grant of
  // `rule_id` with key `key`: the birthdays job's candidates, in id order.
  virtual Result<std::vector<Member>> members_born_in(const std::string& program_id,
                                                      const std::vector<unsigned>& months,
                                                      const std::string& rule_id,
                                                      const std::string& key) = 0;
  // One page of the program's members (id order, after the cursor) who have
  // no grant of `rule_id` with key `key`: the monthly job's candidates.
  virtual Result<std::vector<Member>> members_without_use(const std::string& program_id,
                                                          const std::string& rule_id,
                                                          const std::string& key,
                                                          const PageRequest& page) = 0;

  // Coupons (app/model.h CouponBatch, Coupon, CouponRedemption).
  virtual Result<std::optional<CouponBatch>> find_coupon_batch(const std::string& program_id,
                                                               const std::string& batch_id) = 0;
  // Batches with id > request.after, in id order, at most request.limit.
  virtual Result<std::vector<CouponBatch>> coupon_batches_page(const std::string& program_id,
                                                               const PageRequest& request) = 0;
  virtual Result<std::optional<Coupon>> find_coupon(const std::string& program_id,
                                                    const std::string& code) = 0;
  // Codes of a batch with code > request.after, in code order.
  virtual Result<std::vector<Coupon>> coupons_page(const std::string& program_id,
                                                   const std::string& batch_id,
                                                   const PageRequest& request) = 0;
  // Redemptions that count at `now`: of `code`, of the batch, of the batch by `member_id`.
  virtual Result<CouponUses> coupon_uses(const std::string& program_id, const std::string& code,
                                         const std::string& batch_id, const std::string& member_id,
                                         Instant now) = 0;
  // Every redemption row of an order (any state), in code order.
  virtual Result<std::vector<CouponRedemption>> order_coupon_redemptions(
      const std::string& program_id, const std::string& order_id) = 0;

  // Reward catalog (app/catalog.h)
  virtual Result<std::optional<RewardRedemption>> find_reward_redemption(
      const std::string& program_id, int64_t id) = 0;
  // A member's redemptions, newest first; the cursor is the last id seen.
  virtual Result<std::vector<RewardRedemption>> reward_redemptions_page(
      const std::string& program_id, const std::string& member_id, const PageRequest& page) = 0;
  // Redemptions of `item_id` in state "redeemed" made at or after `since`, by
  // `member_id` (empty: by anyone).
  virtual Result<int64_t> count_reward_redemptions(const std::string& program_id,
                                                   const std::string& item_id,
                                                   const std::string& member_id, Instant since) = 0;

  // Referrals (app/model.h Referral).
  // The member whose own referral code this is.
  virtual Result<std::optional<std::string>> member_by_referral_code(const std::string& program_id,
                                                                     const std::string& code) = 0;
  virtual Result<std::optional<Referral>> find_referral(const std::string& program_id,
                                                        const std::string& referee_id) = 0;
  // Referrals with referee id > request.after, in referee id order, at most
  // request.limit; only those in `state` unless it is empty.
  virtual Result<std::vector<Referral>> referrals_page(const std::string& program_id,
                                                       const std::string& state,
                                                       const PageRequest& request) = 0;
  // How many of a referrer's referrals qualified at or after `since` (any
  // state but pending): what "at most N per referrer per period" counts.
  virtual Result<int64_t> referrals_qualified_since(const std::string& program_id,
                                                    const std::string& referrer_id,
                                                    Instant since) = 0;

  // Outbox and webhooks (app/outbox.h, docs/webhooks.md).
  // Events of a program with id > after_id, oldest first, at most `limit`
  // (clamped like every page); only those of `member_id` unless it is empty.
  virtual Result<std::vector<OutboxEvent>> events_after(const std::string& program_id,
                                                        const std::string& member_id,
                                                        int64_t after_id, std::size_t limit) = 0;
  virtual Result<std::optional<OutboxEvent>> find_event(const std::string& program_id,
                                                        int64_t id) = 0;
  // The highest event id in the store (any program), 0 when none.
  virtual Result<int64_t> last_event_id() = 0;
  // New products
  virtual Result<std::optional<Product>> find_product(const std::string& program_id,
                                                      const std::string& sku) = 0;
  // Products still pending whose announced_at is at or before `until`, by
  // announced_at then sku, at most `limit`.
  virtual Result<std::vector<Product>> pending_products(const std::string& program_id,
                                                        Instant until, std::size_t limit) = 0;
  // Carts
  virtual Result<std::optional<Cart>> find_cart(const std::string& program_id,
                                                const std::string& cart_id) = 0;
  // Carts with items whose updated_at is in [from, to), oldest first (then
  // by id), at most `limit`.
  virtual Result<std::vector<Cart>> idle_carts(const std::string& program_id, Instant from,
                                               Instant to, std::size_t limit) = 0;
  // A member's ready marketing messages (events with `marketing`) whose
  // send_after is in [from, to): what the frequency caps count.
  virtual Result<int64_t> count_marketing_messages(const std::string& program_id,
                                                   const std::string& member_id, Instant from,
                                                   Instant to) = 0;
  // A program's endpoints in id order.
  virtual Result<std::vector<WebhookEndpoint>> webhook_endpoints(const std::string& program_id) = 0;
  // Pending deliveries of an endpoint with next_attempt_at <= now, soonest
  // first (then id), at most `limit`.
  virtual Result<std::vector<WebhookDelivery>> due_deliveries(const std::string& program_id,
                                                              const std::string& endpoint_id,
                                                              Instant now, std::size_t limit) = 0;
  // An endpoint's deliveries, newest first (the cursor is the last id seen),
  // only those in `state` unless it is empty.
  virtual Result<std::vector<WebhookDelivery>> deliveries_page(const std::string& program_id,
                                                               const std::string& endpoint_id,
                                                               const std::string& state,
                                                               const PageRequest& page) = 0;
  virtual Result<std::optional<WebhookDelivery>> find_delivery(const std::string& program_id,
                                                               int64_t id) = 0;

  // API keys: by the hash of the secret (any program), and every key of a program.
  virtual Result<std::optional<ApiKey>> find_api_key(const std::string& secret_hash) = 0;
  virtual Result<std::vector<ApiKey>> api_keys(const std::string& program_id) = 0;

  // Audit log and job runs of a program, newest first: entries with id below
  // request.after (a decimal id; empty = from the newest), at most request.limit.
  virtual Result<std::vector<AuditEntry>> audit_log(const std::string& program_id,
                                                    const PageRequest& request) = 0;
  virtual Result<std::vector<JobRun>> job_runs(const std::string& program_id,
                                               const PageRequest& request) = 0;

  // Idempotency
  virtual Result<std::optional<IdempotencyRecord>> find_idempotency(const std::string& program_id,
                                                                    const std::string& key) = 0;

  virtual Result<IdHighWater> id_high_water() = 0;

  // Analytics reads (app/analytics.h)
  // Receives the orders of a scan one at a time; an error stops the scan and
  // is returned by it. Runs while the store reads: it must not call the store.
  class OrderVisitor {
   public:
    virtual ~OrderVisitor() = default;
    virtual Result<void> visit(const std::string& member_id, const OrderSummary& order) = 0;
    // False when the visitor reads only an order's times and paid value: the
    // store may then leave `id` empty and `subtotal` 0 and read less.
    virtual bool reads_id_and_subtotal() const { return true; }
  };
  // Every member order of a program (guest orders left out), grouped by
  // member in member id order, each member's oldest placed first (ties in no
  // set order). Streams: memory does not grow with the number of orders.
  virtual Result<void> scan_member_orders(const std::string& program_id, OrderVisitor& visitor) = 0;
  // Members of a program created before `to`, and how many of those were
  // created at or after `from`.
  struct MemberCounts {
    int64_t members = 0;
    int64_t created = 0;
  };
  virtual Result<MemberCounts> member_counts(const std::string& program_id, Instant from,
                                             Instant to) = 0;
  // The program's transfers with at < to, summed per (wallet, from account,
  // to account), in that order: `amount` and `transfers` over the period
  // from <= at < to, `history_amount` and `history_transfers` over all of
  // them (a pair with none in the period has amount 0 and transfers 0). One
  // pass serves a report's period flows and its balances at the end.
  // Instant::min() as `from`: all history. Fails (kStorage) when a sum
  // overflows int64.
  struct TransferTotal {
    std::string wallet;
    std::string from_account;
    std::string to_account;
    int64_t amount = 0;  // from <= at < to
    int64_t transfers = 0;
    int64_t history_amount = 0;  // at < to
    int64_t history_transfers = 0;
  };
  virtual Result<std::vector<TransferTotal>> transfer_totals(const std::string& program_id,
                                                             Instant from, Instant to) = 0;
  // The program's lots as they stood at `at`, rebuilt from the transfers
  // with at < `at` that name a lot (every transfer moving member:available,
  // member:pending or member:held does), summed per (wallet, the lot's
  // expires_at) in that order, never-expiring lots (nullopt) first. Each
  // balance is the account's inflow - outflow for those lots; `lots` counts
  // the lots whose available + pending is above 0. Groups whose sums are
  // all 0 are left out. Fails (kStorage) when a sum overflows int64.
  // Not pure: wrappers in tests that predate it need not forward it (the
  // default fails); every backend implements it.
  struct LotBalance {
    std::string wallet;
    std::optional<Instant> expires_at;
    int64_t lots = 0;
    int64_t available = 0;
    int64_t pending = 0;
    int64_t held = 0;
  };
  virtual Result<std::vector<LotBalance>> lot_balances(const std::string& program_id,
                                                       Instant at) = 0;

  // Transactions and writes
  virtual Result<void> begin() = 0;
  // A read-only snapshot: every read until commit()/rollback() sees the same
  // committed state. Other writers are not blocked.
  virtual Result<void> begin_read() = 0;
  virtual Result<void> commit() = 0;
  virtual Result<void> rollback() = 0;
  virtual Result<void> apply(const CommandWrite& write) = 0;
};

// Opens connections to one database; the writer takes one, readers others.
class StoreFactory {
 public:
  virtual ~StoreFactory() = default;
  virtual Result<std::unique_ptr<Store>> open() = 0;
};

}  // namespace patron::app
