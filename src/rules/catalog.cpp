#include "rules/catalog.h"

#include <algorithm>

namespace patron::rules {

std::string_view to_string(CatalogItem::Kind kind) {
  switch (kind) {
    case CatalogItem::Kind::kCoupon:
      return "coupon";
    case CatalogItem::Kind::kGift:
      return "gift";
    case CatalogItem::Kind::kCredit:
      return "credit";
  }
  return "coupon";
}

std::string catalog_blocked(const CatalogItem& item, std::string_view tier, Instant now) {
  if (!item.enabled) return "disabled";
  if (item.starts_at && now < *item.starts_at) return "not_started";
  if (item.ends_at && now >= *item.ends_at) return "ended";
  if (!item.tiers.empty() &&
      std::find(item.tiers.begin(), item.tiers.end(), tier) == item.tiers.end()) {
    return "tier";
  }
  return "";
}

}  // namespace patron::rules
