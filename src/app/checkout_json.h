// Reading a checkout request from JSON, shared by the CLI (`checkout quote
// --cart cart.json`) and the HTTP API (POST /v1/checkout/quote, /holds):
//
//   {"order_id": "A-1",                     (reserve; optional for a quote)
//    "cart": {"channel": "web", "shipping": 60,
//             "lines": [{"line_id", "sku", "category", "brand", "quantity",
//                        "unit_price", "discount", "reward"}]},
//    "coupons": ["WELCOME100"],
//    "use": {"credit": 100, "points": 50}}
//
// Prices (unit_price, discount, shipping) are minor-unit integers over HTTP,
// like every other amount of the API; a CLI cart file writes them in major
// units as the orders CSV does (2.55 or "2.55"). `use` is always in minor
// units of each wallet. Unknown keys are errors. Every failure is
// kInvalidArgument naming the field ("cart.lines[2].quantity").
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include "app/commands.h"

namespace patron::app {

enum class PriceStyle { kMinorUnits, kMajorUnits };

// The cart object alone (a CLI cart file). `field` prefixes error fields.
Result<rules::Order> cart_from_json(const boost::json::value& cart, PriceStyle style,
                                    int minor_digits, const std::string& field = "cart");

// "coupons" and "use" of a request body (either may be absent).
Result<void> coupons_and_use_from_json(const boost::json::object& body, CheckoutRequest& out);

}  // namespace patron::app
