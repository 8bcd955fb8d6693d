// Carts (docs/webhooks.md "Abandoned carts"): the shop reports each cart as
// it changes (POST /v1/carts: put_cart); the carts job finds carts idle for
// [carts] remind_after_hours and runs remind_cart for each, which writes one
// cart.abandoned event per cart when it still has items, reaches
// min_total, and no order of the member was placed since it last changed.
#pragma once

#include <boost/json/object.hpp>

#include "app/commands.h"
#include "app/programs.h"
#include "app/service.h"
#include "app/store.h"

namespace patron::app {

Result<Executed> put_cart(Store& store, const Command& c, const PutCart& put,
                          const std::optional<Member>& member, Instant now);
Result<Executed> remind_cart(Store& store, const ResolvedProgram& program, const Command& c,
                             const RemindCart& remind, const Member& member, Instant now);

boost::json::object cart_json(const Cart& cart);
// [{"sku","name","category","quantity","unit_price"}]: the API's and the store's form.
boost::json::array cart_items_json(const std::vector<CartItem>& items);

}  // namespace patron::app
