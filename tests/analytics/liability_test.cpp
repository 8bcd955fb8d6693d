// The pure liability math (analytics/liability.h): lot values grouped by
// wallet and expiry month, the breakage expected from history, the checks
// against the member accounts, and the journal rows, on hand-computed
// examples and their error paths.
#include "analytics/liability.h"

#include <gtest/gtest.h>

#include <limits>
#include <vector>

namespace patron::analytics {
namespace {

LotValue lot(const char* wallet, std::optional<int64_t> month, int64_t available, int64_t pending,
             int64_t held = 0, bool past = false, int64_t lots = 1) {
  LotValue v;
  v.wallet = wallet;
  v.expiry_month = month;
  v.past_expiry = past;
  v.lots = lots;
  v.available_minor = available;
  v.pending_minor = pending;
  v.held_minor = held;
  return v;
}

AccountFlow flow(const char* wallet, const char* from, const char* to, int64_t amount) {
  return AccountFlow{wallet, from, to, amount};
}

constexpr int64_t kMarch = 2026 * 12 + 2;

TEST(Liability, BucketsBreakageAndAccounts) {
  // Credit: 1000 issued; 300 redeemed, 100 expired (rate 1/4); 50 held; a
  // clawback found 20 already spent (debt 20).
  std::vector<AccountFlow> history{
      flow("credit", "issued:purchase", "member:pending", 400),
      flow("credit", "issued:signup", "member:available", 600),
      flow("credit", "member:available", "redeemed", 300),
      flow("credit", "member:available", "expired", 100),
      flow("credit", "member:available", "member:held", 50),
      flow("credit", "member:debt", "clawed_back", 20),
  };
  // Lots: 130 expiring in April (30 of it already past expiry in a March
  // lot), 400 pending never expiring; 20 + 30 + 0 available.
  std::vector<LotValue> lots{
      lot("credit", std::nullopt, 0, 400),
      lot("credit", kMarch + 1, 100, 0, 50, false, 2),
      lot("credit", kMarch, 30, 0, 0, true),
      lot("credit", kMarch + 1, 20, 0),
  };
  auto w = wallet_liability(std::vector<std::string>{"credit", "points"}, lots, history);
  ASSERT_TRUE(w) << w.error().message;
  ASSERT_EQ(w->size(), 2u);
  const WalletLiability& c = (*w)[0];
  EXPECT_EQ(c.wallet, "credit");
  EXPECT_EQ(c.available_minor, 150);
  EXPECT_EQ(c.pending_minor, 400);
  EXPECT_EQ(c.held_minor, 50);
  EXPECT_EQ(c.debt_minor, 20);
  EXPECT_EQ(c.outstanding_minor, 150 + 400 + 50 - 20);
  EXPECT_EQ(c.history_redeemed_minor, 300);
  EXPECT_EQ(c.history_expired_minor, 100);
  EXPECT_DOUBLE_EQ(*c.breakage_rate, 0.25);
  ASSERT_EQ(c.buckets.size(), 3u);
  // March: past expiry, all of it breakage.
  EXPECT_EQ(c.buckets[0].expiry_month, kMarch);
  EXPECT_EQ(c.buckets[0].remaining_minor, 30);
  EXPECT_EQ(c.buckets[0].past_expiry_minor, 30);
  EXPECT_EQ(c.buckets[0].expected_breakage_minor, 30);
  // April: 120 x 1/4 = 30; two groups of lots summed.
  EXPECT_EQ(c.buckets[1].expiry_month, kMarch + 1);
  EXPECT_EQ(c.buckets[1].lots, 3);
  EXPECT_EQ(c.buckets[1].remaining_minor, 120);
  EXPECT_EQ(c.buckets[1].expected_breakage_minor, 30);
  // Never: last, no breakage.
  EXPECT_FALSE(c.buckets[2].expiry_month);
  EXPECT_EQ(c.buckets[2].pending_minor, 400);
  EXPECT_EQ(c.buckets[2].expected_breakage_minor, 0);
  EXPECT_EQ(c.expected_breakage_minor, 60);
  const WalletLiability& p = (*w)[1];
  EXPECT_EQ(p.wallet, "points");
  EXPECT_EQ(p.outstanding_minor, 0);
  EXPECT_FALSE(p.breakage_rate);
  EXPECT_TRUE(p.buckets.empty());
}

TEST(Liability, NoHistoryMeansNoExpectedBreakageButPastExpiryCounts) {
  std::vector<AccountFlow> history{flow("credit", "issued:signup", "member:available", 90)};
  std::vector<LotValue> lots{lot("credit", kMarch, 50, 0), lot("credit", kMarch, 40, 0, 0, true)};
  auto w = wallet_liability({}, lots, history);
  ASSERT_TRUE(w) << w.error().message;
  ASSERT_EQ(w->size(), 1u);
  EXPECT_FALSE((*w)[0].breakage_rate);
  ASSERT_EQ((*w)[0].buckets.size(), 1u);
  EXPECT_EQ((*w)[0].buckets[0].expected_breakage_minor, 40);
}

TEST(Liability, LotsThatDisagreeWithTheAccountsAreCorruption) {
  std::vector<AccountFlow> history{flow("credit", "issued:signup", "member:available", 100)};
  std::vector<LotValue> lots{lot("credit", std::nullopt, 90, 0)};
  auto w = wallet_liability({}, lots, history);
  ASSERT_FALSE(w);
  EXPECT_EQ(w.error().code, ErrorCode::kCorruption);
  // A lot the accounts know nothing of, in a wallet with no flows.
  std::vector<LotValue> stray{lot("points", std::nullopt, 5, 0)};
  EXPECT_EQ(wallet_liability({}, stray, {}).error().code, ErrorCode::kCorruption);
  std::vector<LotValue> negative{lot("credit", std::nullopt, -1, 0)};
  EXPECT_EQ(wallet_liability({}, negative, {}).error().field, "lots");
  std::vector<AccountFlow> bad{flow("credit", "a", "b", -1)};
  EXPECT_EQ(wallet_liability({}, {}, bad).error().field, "amount");
}

TEST(Liability, ScaleRoundsHalfUpWithoutOverflow) {
  EXPECT_EQ(scale_half_up(150, 1, 6), 25);
  EXPECT_EQ(scale_half_up(40, 1, 6), 7);  // 6.67
  EXPECT_EQ(scale_half_up(5, 1, 2), 3);   // 2.5 up
  EXPECT_EQ(scale_half_up(7, 1, 2), 4);   // 3.5 up
  EXPECT_EQ(scale_half_up(0, 3, 7), 0);
  const int64_t big = std::numeric_limits<int64_t>::max() / 2;
  EXPECT_EQ(scale_half_up(big, big, big), big);
  EXPECT_EQ(scale_half_up(big, 1, 1), big);
}

TEST(Journal, MovementsAddUpToTheClosingBalance) {
  // Before the period: 500 issued, 100 redeemed (opening 400). In it: 300
  // issued (two sources), 120 redeemed less 20 restored, 30 expired of which
  // 10 later clawed back from expired, 40 clawed back from members, a
  // shortfall of 15 clawed back as debt and written off, 5 adjusted.
  std::vector<AccountFlow> period{
      flow("credit", "issued:purchase", "member:pending", 200),
      flow("credit", "issued:signup", "member:available", 100),
      flow("credit", "member:available", "redeemed", 120),
      flow("credit", "redeemed", "member:available", 20),
      flow("credit", "member:available", "expired", 30),
      flow("credit", "expired", "clawed_back", 10),
      flow("credit", "member:pending", "clawed_back", 40),
      flow("credit", "member:debt", "clawed_back", 15),
      flow("credit", "written_off", "member:debt", 15),
      flow("credit", "member:available", "adjusted", 5),
  };
  std::vector<AccountFlow> history = period;
  history.push_back(flow("credit", "issued:signup", "member:available", 500));
  history.push_back(flow("credit", "member:available", "redeemed", 100));
  auto rows = journal_rows(std::vector<std::string>{"credit", "points"}, period, history);
  ASSERT_TRUE(rows) << rows.error().message;
  ASSERT_EQ(rows->size(), 2u);
  const JournalRow& r = (*rows)[0];
  EXPECT_EQ(r.wallet, "credit");
  EXPECT_EQ(r.opening_minor, 400);
  EXPECT_EQ(r.issued_minor, 300);
  EXPECT_EQ(r.redeemed_minor, 100);
  EXPECT_EQ(r.expired_minor, 20);
  EXPECT_EQ(r.clawed_back_minor, 65);
  EXPECT_EQ(r.written_off_minor, 15);
  EXPECT_EQ(r.adjusted_minor, 5);
  // 400 + 300 - 100 - 20 - 65 + 15 - 5
  EXPECT_EQ(r.closing_minor, 525);
  EXPECT_EQ((*rows)[1].wallet, "points");
  EXPECT_EQ((*rows)[1].closing_minor, 0);
}

TEST(Journal, AnUnknownAccountIsCorruption) {
  std::vector<AccountFlow> period{flow("credit", "member:available", "lost", 5)};
  auto rows = journal_rows({}, period, period);
  ASSERT_FALSE(rows);
  EXPECT_EQ(rows.error().code, ErrorCode::kCorruption);
  EXPECT_NE(rows.error().message.find("lost"), std::string::npos);
  std::vector<AccountFlow> negative{flow("credit", "a", "b", -5)};
  EXPECT_EQ(journal_rows({}, negative, {}).error().field, "amount");
}

}  // namespace
}  // namespace patron::analytics
