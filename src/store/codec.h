// Text encodings of nested values for SQL columns: ledger scopes, line shares,
// allocations, expiry maps; program rules; the order body. Shared by every SQL store so they agree
// byte for byte. JSON via Boost.JSON; decoding validates and reports
// kCorruption instead of trusting the column.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "app/model.h"
#include "app/store.h"
#include "core/error.h"
#include "ledger/policy.h"
#include "ledger/types.h"

namespace patron::store {

std::string encode_scope(const ledger::Scope& scope);
Result<ledger::Scope> decode_scope(std::string_view text);

std::string encode_line_shares(const std::vector<ledger::LineShare>& shares);
Result<std::vector<ledger::LineShare>> decode_line_shares(std::string_view text);

std::string encode_allocations(const std::vector<ledger::Allocation>& allocations);
Result<std::vector<ledger::Allocation>> decode_allocations(std::string_view text);

std::string encode_expiry_map(const std::map<std::string, ledger::ExpiryRule>& rules);
Result<std::map<std::string, ledger::ExpiryRule>> decode_expiry_map(std::string_view text);

// A program's rules (rules/rules.h), every field of every struct; enums as
// strings (rate kind "percent"/"steps", earn_on "paid"/"fulfilled"/"completed";
// tiers: basis "paid_spend"/"order_count", count_on "paid"/"completed", window
// "lifetime"/"calendar_year"/"rolling_months"/"since_tier_start", downgrade
// "one_step"/"to_qualifying"; rewards: on as rules::to_string(RewardOn),
// birthday_on "month_start"/"day", feb29 "feb28"/"mar1", expires an expiry
// rule string, absent when the reward has none; campaigns: starts and ends as
// unix seconds, absent when open, expires as for rewards).
// A missing key decodes to the field's default, so the '{}' that migration
// 0004 gave older programs is Rules{}, and rules stored before rewards,
// member caps, budgets, referrals or campaigns existed have none
// (replenishment is left out when the program has none, nullopt); a key of the wrong type, an
// unknown enum name or an int out of range is kCorruption.
std::string encode_rules(const rules::Rules& rules);
Result<rules::Rules> decode_rules(std::string_view text);

// What an order row keeps as JSON rather than columns: channel, shipping,
// lines (every field), refund_ids, refunded_amount, earned. decode returns a
// record with only those fields set; the caller fills in the columns.
// A coupon batch's terms (JSON object); batch_id is not stored (it is the
// row's id). Unknown kinds and wrongly typed keys are kCorruption.
std::string encode_coupon_terms(const checkout::CouponTerms& terms);
Result<checkout::CouponTerms> decode_coupon_terms(std::string_view text);

std::string encode_order_body(const app::OrderRecord& order);
Result<app::OrderRecord> decode_order_body(std::string_view text);

// lot_balances, shared by the stores. post_to_lot adds a transfer to the
// lot's member balances (available, pending, held: + when they receive, -
// when they give); group_lot_balances sums per-lot balances (wallet and
// expires_at set) per (wallet, expires_at), leaving out groups with nothing
// in them. kStorage on int64 overflow.
Result<void> post_to_lot(app::Store::LotBalance& lot, std::string_view from, std::string_view to,
                         int64_t amount);
Result<std::vector<app::Store::LotBalance>> group_lot_balances(
    std::vector<app::Store::LotBalance> lots);

// Paging rules every store shares: 0 asks for the default page, more than
// the maximum gets the maximum.
std::size_t page_limit(std::size_t requested);

// A newest-first cursor is the decimal id of the last row seen; rows below it
// come next. Empty starts from the newest (the largest id).
Result<int64_t> id_cursor(const std::string& after);

}  // namespace patron::store
