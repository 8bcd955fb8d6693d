// An order as the rules see it: lines with prices in minor units of the
// program's currency, shipping, channel and when it was placed. Plain values;
// the lifecycle (paid, fulfilled, refunds, ...) is kept by the app
// (app/model.h OrderRecord).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/time.h"

namespace patron::rules {

struct OrderLine {
  std::string line_id;  // unique within the order
  std::string sku;
  std::string category;
  std::string brand;
  int64_t quantity = 1;           // > 0
  int64_t unit_price = 0;         // minor units, >= 0
  int64_t discount = 0;           // discount on the whole line, minor units, 0 <= discount <= gross
  int64_t paid_with_value = 0;    // part of the line paid with credit/points (never earns)
  bool reward = false;            // a gift or reward line: never earns
  int64_t refunded_quantity = 0;  // units refunded or returned so far (0..quantity)

  int64_t gross() const { return quantity * unit_price; }
  int64_t net() const { return gross() - discount; }  // what the shopper paid for the line
  friend bool operator==(const OrderLine&, const OrderLine&) = default;
};

struct Order {
  std::string id;
  std::string member_id;  // empty: a guest order, earns nothing
  std::string channel;    // "web", "app", "pos", ...; empty = unspecified
  Instant placed_at{};
  int64_t shipping = 0;  // minor units, >= 0
  std::vector<OrderLine> lines;

  int64_t subtotal() const {  // sum of line nets
    int64_t s = 0;
    for (const auto& l : lines) s += l.net();
    return s;
  }
  friend bool operator==(const Order&, const Order&) = default;
};

}  // namespace patron::rules
