// Expiry: the rules (N days, end of month/quarter/year in the program zone),
// the default rule per grant source, and the expire job (breakage, idempotent).
#include <string>
#include <vector>

#include "ledger_test_support.h"

namespace patron::ledger {
namespace {

using testing::at;
using testing::expect_error;
using testing::taipei;
using testing::WalletHarness;

std::optional<Instant> expiry(const ExpiryRule& rule, const std::string& granted) {
  return expires_at(rule, at(granted), taipei());
}

TEST(ExpiryRule, DaysAreUsableThroughTheEndOfTheNthLocalDay) {
  // Granted 10 March 15:00 Taipei: day 30 after is 9 April; usable until 10 April 00:00.
  EXPECT_EQ(expiry(ExpiryRule::days(30), "2026-03-10T15:00"), at("2026-04-10T00:00"));
  EXPECT_EQ(expiry(ExpiryRule::days(30), "2026-03-10T00:00"), at("2026-04-10T00:00"));
  EXPECT_EQ(expiry(ExpiryRule::days(30), "2026-03-10T23:59:59"), at("2026-04-10T00:00"));
  EXPECT_EQ(expiry(ExpiryRule::days(1), "2026-03-10T15:00"), at("2026-03-12T00:00"));
}

TEST(ExpiryRule, DaysCountLocalDaysNotUtcDays) {
  // 17:00 UTC on 10 March is already 01:00 on 11 March in Taipei.
  EXPECT_EQ(expiry(ExpiryRule::days(30), "2026-03-10T17:00:00Z"), at("2026-04-11T00:00"));
  EXPECT_EQ(*expiry(ExpiryRule::days(30), "2026-03-10T17:00:00Z"), at("2026-04-10T16:00:00Z"));
}

// Regression (review finding 8): N days used to be N x 24 hours, a day short or
// long across a DST change.
TEST(ExpiryRule, DaysAreCalendarDaysAcrossDaylightSavingChanges) {
  const date::time_zone* london = date::locate_zone("Europe/London");
  auto local = [&](const char* text) { return *parse_instant(text, london, "t"); };
  // BST ends on 2026-10-25: 00:30 BST + 1 day is usable through 26 October.
  EXPECT_EQ(expires_at(ExpiryRule::days(1), local("2026-10-25T00:30"), london),
            local("2026-10-27T00:00"));
  // BST starts on 2026-03-29.
  EXPECT_EQ(expires_at(ExpiryRule::days(1), local("2026-03-28T23:30"), london),
            local("2026-03-30T00:00"));
}

TEST(ExpiryRule, EndOfMonthQuarterYearUseTaipeiCalendar) {
  EXPECT_EQ(expiry(ExpiryRule::end_of(CalendarUnit::kMonth), "2026-02-15T10:00"),
            at("2026-03-01T00:00"));
  // 20:00 UTC on 31 January is 04:00 on 1 February in Taipei: end of February.
  EXPECT_EQ(expiry(ExpiryRule::end_of(CalendarUnit::kMonth), "2026-01-31T20:00:00Z"),
            at("2026-03-01T00:00"));
  EXPECT_EQ(expiry(ExpiryRule::end_of(CalendarUnit::kQuarter), "2026-05-20T10:00"),
            at("2026-07-01T00:00"));
  EXPECT_EQ(expiry(ExpiryRule::end_of(CalendarUnit::kQuarter), "2026-12-31T23:00"),
            at("2027-01-01T00:00"));
  EXPECT_EQ(expiry(ExpiryRule::end_of(CalendarUnit::kYear), "2026-05-20T10:00"),
            at("2027-01-01T00:00"));
  // 16:30 UTC on 31 December is already 2027 in Taipei.
  EXPECT_EQ(expiry(ExpiryRule::end_of(CalendarUnit::kYear), "2026-12-31T16:30:00Z"),
            at("2028-01-01T00:00"));
}

TEST(ExpiryRule, ExtraPeriodsExtendTheEnd) {
  EXPECT_EQ(expiry(ExpiryRule::end_of(CalendarUnit::kYear, 1), "2026-05-20T10:00"),
            at("2028-01-01T00:00"));
  EXPECT_EQ(expiry(ExpiryRule::end_of(CalendarUnit::kMonth, 2), "2026-11-15T10:00"),
            at("2027-02-01T00:00"));
  EXPECT_EQ(expiry(ExpiryRule::never(), "2026-11-15T10:00"), std::nullopt);
}

TEST(ExpiryRule, ParsesEveryDocumentedForm) {
  EXPECT_EQ(parse_expiry_rule("never", "expiry"), ExpiryRule::never());
  EXPECT_EQ(parse_expiry_rule("30d", "expiry"), ExpiryRule::days(30));
  EXPECT_EQ(parse_expiry_rule("end_of_month", "expiry"), ExpiryRule::end_of(CalendarUnit::kMonth));
  EXPECT_EQ(parse_expiry_rule("end_of_quarter", "expiry"),
            ExpiryRule::end_of(CalendarUnit::kQuarter));
  EXPECT_EQ(parse_expiry_rule("end_of_year", "expiry"), ExpiryRule::end_of(CalendarUnit::kYear));
  EXPECT_EQ(parse_expiry_rule("end_of_year+1", "expiry"),
            ExpiryRule::end_of(CalendarUnit::kYear, 1));
  for (const char* text : {"never", "30d", "end_of_month", "end_of_quarter+2", "end_of_year+1"}) {
    auto rule = parse_expiry_rule(text, "expiry");
    ASSERT_TRUE(rule) << text;
    EXPECT_EQ(to_string(*rule), text);
  }
}

TEST(ExpiryRule, RejectsMalformedRulesNamingTheField) {
  for (const char* text : {"", "0d", "d", "30", "-5d", "30D", "3.5d", "end_of_week", "end_of_year+",
                           "end_of_year+x", "end_of_year+101", "Never", "never+1"}) {
    expect_error(parse_expiry_rule(text, "wallets.credit.expiry"), ErrorCode::kInvalidArgument,
                 "wallets.credit.expiry");
  }
}

TEST(DefaultExpiry, BirthdayThirtyDaysSignupSixtyPurchaseNever) {
  WalletHarness h;
  Instant now = at("2026-03-10T15:00");
  int64_t birthday = h.grant(now, 100, "birthday");
  int64_t signup = h.grant(now, 100, "signup");
  int64_t purchase = h.grant(now, 100, "purchase");
  int64_t campaign = h.grant(now, 100, "campaign");
  EXPECT_EQ(h.lot(birthday).expires_at, at("2026-04-10T00:00"));
  EXPECT_EQ(h.lot(signup).expires_at, at("2026-05-10T00:00"));
  EXPECT_EQ(h.lot(purchase).expires_at, std::nullopt);
  EXPECT_EQ(h.lot(campaign).expires_at, std::nullopt) << "unlisted sources use default_expiry";
}

TEST(DefaultExpiry, ExplicitExpiresAtOverridesThePolicy) {
  WalletHarness h;
  int64_t id = h.grant(at("2026-03-10T15:00"), 100, "birthday",
                       [](Grant& g) { g.expires_at = at("2026-12-31T00:00"); });
  EXPECT_EQ(h.lot(id).expires_at, at("2026-12-31T00:00"));
}

TEST(DefaultExpiry, PolicyRulesPerSourceApply) {
  WalletHarness h;
  h.policy().expiry_by_source["campaign"] = ExpiryRule::end_of(CalendarUnit::kMonth);
  h.policy().expiry_by_source["review"] = ExpiryRule::end_of(CalendarUnit::kQuarter);
  h.policy().default_expiry = ExpiryRule::end_of(CalendarUnit::kYear, 1);
  Instant now = at("2026-05-20T10:00");
  EXPECT_EQ(h.lot(h.grant(now, 1, "campaign")).expires_at, at("2026-06-01T00:00"));
  EXPECT_EQ(h.lot(h.grant(now, 1, "review")).expires_at, at("2026-07-01T00:00"));
  EXPECT_EQ(h.lot(h.grant(now, 1, "purchase")).expires_at, at("2028-01-01T00:00"));
}

TEST(DefaultExpiry, PointsExpireAtTheEndOfTheFollowingYear) {
  WalletHarness h(default_points_policy(taipei()));
  int64_t id = h.grant(at("2026-05-20T10:00"), 500, "purchase");
  EXPECT_EQ(h.lot(id).expires_at, at("2028-01-01T00:00"));
}

TEST(ExpireJob, ThirtyDayCreditIsUsableThroughItsLastDayThenBreaks) {
  WalletHarness h;
  int64_t id = h.grant(at("2026-03-10T15:00"), 100, "birthday");
  Spend spend30;
  spend30.amount = 30;
  ASSERT_TRUE(h.run(at("2026-03-20T12:00"), [&](WalletLedger& l) { return l.spend(spend30); }));

  // The last second of the 30th day: still spendable.
  Instant last = at("2026-04-09T23:59:59");
  EXPECT_EQ(h.balances(last).available, 70);
  Spend spend70;
  spend70.amount = 70;
  testing::CountingIds scratch;
  WalletLedger dry_run(h.state(), h.policy(), scratch, last);
  EXPECT_TRUE(dry_run.spend(spend70));

  Instant end = at("2026-04-10T00:00");
  Spend spend1;
  spend1.amount = 1;
  expect_error(h.run(end, [&](WalletLedger& l) { return l.spend(spend1); }),
               ErrorCode::kInsufficientFunds, "amount");
  h.advance(end);
  EXPECT_EQ(h.lot(id).state, LotState::kExpired);
  EXPECT_EQ(h.lot(id).remaining, 0);
  ASSERT_EQ(h.last_transfers().size(), 1u);
  EXPECT_EQ(h.last_transfers()[0].kind, "expire");
  EXPECT_EQ(h.last_transfers()[0].from, account::kAvailable);
  EXPECT_EQ(h.last_transfers()[0].to, account::kExpired);
  EXPECT_EQ(h.last_transfers()[0].amount, 70) << "only the unspent rest is breakage";
  EXPECT_EQ(h.account_balance(account::kExpired), 70);
  EXPECT_EQ(h.account_balance(account::kRedeemed), 30);
  Balances b = h.balances(end);
  EXPECT_EQ(b.available, 0);
  EXPECT_EQ(b.pending, 0);
}

TEST(ExpireJob, IsIdempotent) {
  WalletHarness h;
  h.grant(at("2026-03-10T15:00"), 100, "birthday");
  Instant later = at("2026-06-01T00:00");
  h.advance(later);
  EXPECT_EQ(h.account_balance(account::kExpired), 100);
  h.advance(later);
  EXPECT_TRUE(h.last_transfers().empty()) << "a second run at the same now changes nothing";
  h.advance(later + std::chrono::days{400});
  EXPECT_TRUE(h.last_transfers().empty()) << "expired lots never expire twice";

  testing::CountingIds ids;
  WalletLedger ledger(h.state(), h.policy(), ids, later);
  JobResult again = ledger.expire();
  EXPECT_EQ(again.lots, 0);
  EXPECT_EQ(again.amount, 0);
  EXPECT_TRUE(ledger.take_changes().empty());
}

TEST(ExpireJob, ExpiryIsExclusiveAtTheInstant) {
  WalletHarness h;
  Instant now = at("2026-03-10T15:00");
  Instant end = now + std::chrono::hours{1};
  h.grant(now, 100, "campaign", [&](Grant& g) { g.expires_at = end; });
  EXPECT_EQ(h.balances(end - std::chrono::seconds{1}).available, 100);
  EXPECT_EQ(h.balances(end).available, 0);
}

TEST(ExpireJob, PendingValueExpiresFromPending) {
  WalletHarness h;
  Instant now = at("2026-03-10T15:00");
  int64_t id = h.grant(now, 100, "purchase", [&](Grant& g) {
    g.pending_until_release = true;
    g.order_id = "order-1";
    g.expires_at = at("2026-04-01T00:00");
  });
  h.advance(at("2026-04-01T00:00"));
  EXPECT_EQ(h.lot(id).state, LotState::kExpired);
  EXPECT_EQ(h.moved(account::kPending, account::kExpired, "expire"), 100);
  EXPECT_EQ(h.balances(at("2026-04-01T00:00")).pending, 0);
  // Releasing the order afterwards finds nothing to release.
  auto r =
      h.run(at("2026-04-02T00:00"), [](WalletLedger& l) { return l.release_order("order-1"); });
  ASSERT_TRUE(r);
  EXPECT_EQ(r->lots, 0);
}

TEST(ExpireJob, LotMaturingAfterItsExpiryMaturesThenExpires) {
  WalletHarness h;
  Instant now = at("2026-03-10T15:00");
  int64_t id = h.grant(now, 100, "purchase", [&](Grant& g) {
    g.available_at = at("2026-03-17T15:00");
    g.expires_at = at("2026-03-20T00:00");
  });
  h.advance(at("2026-05-01T00:00"));  // the job did not run in between
  EXPECT_EQ(h.lot(id).state, LotState::kExpired);
  EXPECT_EQ(h.account_balance(account::kExpired), 100);
  EXPECT_EQ(h.account_balance(account::kPending), 0);
  EXPECT_EQ(h.account_balance(account::kAvailable), 0);
}

}  // namespace
}  // namespace patron::ledger
