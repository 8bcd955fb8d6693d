// Replenishment reminders (補貨提醒, docs/webhooks.md "Replenishment"): from
// what members bought and how often, when each member is due to buy a SKU
// again. Plain data configured by the program file ([replenishment],
// docs/config.md); pure functions, no I/O, no clock: the app feeds purchased
// orders in and says which local day it is.
//
// A member's purchases of a SKU are local days in the program time zone
// (several on one day count once). The gaps between consecutive purchase days
// of at least min_interval_days are the member's intervals. The expected
// interval is the median of the member's own intervals ("member" basis) or,
// for a member who bought the SKU only once (or only in quick succession),
// the median of every member's intervals for that SKU ("sku" basis); with an
// even count the LOWER middle value is the median (always a gap someone
// really had, and it errs towards reminding early). Nobody bought the SKU
// twice: no expected interval, no reminder.
//
// Expected date = last purchase day + interval; a reminder is due from
// lead_days before it until late_days after it. The last purchase is the
// newest one, so a member who already bought again simply starts a new cycle
// from that purchase: there is no separate "already bought" check.
//
// Nothing here fails: bad configuration is refused by the program file
// parser, and what cannot be judged (no interval) is left out.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/time.h"
#include "rules/order.h"

namespace patron::rules {

// [replenishment] (docs/config.md). Absent from a program: no reminders.
struct Replenishment {
  int64_t lead_days = 3;          // remind this many local days before the expected date
  int64_t late_days = 7;          // and up to this many days after it, no later
  int64_t min_interval_days = 7;  // shorter gaps between purchase days are not intervals
  // Only lines of these categories or SKUs (either list matching is enough);
  // both empty: every SKU.
  std::vector<std::string> categories;
  std::vector<std::string> skus;

  // Whether reminders consider `line`'s SKU (the filters only; whether the
  // line was bought is purchase_units).
  bool covers(const OrderLine& line) const;
  friend bool operator==(const Replenishment&, const Replenishment&) = default;
};

// Units of `line` the member kept: 0 for reward (gift) lines, lines without a
// SKU and lines refunded in full.
int64_t purchase_units(const OrderLine& line);

// Where an expected interval came from.
enum class IntervalBasis {
  kMember,  // the median of the member's own intervals
  kSku,     // the median of every member's intervals for the SKU
};
std::string_view to_string(IntervalBasis basis);

// The median of `values` (not empty): the lower middle one for an even count.
int64_t lower_median(std::vector<int32_t> values);

// One reminder due: member, SKU and the cycle it belongs to.
struct ReplenishmentDue {
  std::string member_id;
  std::string sku;
  std::string category;  // of the SKU's line in the last order
  std::string brand;
  std::string last_order_id;                  // the newest purchased order with the SKU
  std::chrono::sys_days last_purchased_on{};  // its local day
  int64_t interval_days = 0;
  IntervalBasis basis = IntervalBasis::kMember;
  std::chrono::sys_days expected_on{};  // last_purchased_on + interval_days
  int64_t days_left = 0;                // expected_on - today; negative when late
  int64_t quantity = 0;                 // units of the SKU in the last order
  friend bool operator==(const ReplenishmentDue&, const ReplenishmentDue&) = default;
};

// Members' purchases of the SKUs `config` covers, added one order at a time
// (one pass over a program's orders, any order), then judged at a local day.
// Memory grows with the distinct (member, SKU) pairs and purchase days, not
// with lines. Not thread-safe.
class PurchaseHistory {
 public:
  // Keeps a copy of `config`; `zone` (from the tz database) lives forever.
  PurchaseHistory(Replenishment config, const date::time_zone* zone);

  // A purchased order (the app decides what counts: placed, reached the earn
  // trigger, not cancelled). Guest orders (no member) are ignored.
  void add(const Order& order);

  // Per SKU bought twice by someone: the median of every member's intervals
  // (the "sku" basis). SKUs without any interval are absent.
  std::map<std::string, int64_t> sku_intervals() const;

  // The reminders due on local day `today`, by member id then SKU. A member
  // without intervals of their own for a SKU uses `sku_intervals` (e.g. what
  // sku_intervals() returned, possibly over more members than were added).
  std::vector<ReplenishmentDue> due(std::chrono::sys_days today,
                                    const std::map<std::string, int64_t>& sku_intervals) const;

 private:
  // One member's purchases of one SKU.
  struct Track {
    uint32_t member = 0;
    uint32_t sku = 0;
    uint32_t category = 0;  // names_ index, of the line in the last order
    uint32_t brand = 0;
    Instant last_at{};
    int64_t quantity = 0;
    std::string last_order_id;
    std::vector<int32_t> days;  // local day numbers, unsorted, may repeat
  };
  uint32_t intern(std::unordered_map<std::string, uint32_t>& index, const std::string& text);
  // The track's distinct days ascending, and its intervals (>= min_interval_days).
  std::vector<int32_t> intervals(const Track& track) const;

  Replenishment config_;
  const date::time_zone* zone_;
  std::vector<std::string> names_;  // members, SKUs, categories and brands, interned
  std::unordered_map<std::string, uint32_t> name_index_;
  std::unordered_map<uint64_t, uint32_t> track_index_;  // member << 32 | sku -> tracks_
  std::vector<Track> tracks_;
};

// Everything due on `today` over `orders` (all purchased): a PurchaseHistory
// of them judged with its own sku_intervals().
std::vector<ReplenishmentDue> replenishments_due(const Replenishment& config,
                                                 std::span<const Order> orders,
                                                 const date::time_zone* zone,
                                                 std::chrono::sys_days today);

}  // namespace patron::rules
