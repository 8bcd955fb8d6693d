// The order the core benchmarks use: ten lines over five categories (one a
// gift card), quantities 1-3, two lines with their own discount, placed on
// 2026-03-08 08:00 Taipei (a member day of the Taiwan program).
#pragma once

#include <cstdio>

#include "rules/order.h"

namespace patron::bench {

inline rules::Order ten_line_order() {
  rules::Order o;
  o.id = "O-1001";
  o.member_id = "M-42";
  o.placed_at = Instant{std::chrono::seconds{1'772'956'800}};
  const char* categories[] = {"tops", "new_arrivals", "shoes", "gift_card", "bags"};
  for (int i = 0; i < 10; ++i) {
    rules::OrderLine l;
    char id[32];
    std::snprintf(id, sizeof id, "L%d", i);
    l.line_id = id;
    std::snprintf(id, sizeof id, "SKU-%d", 1000 + i);
    l.sku = id;
    l.category = categories[i % 5];
    l.brand = "house";
    l.quantity = 1 + i % 3;
    l.unit_price = 390 + 170 * i;
    l.discount = i % 4 == 0 ? 50 : 0;
    o.lines.push_back(l);
  }
  return o;
}

}  // namespace patron::bench
