#include "rules/replenishment.h"

#include <algorithm>
#include <tuple>
#include <utility>

#include "core/assert.h"

namespace patron::rules {

namespace {

bool listed(const std::vector<std::string>& list, const std::string& value) {
  return std::find(list.begin(), list.end(), value) != list.end();
}

int32_t day_number(std::chrono::sys_days day) {
  return static_cast<int32_t>(day.time_since_epoch().count());
}

}  // namespace

bool Replenishment::covers(const OrderLine& line) const {
  if (categories.empty() && skus.empty()) return true;
  return listed(skus, line.sku) || listed(categories, line.category);
}

int64_t purchase_units(const OrderLine& line) {
  if (line.reward || line.sku.empty()) return 0;
  return std::max<int64_t>(0, line.quantity - line.refunded_quantity);
}

std::string_view to_string(IntervalBasis basis) {
  return basis == IntervalBasis::kMember ? "member" : "sku";
}

int64_t lower_median(std::vector<int32_t> values) {
  PATRON_ASSERT(!values.empty());
  auto middle = values.begin() + static_cast<std::ptrdiff_t>((values.size() - 1) / 2);
  std::nth_element(values.begin(), middle, values.end());
  return *middle;
}

PurchaseHistory::PurchaseHistory(Replenishment config, const date::time_zone* zone)
    : config_(std::move(config)), zone_(zone) {}

uint32_t PurchaseHistory::intern(std::unordered_map<std::string, uint32_t>& index,
                                 const std::string& text) {
  auto [it, fresh] = index.try_emplace(text, static_cast<uint32_t>(names_.size()));
  if (fresh) names_.push_back(text);
  return it->second;
}

void PurchaseHistory::add(const Order& order) {
  if (order.member_id.empty()) return;
  // Units of each covered SKU in the order (two lines of one SKU are one
  // purchase); category and brand from its first line.
  struct Bought {
    const OrderLine* line;
    int64_t units;
  };
  std::vector<Bought> bought;
  for (const OrderLine& line : order.lines) {
    const int64_t units = purchase_units(line);
    if (units <= 0 || !config_.covers(line)) continue;
    auto same = std::find_if(bought.begin(), bought.end(),
                             [&](const Bought& b) { return b.line->sku == line.sku; });
    if (same != bought.end()) {
      same->units += units;
    } else {
      bought.push_back({&line, units});
    }
  }
  if (bought.empty()) return;
  const int32_t day = day_number(std::chrono::sys_days(local_date(order.placed_at, zone_)));
  const uint64_t member = intern(name_index_, order.member_id);
  for (const Bought& b : bought) {
    const uint32_t sku = intern(name_index_, b.line->sku);
    auto [it, fresh] =
        track_index_.try_emplace(member << 32 | sku, static_cast<uint32_t>(tracks_.size()));
    if (fresh) {
      tracks_.push_back(Track{});
      tracks_.back().member = static_cast<uint32_t>(member);
      tracks_.back().sku = sku;
    }
    Track& t = tracks_[it->second];
    const bool first = t.days.empty();
    if (first || t.days.back() != day) t.days.push_back(day);
    // The newest order is the last purchase; equal times: the greater id, so
    // the answer does not depend on the order orders were added in.
    if (first || order.placed_at > t.last_at ||
        (order.placed_at == t.last_at && order.id > t.last_order_id)) {
      t.last_at = order.placed_at;
      t.last_order_id = order.id;
      t.quantity = b.units;
      t.category = intern(name_index_, b.line->category);
      t.brand = intern(name_index_, b.line->brand);
    }
  }
}

std::vector<int32_t> PurchaseHistory::intervals(const Track& track) const {
  std::vector<int32_t> days = track.days;
  std::sort(days.begin(), days.end());
  days.erase(std::unique(days.begin(), days.end()), days.end());
  std::vector<int32_t> out;
  for (std::size_t i = 1; i < days.size(); ++i) {
    const int32_t gap = days[i] - days[i - 1];
    if (gap >= config_.min_interval_days) out.push_back(gap);
  }
  return out;
}

std::map<std::string, int64_t> PurchaseHistory::sku_intervals() const {
  std::unordered_map<uint32_t, std::vector<int32_t>> pooled;
  for (const Track& t : tracks_) {
    std::vector<int32_t> gaps = intervals(t);
    if (gaps.empty()) continue;
    std::vector<int32_t>& all = pooled[t.sku];
    all.insert(all.end(), gaps.begin(), gaps.end());
  }
  std::map<std::string, int64_t> out;
  for (auto& [sku, gaps] : pooled) out.emplace(names_[sku], lower_median(std::move(gaps)));
  return out;
}

std::vector<ReplenishmentDue> PurchaseHistory::due(
    std::chrono::sys_days today, const std::map<std::string, int64_t>& sku_intervals) const {
  std::vector<ReplenishmentDue> out;
  for (const Track& t : tracks_) {
    PATRON_ASSERT(!t.days.empty());
    int64_t interval = 0;
    IntervalBasis basis = IntervalBasis::kMember;
    if (std::vector<int32_t> gaps = intervals(t); !gaps.empty()) {
      interval = lower_median(std::move(gaps));
    } else if (auto it = sku_intervals.find(names_[t.sku]); it != sku_intervals.end()) {
      interval = it->second;
      basis = IntervalBasis::kSku;
    } else {
      continue;  // nobody bought the SKU twice: nothing to expect
    }
    const std::chrono::sys_days last{
        std::chrono::days{*std::max_element(t.days.begin(), t.days.end())}};
    const std::chrono::sys_days expected = last + std::chrono::days{interval};
    const int64_t days_left = (expected - today).count();
    if (days_left > config_.lead_days || days_left < -config_.late_days) continue;
    out.push_back(ReplenishmentDue{names_[t.member], names_[t.sku], names_[t.category],
                                   names_[t.brand], t.last_order_id, last, interval, basis,
                                   expected, days_left, t.quantity});
  }
  std::sort(out.begin(), out.end(), [](const ReplenishmentDue& a, const ReplenishmentDue& b) {
    return std::tie(a.member_id, a.sku) < std::tie(b.member_id, b.sku);
  });
  return out;
}

std::vector<ReplenishmentDue> replenishments_due(const Replenishment& config,
                                                 std::span<const Order> orders,
                                                 const date::time_zone* zone,
                                                 std::chrono::sys_days today) {
  PurchaseHistory history(config, zone);
  for (const Order& o : orders) history.add(o);
  return history.due(today, history.sku_intervals());
}

}  // namespace patron::rules
