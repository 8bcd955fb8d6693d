// Coupons in the app (docs/checkout.md "Coupons"): creating a batch (one
// shared code or unique single-use codes from OpenSSL randomness), looking
// codes up for a quote with their counted uses, and the life of a
// redemption: pending at the checkout reserve, confirmed when the order is
// paid or a hold of it is captured, released when the order is cancelled or
// re-reserved without the code.
//
// Errors: kInvalidArgument naming the field (bad id, kind, amount, window,
// code, count); kConflict for a batch id or shared code that exists;
// kNotFound for a member a batch is bound to that does not exist.
#pragma once

#include <boost/json/object.hpp>
#include <string>
#include <vector>

#include "app/commands.h"
#include "app/service.h"
#include "app/store.h"
#include "checkout/coupons.h"

namespace patron::app {

// Codes are case-insensitive: trimmed and upper-cased before any lookup.
std::string normalize_code(std::string_view code);

Result<Executed> create_coupon_batch(Store& store, const Command& c,
                                     const CreateCouponBatch& create, Instant now);

// The codes a shopper entered, as the pure quote wants them. `terms` owns
// what `inputs` point to (do not copy a LoadedCoupons after loading).
struct LoadedCoupons {
  std::vector<checkout::CouponTerms> terms;
  std::vector<checkout::CouponInput> inputs;
};
// Uses of `order_id`'s own redemptions are not counted (re-reserving an
// order does not use its code up).
Result<void> load_coupons(Store& store, const std::string& program_id, const std::string& member_id,
                          const std::string& order_id, const std::vector<std::string>& codes,
                          Instant now, LoadedCoupons& out);

// The redemption rows a checkout reserve writes for `order_id`: the valid
// coupons pending until `expires_at`, and the order's earlier pending ones
// not among them released.
Result<std::vector<CouponRedemption>> reserve_coupons(
    Store& store, const std::string& program_id, const std::string& member_id,
    const std::string& order_id, const std::vector<checkout::CouponResult>& results,
    const LoadedCoupons& loaded, Instant now, Instant expires_at);

// An order was paid or a hold of it captured (`confirm`), or it was
// cancelled (`release`): the rows that change.
Result<std::vector<CouponRedemption>> settle_order_coupons(Store& store,
                                                           const std::string& program_id,
                                                           const std::string& order_id,
                                                           bool release);

// Issues one coupon of `offer` to `member_id` (a catalog item, a reward):
// a batch of its own, `batch_id` (e.g. "catalog-<redemption id>"), holding
// one random single-use code bound to the member, valid from `now` for
// offer.valid_days days. Puts the batch and the code into `write`; returns
// the code.
Result<std::string> issue_coupon(Store& store, const std::string& program_id,
                                 const std::string& batch_id, const std::string& name,
                                 const std::string& member_id, const rules::CouponOffer& offer,
                                 Instant now, const std::string& actor, CommandWrite& write);

boost::json::object coupon_batch_json(const CouponBatch& batch);
boost::json::object coupon_json(const Coupon& coupon);

}  // namespace patron::app
