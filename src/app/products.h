// New-product notices (docs/webhooks.md "New products"): the shop announces
// a product (POST /v1/products: announce_product); the products job finds
// the members whose purchases of the last [new_products] lookback_days show
// its category (or, without one, its brand), runs notify_product for each
// (one product.new event per member and SKU) and then finish_product, which
// marks the product sent so no later run announces it again.
#pragma once

#include <boost/json/object.hpp>

#include "app/commands.h"
#include "app/programs.h"
#include "app/service.h"
#include "app/store.h"

namespace patron::app {

Result<Executed> announce_product(Store& store, const Command& c, const AnnounceProduct& announce,
                                  Instant now);
Result<Executed> notify_product(Store& store, const Command& c, const NotifyProduct& notify,
                                const Member& member, Instant now);
Result<Executed> finish_product(Store& store, const Command& c, const FinishProduct& finish,
                                Instant now);

boost::json::object product_json(const Product& product);

}  // namespace patron::app
