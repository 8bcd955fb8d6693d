// The reward catalog in the app (docs/checkout.md "Reward catalog"): a
// member buys an item of the program's [[catalog]] with the item's wallet;
// the price is spent and the coupon, credit lot or gift is given in the same
// transaction, or nothing happens. A refund restores the price to the lots
// it came from and takes back what was given.
//
// Errors: kNotFound naming item_id / redemption_id; kFailedPrecondition
// naming item_id (disabled, not started, ended, tier, out of stock, a
// member limit), the wallet (not enough value), or redemption_id (already
// refunded, its coupon already used).
#pragma once

#include <boost/json/object.hpp>

#include "app/commands.h"
#include "app/programs.h"
#include "app/service.h"
#include "app/store.h"

namespace patron::app {

Result<Executed> redeem_reward(Store& store, const ResolvedProgram& program, ledger::IdSource& ids,
                               const Command& c, const RedeemReward& redeem, const Member& member,
                               Instant now);

Result<Executed> refund_redemption(Store& store, const ResolvedProgram& program,
                                   ledger::IdSource& ids, const Command& c,
                                   const RefundRedemption& refund, Instant now);

// The catalog: every item with its price, what it gives, its window, tiers,
// stock left and limits; with `member`, also whether that member may redeem
// it now (`available`, else `reason`: disabled, not_started, ended, tier,
// out_of_stock, limit_per_day ... limit_lifetime, balance) and their
// redemptions left under each limit.
Result<boost::json::object> catalog_json(Store& store, const ResolvedProgram& program,
                                         const Member* member, Instant now);

boost::json::object reward_redemption_json(const RewardRedemption& r);

}  // namespace patron::app
