// Named bounds on everything untrusted or unbounded. Each says why.
#pragma once

#include <cstdint>

namespace patron::limits {

// Largest single amount a command may carry: 10^14 minor units (NT$100
// trillion). A wallet may hold kOpenLotsMax lots, and 10,000 x 10^14 = 10^18
// still fits int64 (9.2e18), so balance sums cannot overflow.
inline constexpr int64_t kAmountMax = 100'000'000'000'000;

// External ids (member, order, line, idempotency key) are shop-supplied text;
// 128 bytes fits UUIDs, Shopify GIDs and composite keys with room to spare.
inline constexpr std::size_t kIdBytesMax = 128;

// Member tags (segments a shop assigns: "vip_event", "批發"): per member, and
// bytes per tag.
inline constexpr std::size_t kMemberTagsMax = 32;
inline constexpr std::size_t kTagBytesMax = 32;

// A reason on an admin adjustment is for humans; keep it a sentence or two.
inline constexpr std::size_t kReasonBytesMax = 500;

// Lot-line pairs one multi-line payment may weigh (the allocation is a small
// min-cost flow; 5,000 pairs, e.g. 500 lots x 10 lines, stay in milliseconds).
inline constexpr std::size_t kAllocationPairsMax = 5'000;

// Lines on one spend/refund; checkout carts are far smaller, and the lot
// allocation is quadratic-ish in lines x lots.
inline constexpr std::size_t kLinesMax = 500;

// Lines of one order. Wholesale invoices are long (the Online Retail file's
// largest has 1,114 lines); the bound keeps one order's earn and refund work
// within a few milliseconds.
inline constexpr std::size_t kOrderLinesMax = 5'000;
// How far ahead of patron's clock a shop's timestamp (placed_at, an event's
// at) may be: clocks differ, but a far-future time would keep value pending
// or out of tier counts for years.
inline constexpr int64_t kClockSkewSecondsMax = 3600;
// Events sent with an order upsert (paid, fulfilled, ... in one request).
inline constexpr std::size_t kOrderEventsMax = 16;

// Coupon codes on one order: shops stack one or two; a handful bounds the
// work of judging them against each other.
inline constexpr std::size_t kCouponsPerOrderMax = 5;

// Unique codes made by one coupon batch: the response lists them all
// (~10 bytes each), and a campaign needing more makes several batches.
inline constexpr std::size_t kCouponBatchCodesMax = 10'000;

// Open lots per member wallet considered in one command. A member with more
// open lots than this is a data problem worth an error, not a slow path.
inline constexpr std::size_t kOpenLotsMax = 10'000;

// Hold time-to-live bounds: a checkout session rarely lasts more than an hour;
// a week is the outer bound for manual flows (bank transfer orders).
inline constexpr int64_t kHoldTtlSecondsDefault = 15 * 60;
inline constexpr int64_t kHoldTtlSecondsMax = 7 * 24 * 3600;

// Group commit: at most this many commands share one transaction, and the
// writer waits at most this long for a batch to fill after the first command.
// 1,000 commands per fsync already amortise the fsync below 1 us per command.
inline constexpr std::size_t kCommitBatchMax = 1'000;
inline constexpr int64_t kCommitWaitMicrosecondsMax = 2'000;

// Commands waiting for the writer; beyond this callers get back-pressure.
inline constexpr std::size_t kWriterQueueMax = 100'000;

// List reads (members, audit log, job runs): one page is what a client needs
// to render a screen; a larger page would hold the reader connection longer.
inline constexpr std::size_t kPageSizeMax = 500;
inline constexpr std::size_t kPageSizeDefault = 50;

// HTTP server. Request bodies are small JSON documents (a cart of kLinesMax
// lines at ~200 bytes each is ~100 KiB); 1 MiB leaves room and bounds memory
// per connection.
inline constexpr std::size_t kRequestBodyBytesMax = 1 << 20;
inline constexpr std::size_t kRequestHeaderBytesMax = 16 * 1024;
// A client that sends nothing for this long loses its connection (slowloris).
inline constexpr int64_t kReadTimeoutSeconds = 30;
inline constexpr int64_t kWriteTimeoutSeconds = 30;
// Idle keep-alive connections are closed after this long.
inline constexpr int64_t kIdleTimeoutSeconds = 60;
// Connections held at once; more are accepted and closed at once.
inline constexpr std::size_t kConnectionsMax = 10'000;
// On SIGTERM, in-flight requests get this long to finish.
inline constexpr int64_t kShutdownGraceSeconds = 10;
// After refusing a request (413, 431, 400) the server reads and discards what
// the client still sends, so the client sees the reply instead of a reset.
inline constexpr int64_t kLingerSeconds = 2;
inline constexpr std::size_t kLingerBytesMax = 4 * kRequestBodyBytesMax;
// A program's wallets and per-source expiry rules: every member view and job
// walks all wallets, and a wallet can never be removed once it exists.
inline constexpr std::size_t kWalletsMax = 16;
inline constexpr std::size_t kExpirySourcesMax = 64;
// Program rules (docs/config.md). Every order evaluates every earn rule, and
// each rule compares every line with its exclusion lists and multipliers, so
// these bound the work per order (500 lines x 64 rules x 100 entries).
// A shop with more than 64 earn rules needs campaigns, not rules.
inline constexpr std::size_t kEarnRulesMax = 64;
// Entries of one exclusion list (categories, brands, SKUs) or of one rule's
// multipliers; a longer list belongs in the shop's catalogue as a category.
inline constexpr std::size_t kEarnRuleListMax = 100;
// Tier names in a rule's tier rates or a member day's tiers: loyalty
// programs have a handful of tiers (一般, 銀卡, 金卡, VIP).
inline constexpr std::size_t kTiersMax = 16;
inline constexpr std::size_t kTierBytesMax = 32;
// Tier levels ([tiers] in docs/config.md) are bounded by kTiersMax too. A
// level's display name (一般, 銀卡, "Gold member") is for screens: 64 bytes is
// 21 CJK characters.
inline constexpr std::size_t kTierNameBytesMax = 64;
// A tier entry or retain by order count: a million orders is far beyond any
// member; a larger number is a typo (or an amount under basis = "order_count").
inline constexpr int64_t kTierOrdersMax = 1'000'000;
// Tier windows and periods in months: ten years bounds a mistyped value.
inline constexpr int64_t kTierMonthsMax = 120;
// "Will downgrade" warnings come at most a year before the anniversary.
inline constexpr int64_t kTierWarnDaysMax = 365;
// Member days: one per day of the month plus one per weekday is already more
// than any program uses.
inline constexpr std::size_t kMemberDaysMax = 38;
// Earn rates in basis points: up to 10000% because a points wallet may count
// finer units than the currency (10 points per NT$1 is 1000%).
inline constexpr int64_t kEarnRateBpMax = 1'000'000;
// Multipliers (lines, member days) in basis points of x1: up to 100x. More
// is a typo, and the product of a line's multipliers stays far from overflow.
inline constexpr int64_t kMultiplierBpMax = 1'000'000;
// Days purchase value stays pending after fulfilment (鑑賞期: 7 days in
// Taiwan, 14 in the EU); a year bounds a mistyped value.
inline constexpr int64_t kReturnWindowDaysMax = 365;
// Engagement rewards ([[rewards]]): like earn rules, a handful per trigger;
// more than 64 is campaigns, not rewards.
inline constexpr std::size_t kRewardsMax = 64;
// A per-member limit or a budget's number of grants: beyond a billion is a typo.
inline constexpr int64_t kRewardCountMax = 1'000'000'000;
// A birthday reward is still granted this many days after its date (a server
// that was down on the day); a month covers any outage.
inline constexpr int64_t kBirthdayGraceDaysMax = 31;
// A win-back reward's inactive_days: up to ten years.
inline constexpr int64_t kInactiveDaysMax = 3650;
// Replenishment reminders ([replenishment]): a reminder more than two months
// ahead of a purchase is an advertisement; a year late is no reminder; an
// interval is at most a year (a longer one is a different habit, and a
// min_interval_days above it would filter every interval out).
inline constexpr int64_t kReplenishmentLeadDaysMax = 60;
inline constexpr int64_t kReplenishmentLateDaysMax = 365;
inline constexpr int64_t kReplenishmentIntervalDaysMax = 365;
// Campaigns ([[campaigns]]): every order checks every campaign's window and
// target, like earn rules; more than 64 at once is a calendar, not a program.
inline constexpr std::size_t kCampaignsMax = 64;
// Reward catalog items of a program ([[catalog]]), and the longest validity
// of a coupon a rule issues.
inline constexpr std::size_t kCatalogMax = 256;
inline constexpr int64_t kCouponValidDaysMax = 3660;
// A campaign's name is for screens and reports (雙11 加碼): 100 bytes is 33
// CJK characters.
inline constexpr std::size_t kCampaignNameBytesMax = 100;
// Key labels and audit details are short notes.
inline constexpr std::size_t kLabelBytesMax = 200;

}  // namespace patron::limits
