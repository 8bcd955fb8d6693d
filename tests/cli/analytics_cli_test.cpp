// The analytics commands (issue 8 items 1-6 and 8) as a user runs them: the real
// binary on a real SQLite file, orders from `patron import`, ledger value
// from wallet commands at fixed times, figures computed by hand (see
// docs/analytics.md for the definitions), bad input, and the --json shapes.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cmath>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "support/run_patron.h"
#include "support/temp_dir.h"

namespace patron {
namespace {

namespace json = boost::json;

using testing::Outcome;

// Default program: TWD, Asia/Taipei, no earn rules. A6 is refunded whole
// (paid value 0: not a purchase), A7 is a guest order (left out).
constexpr const char* kOrders =
    "order_id,member_id,placed_at,line_id,sku,category,quantity,unit_price,status\n"
    "A1,m1,2026-01-05 10:00:00,1,TEE,tops,1,1000,paid\n"
    "A2,m1,2026-01-20 10:00:00,1,TEE,tops,2,500,paid\n"
    "A3,m2,2026-01-10 10:00:00,1,TEE,tops,1,300,paid\n"
    "A4,m1,2026-02-03 10:00:00,1,TEE,tops,1,600,paid\n"
    "A5,m3,2026-02-14 10:00:00,1,TEE,tops,1,800,paid\n"
    "A6,m2,2026-03-01 10:00:00,1,TEE,tops,1,400,paid\n"
    "A6,m2,2026-03-02 10:00:00,1,TEE,tops,-1,400,refunded\n"
    "A7,,2026-03-03 10:00:00,1,TEE,tops,1,400,paid\n";

class AnalyticsCli : public ::testing::Test {
 protected:
  void SetUp() override {
    std::ofstream(dir_.file("orders.csv")) << kOrders;
    ok({"import", "orders", dir_.file("orders.csv")});
  }
  Outcome patron(const std::vector<std::string>& args) {
    return testing::run_patron(PATRON_BINARY, dir_, {"--db", dir_.file("patron.db")}, args);
  }
  Outcome ok(const std::vector<std::string>& args) {
    Outcome r = patron(args);
    EXPECT_EQ(r.code, 0) << r.err;
    return r;
  }
  json::object report(const std::vector<std::string>& args) {
    std::vector<std::string> all{"--json", "analytics"};
    all.insert(all.end(), args.begin(), args.end());
    return ok(all).json().as_object();
  }
  // Credit: 300 signup to m1 and 40 review to m2 (expiring 1 March) on 1
  // Feb, 100 spent by m1 on 10 Feb, m2's 40 expired by the job on 2 March;
  // 500 signup points to m1 on 1 Jan (before the period).
  void ledger_history() {
    ok({"--now", "2026-01-01T12:00:00+08:00", "wallet", "grant", "m1", "--wallet", "points",
        "--amount", "500", "--source", "signup"});
    ok({"--now", "2026-02-01T12:00:00+08:00", "wallet", "grant", "m1", "--wallet", "credit",
        "--amount", "300", "--source", "signup"});
    ok({"--now", "2026-02-01T12:00:00+08:00", "wallet", "grant", "m2", "--wallet", "credit",
        "--amount", "40", "--source", "review", "--expires-at", "2026-03-01T00:00:00+08:00"});
    ok({"--now", "2026-02-10T12:00:00+08:00", "wallet", "spend", "m1", "--wallet", "credit",
        "--amount", "100"});
    ok({"--now", "2026-03-02T12:00:00+08:00", "jobs", "run", "expire"});
  }

  // Credit: 20 to m2 expiring 15 Jan (expired by the job on 16 Jan); on 1
  // Feb 300 signup to m1 (60 days: usable through 2 April), 40 to m2
  // expiring 1 March, 70 pending until released (never expires) to m3; m1
  // spends 100 on 10 Feb, reserves 50 on 20 Feb (hold 1, seven days) of
  // which 30 are captured on 26 Feb; the job expires m2's 40 on 2 March; an
  // admin removes 10 from m1 on 10 March. Points: 500 signup to m1 on 1 Jan
  // (usable through the end of 2027).
  void liability_history() {
    ok({"--now", "2026-01-01T12:00:00+08:00", "wallet", "grant", "m1", "--wallet", "points",
        "--amount", "500", "--source", "signup"});
    ok({"--now", "2026-01-01T12:00:00+08:00", "wallet", "grant", "m2", "--wallet", "credit",
        "--amount", "20", "--source", "review", "--expires-at", "2026-01-15T00:00:00+08:00"});
    ok({"--now", "2026-01-16T12:00:00+08:00", "jobs", "run", "expire"});
    ok({"--now", "2026-02-01T12:00:00+08:00", "wallet", "grant", "m1", "--wallet", "credit",
        "--amount", "300", "--source", "signup"});
    ok({"--now", "2026-02-01T12:00:00+08:00", "wallet", "grant", "m2", "--wallet", "credit",
        "--amount", "40", "--source", "review", "--expires-at", "2026-03-01T00:00:00+08:00"});
    ok({"--now", "2026-02-01T12:00:00+08:00", "wallet", "grant", "m3", "--wallet", "credit",
        "--amount", "70", "--source", "review", "--pending"});
    ok({"--now", "2026-02-10T12:00:00+08:00", "wallet", "spend", "m1", "--wallet", "credit",
        "--amount", "100"});
    ok({"--now", "2026-02-20T12:00:00+08:00", "hold", "reserve", "m1", "--wallet", "credit",
        "--amount", "50", "--order", "X1", "--ttl", "604800"});
    ok({"--now", "2026-02-26T12:00:00+08:00", "hold", "capture", "1", "--amount", "30"});
    ok({"--now", "2026-03-02T12:00:00+08:00", "jobs", "run", "expire"});
    ok({"--now", "2026-03-10T12:00:00+08:00", "wallet", "adjust", "m1", "--wallet", "credit",
        "--amount", "-10", "--reason", "correction"});
  }

  testing::TempDir dir_;
};

// The rows of a CSV file without its header, each split at commas.
std::vector<std::vector<std::string>> csv_rows(const std::string& path, std::string& header) {
  std::ifstream in(path);
  std::vector<std::vector<std::string>> rows;
  std::getline(in, header);
  for (std::string line; std::getline(in, line);) {
    std::vector<std::string> fields;
    std::stringstream text(line);
    for (std::string f; std::getline(text, f, ',');) fields.push_back(f);
    rows.push_back(std::move(fields));
  }
  return rows;
}

TEST_F(AnalyticsCli, KpisByHand) {
  ledger_history();
  json::object k =
      report({"kpis", "--from", "2026-02-01", "--to", "2026-03-31", "--churn-days", "46"});
  EXPECT_EQ(k.at("from").as_string(), "2026-02-01");
  EXPECT_EQ(k.at("members").as_int64(), 3);
  EXPECT_EQ(k.at("new_members").as_int64(), 1);  // m3, created by its first order
  // In the period: A4 (m1, 600) and A5 (m3, 800); A6 was refunded whole.
  EXPECT_EQ(k.at("buyers").as_int64(), 2);
  EXPECT_EQ(k.at("repeat_buyers").as_int64(), 0);
  EXPECT_EQ(k.at("orders").as_int64(), 2);
  EXPECT_EQ(k.at("revenue").as_int64(), 1400);
  EXPECT_DOUBLE_EQ(k.at("repurchase_rate").as_double(), 0.0);
  EXPECT_DOUBLE_EQ(k.at("average_order_value").as_double(), 700.0);
  EXPECT_DOUBLE_EQ(k.at("purchase_frequency").as_double(), 1.0);
  // 46 days before 1 April 00:00 is 14 Feb 00:00: m3 (14 Feb) is active,
  // m1 (3 Feb) and m2 (10 Jan) churned.
  EXPECT_EQ(k.at("active_members").as_int64(), 1);
  EXPECT_EQ(k.at("churned_members").as_int64(), 2);
  const json::object& credit = k.at("wallets").at("credit").as_object();
  EXPECT_EQ(credit.at("issued").as_int64(), 340);
  EXPECT_EQ(credit.at("issued_by_source").at("signup").as_int64(), 300);
  EXPECT_EQ(credit.at("redeemed").as_int64(), 100);
  EXPECT_EQ(credit.at("expired").as_int64(), 40);
  EXPECT_EQ(credit.at("outstanding").as_int64(), 200);
  EXPECT_DOUBLE_EQ(credit.at("redemption_rate").as_double(), 100.0 / 340.0);
  EXPECT_DOUBLE_EQ(credit.at("breakage_rate").as_double(), 40.0 / 140.0);
  const json::object& points = k.at("wallets").at("points").as_object();
  EXPECT_EQ(points.at("issued").as_int64(), 0);  // granted before the period
  EXPECT_EQ(points.at("outstanding").as_int64(), 500);
  EXPECT_TRUE(points.at("redemption_rate").is_null());
  // All history to 31 March, default churn of 90 days: everyone is active.
  json::object all = report({"kpis", "--to", "2026-03-31"});
  EXPECT_TRUE(all.at("from").is_null());
  EXPECT_EQ(all.at("orders").as_int64(), 5);
  EXPECT_EQ(all.at("revenue").as_int64(), 3700);
  EXPECT_EQ(all.at("repeat_buyers").as_int64(), 1);
  EXPECT_EQ(all.at("active_members").as_int64(), 3);
  Outcome text = ok({"analytics", "kpis", "--to", "2026-03-31"});
  EXPECT_NE(text.out.find("revenue: 3700"), std::string::npos) << text.out;
}

TEST_F(AnalyticsCli, RfmByHand) {
  json::object r = report({"rfm", "--as-of", "2026-03-31"});
  EXPECT_EQ(r.at("as_of").as_string(), "2026-03-31T16:00:00Z");  // end of the local day
  const json::array& members = r.at("members").as_array();
  ASSERT_EQ(members.size(), 3u);
  const json::object& m1 = members[0].as_object();
  EXPECT_EQ(m1.at("member_id").as_string(), "m1");
  EXPECT_EQ(m1.at("frequency").as_int64(), 3);
  EXPECT_EQ(m1.at("monetary").as_int64(), 2600);
  EXPECT_EQ(m1.at("recency_days").as_int64(), 56);  // 3 Feb 10:00 -> 1 Apr 00:00
  EXPECT_EQ(m1.at("recency_score").as_int64(), 3);
  EXPECT_EQ(m1.at("frequency_score").as_int64(), 5);
  EXPECT_EQ(m1.at("segment").as_string(), "loyal");
  EXPECT_EQ(members[1].at("segment").as_string(), "lost");       // m2: 300, 10 Jan
  EXPECT_EQ(members[2].at("segment").as_string(), "potential");  // m3: 800, 14 Feb
  const json::array& segments = r.at("segments").as_array();
  ASSERT_EQ(segments.size(), 7u);
  EXPECT_EQ(segments[1].at("segment").as_string(), "loyal");
  EXPECT_EQ(segments[1].at("value").as_int64(), 2600);
  // Before any purchase: no members, every segment empty.
  json::object early = report({"rfm", "--as-of", "2025-12-31"});
  EXPECT_TRUE(early.at("members").as_array().empty());
  EXPECT_EQ(early.at("segments").as_array()[0].at("members").as_int64(), 0);
  ASSERT_EQ(early.at("segments").as_array().size(), 7u);
  EXPECT_EQ(early.at("segments").as_array()[6].at("segment").as_string(), "lost");
  // Text: the count and the segments, no member rows.
  Outcome text = ok({"analytics", "rfm", "--as-of", "2026-03-31"});
  EXPECT_NE(text.out.find("as of 2026-03-31T16:00:00Z: 3 members"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("  loyal: 1 members, value 2600\n"), std::string::npos) << text.out;
  EXPECT_EQ(text.out.find("m1"), std::string::npos) << text.out;
}

TEST_F(AnalyticsCli, CohortsByFirstPurchaseMonth) {
  json::object c = report({"cohorts", "--by", "month"});
  const json::array& rows = c.at("cohorts").as_array();
  ASSERT_EQ(rows.size(), 2u);
  EXPECT_EQ(rows[0].at("month").as_string(), "2026-01");  // m1, m2
  EXPECT_EQ(rows[0].at("members").as_int64(), 2);
  EXPECT_EQ(json::serialize(rows[0].at("active")), "[2,1]");
  EXPECT_DOUBLE_EQ(rows[0].at("retention").as_array()[1].as_double(), 0.5);
  EXPECT_EQ(rows[1].at("month").as_string(), "2026-02");  // m3
  EXPECT_EQ(json::serialize(rows[1].at("active")), "[1]");
}

TEST_F(AnalyticsCli, ClvJsonShape) {
  json::object c = report({"clv", "--calibration-end", "2026-02-28", "--horizon-weeks", "4"});
  EXPECT_EQ(c.at("members_fitted").as_int64(), 3);
  EXPECT_EQ(c.at("members_repeat").as_int64(), 1);  // m1: days 5 Jan, 20 Jan, 3 Feb
  for (const char* k : {"r", "alpha", "a", "b", "log_likelihood"}) {
    EXPECT_TRUE(c.at("bgnbd").at(k).is_double()) << k;
  }
  for (const char* k : {"p", "q", "v"}) EXPECT_TRUE(c.at("gamma_gamma").at(k).is_double()) << k;
  const json::object& m1 = c.at("members").as_array()[0].as_object();
  EXPECT_EQ(m1.at("member_id").as_string(), "m1");
  EXPECT_EQ(m1.at("frequency").as_int64(), 2);
  EXPECT_DOUBLE_EQ(m1.at("recency_weeks").as_double(), 29.0 / 7.0);  // 5 Jan -> 3 Feb
  EXPECT_DOUBLE_EQ(m1.at("age_weeks").as_double(), 54.0 / 7.0);      // 5 Jan -> 28 Feb
  for (const char* k : {"expected_purchases", "p_alive", "expected_order_value", "clv"}) {
    EXPECT_TRUE(m1.contains(k)) << k;
  }
  EXPECT_GE(m1.at("p_alive").as_double(), 0.0);
  EXPECT_LE(m1.at("p_alive").as_double(), 1.0);
  // Three members, one repeater: the fit says it is not identified (issue 8:
  // such a fit ran off and forecast a negative count), and no forecast is < 0.
  ASSERT_TRUE(c.at("fit_warning").is_string());
  EXPECT_NE(std::string(c.at("fit_warning").as_string()).find("only 1 customers with a repeat"),
            std::string::npos)
      << c.at("fit_warning");
  for (const auto& m : c.at("members").as_array()) {
    EXPECT_GE(m.at("expected_purchases").as_double(), 0.0) << m;
  }
  Outcome text =
      ok({"analytics", "clv", "--calibration-end", "2026-02-28", "--horizon-weeks", "4"});
  EXPECT_NE(text.out.find("warning: bgnbd: only 1 customers"), std::string::npos) << text.out;
  // By 6 January only m1 has bought, once: nothing to fit.
  Outcome none =
      patron({"analytics", "clv", "--calibration-end", "2026-01-06", "--horizon-weeks", "4"});
  EXPECT_EQ(none.code, 6) << none.err;
  EXPECT_NE(none.err.find("calibration_end"), std::string::npos) << none.err;
}

TEST_F(AnalyticsCli, LiabilityByExpiryMonthByHand) {
  liability_history();
  // 25 Feb: m1's lot 300 - 100 spent - 50 held = 150 (expires in April), m2's
  // 40 (February), m3's 70 pending (never). History: 100 redeemed, 20
  // expired: rate 20/120; breakage round(40/6) = 7 and round(150/6) = 25.
  json::object r = report({"liability", "--at", "2026-02-25"});
  EXPECT_EQ(r.at("at").as_string(), "2026-02-25");
  EXPECT_EQ(r.at("as_of").as_string(), "2026-02-25T16:00:00Z");
  const json::object& c = r.at("wallets").at("credit").as_object();
  EXPECT_EQ(c.at("available").as_int64(), 190);
  EXPECT_EQ(c.at("pending").as_int64(), 70);
  EXPECT_EQ(c.at("held").as_int64(), 50);
  EXPECT_EQ(c.at("debt").as_int64(), 0);
  EXPECT_EQ(c.at("outstanding").as_int64(), 310);
  EXPECT_EQ(c.at("redeemed_to_date").as_int64(), 100);
  EXPECT_EQ(c.at("expired_to_date").as_int64(), 20);
  EXPECT_DOUBLE_EQ(c.at("breakage_rate").as_double(), 20.0 / 120.0);
  EXPECT_EQ(c.at("expected_breakage").as_int64(), 32);
  const json::array& b = c.at("by_expiry").as_array();
  ASSERT_EQ(b.size(), 3u);
  EXPECT_EQ(b[0].at("expiry_month").as_string(), "2026-02");
  EXPECT_EQ(b[0].at("remaining").as_int64(), 40);
  EXPECT_EQ(b[0].at("lots").as_int64(), 1);
  EXPECT_EQ(b[0].at("expected_breakage").as_int64(), 7);
  EXPECT_EQ(b[1].at("expiry_month").as_string(), "2026-04");
  EXPECT_EQ(b[1].at("available").as_int64(), 150);
  EXPECT_EQ(b[1].at("expected_breakage").as_int64(), 25);
  EXPECT_TRUE(b[2].at("expiry_month").is_null());  // no expiry: its own bucket, last
  EXPECT_EQ(b[2].at("pending").as_int64(), 70);
  EXPECT_EQ(b[2].at("expected_breakage").as_int64(), 0);
  const json::object& points = r.at("wallets").at("points").as_object();
  EXPECT_EQ(points.at("outstanding").as_int64(), 500);
  EXPECT_TRUE(points.at("breakage_rate").is_null());  // nothing used or lost yet
  EXPECT_EQ(points.at("by_expiry").at(0).at("expiry_month").as_string(), "2027-12");
  // End of 1 March: 30 captured, 20 back on m1's lot (170); m2's 40 is past
  // its expiry but the job books it on 2 March: all of it is expected
  // breakage. Rate 20/150: round(170 x 2/15) = 23.
  json::object march1 = report({"liability", "--at", "2026-03-01"});
  const json::object& c1 = march1.at("wallets").at("credit").as_object();
  EXPECT_EQ(c1.at("held").as_int64(), 0);
  EXPECT_EQ(c1.at("outstanding").as_int64(), 280);
  EXPECT_EQ(c1.at("by_expiry").at(0).at("past_expiry").as_int64(), 40);
  EXPECT_EQ(c1.at("by_expiry").at(0).at("expected_breakage").as_int64(), 40);
  EXPECT_EQ(c1.at("by_expiry").at(1).at("expected_breakage").as_int64(), 23);
  EXPECT_EQ(c1.at("expected_breakage").as_int64(), 63);
  // 31 March: 160 on m1 (after the adjustment), rate 60/190: round(50.5) = 51.
  json::object march = report({"liability", "--at", "2026-03-31"});
  const json::object& c3 = march.at("wallets").at("credit").as_object();
  EXPECT_EQ(c3.at("outstanding").as_int64(), 230);
  ASSERT_EQ(c3.at("by_expiry").as_array().size(), 2u);
  EXPECT_EQ(c3.at("by_expiry").at(0).at("remaining").as_int64(), 160);
  EXPECT_EQ(c3.at("expected_breakage").as_int64(), 51);
  // The same outstanding as the KPIs.
  json::object k = report({"kpis", "--to", "2026-03-31"});
  EXPECT_EQ(k.at("wallets").at("credit").at("outstanding").as_int64(), 230);
  // Before any ledger value: empty wallets.
  json::object empty = report({"liability", "--at", "2025-12-31"});
  EXPECT_EQ(empty.at("wallets").at("credit").at("outstanding").as_int64(), 0);
  EXPECT_TRUE(empty.at("wallets").at("credit").at("by_expiry").as_array().empty());
  Outcome text = ok({"analytics", "liability", "--at", "2026-02-25"});
  EXPECT_NE(text.out.find("wallet credit: outstanding 310"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("  no expiry: 70 in 1 lots"), std::string::npos) << text.out;
}

TEST_F(AnalyticsCli, LiabilityJournalSumsToTheLedger) {
  liability_history();
  const std::string file = dir_.file("journal.csv");
  json::object r =
      report({"liability", "--at", "2026-03-31", "--journal", file, "--from", "2026-01-01"});
  EXPECT_EQ(r.at("journal").at("months").as_int64(), 3);
  std::string header;
  auto rows = csv_rows(file, header);
  EXPECT_EQ(header,
            "month,wallet,from,to,opening,issued,redeemed,expired,clawed_back,written_off,"
            "adjusted,closing");
  ASSERT_EQ(rows.size(), 6u);  // three months x two wallets
  auto join = [](const std::vector<std::string>& f) {
    std::string out;
    for (const auto& x : f) out += (out.empty() ? "" : ",") + x;
    return out;
  };
  EXPECT_EQ(join(rows[0]), "2026-01,credit,2026-01-01,2026-01-31,0,20,0,20,0,0,0,0");
  EXPECT_EQ(join(rows[1]), "2026-01,points,2026-01-01,2026-01-31,0,500,0,0,0,0,0,500");
  EXPECT_EQ(join(rows[2]), "2026-02,credit,2026-02-01,2026-02-28,0,410,130,0,0,0,0,280");
  EXPECT_EQ(join(rows[4]), "2026-03,credit,2026-03-01,2026-03-31,280,0,0,40,0,0,10,230");
  // Every row adds up, each opening is the previous closing, and the last
  // closing is the sum of the members' balances at the end of the period.
  std::map<std::string, int64_t> closing;
  for (const auto& f : rows) {
    ASSERT_EQ(f.size(), 12u) << join(f);
    std::vector<int64_t> v;
    for (std::size_t i = 4; i < 12; ++i) v.push_back(std::stoll(f[i]));
    EXPECT_EQ(v[0] + v[1] - v[2] - v[3] - v[4] + v[5] - v[6], v[7]) << join(f);
    if (closing.count(f[1])) {
      EXPECT_EQ(v[0], closing[f[1]]) << join(f);
    }
    closing[f[1]] = v[7];
  }
  int64_t members_credit = 0, members_points = 0;
  for (const char* m : {"m1", "m2", "m3"}) {
    json::value shown =
        ok({"--json", "--now", "2026-03-31T23:00:00+08:00", "member", "show", m}).json();
    for (auto [wallet, sum] :
         {std::pair{"credit", &members_credit}, std::pair{"points", &members_points}}) {
      const json::object& w = shown.at("wallets").at(wallet).as_object();
      *sum += w.at("available").as_int64() + w.at("pending").as_int64() + w.at("held").as_int64() -
              w.at("debt").as_int64();
    }
  }
  EXPECT_EQ(members_credit, 230);
  EXPECT_EQ(closing["credit"], members_credit);
  EXPECT_EQ(closing["points"], members_points);
  // Default period: the twelve months to --at; text names the file.
  Outcome text = ok({"analytics", "liability", "--at", "2026-03-31", "--journal", file});
  EXPECT_NE(text.out.find("(12 months)"), std::string::npos) << text.out;
  rows = csv_rows(file, header);
  ASSERT_EQ(rows.size(), 24u);
  EXPECT_EQ(rows[0][0], "2025-04");
  EXPECT_EQ(rows[23][11], "500");  // points closing, March 2026
  // A period cut inside months: the first and last rows cover part of them.
  report({"liability", "--at", "2026-03-31", "--journal", file, "--from", "2026-02-15", "--to",
          "2026-03-05"});
  rows = csv_rows(file, header);
  ASSERT_EQ(rows.size(), 4u);
  EXPECT_EQ(join(rows[0]), "2026-02,credit,2026-02-15,2026-02-28,310,0,30,0,0,0,0,280");
  EXPECT_EQ(join(rows[2]), "2026-03,credit,2026-03-01,2026-03-05,280,0,0,40,0,0,0,240");
}

TEST_F(AnalyticsCli, LiabilityBadInput) {
  struct Case {
    std::vector<std::string> args;
    const char* option;
  };
  const std::vector<Case> cases{
      {{"liability", "--at", "2026-02-30"}, "--at"},
      {{"liability", "--from", "2026-01-01"}, "--from"},
      {{"liability", "--journal", dir_.file("j.csv"), "--to", "2026-13-01"}, "--to"},
      {{"liability", "--journal", dir_.file("j.csv"), "--from", "2026-03-02", "--to", "2026-03-01"},
       "--from"},
      {{"liability", "--journal", dir_.file("no/such/dir/j.csv")}, "--journal"},
  };
  for (const auto& c : cases) {
    std::vector<std::string> args{"analytics"};
    args.insert(args.end(), c.args.begin(), c.args.end());
    Outcome r = patron(args);
    EXPECT_EQ(r.code, 2) << c.option << ": " << r.err;
    EXPECT_NE((r.err + r.out).find(c.option), std::string::npos) << r.err << r.out;
  }
}

// Baskets for recommendations, on top of kOrders (five single-TEE
// purchases; A6 refunded whole and A7 a guest's do not count). B5 has MUG
// on two lines (one item), B6 is a guest's, B7's MUG is refunded.
constexpr const char* kBaskets =
    "order_id,member_id,placed_at,line_id,sku,category,quantity,unit_price,status\n"
    "B1,m1,2026-04-01 10:00:00,1,TEE,tops,1,500,paid\n"
    "B1,m1,2026-04-01 10:00:00,2,CAP,hats,1,300,paid\n"
    "B2,m2,2026-04-02 10:00:00,1,TEE,tops,1,500,paid\n"
    "B2,m2,2026-04-02 10:00:00,2,CAP,hats,1,300,paid\n"
    "B2,m2,2026-04-02 10:00:00,3,SOCK,socks,2,100,paid\n"
    "B3,m4,2026-04-03 10:00:00,1,TEE,tops,1,500,paid\n"
    "B3,m4,2026-04-03 10:00:00,2,SOCK,socks,1,100,paid\n"
    "B4,m4,2026-04-04 10:00:00,1,CAP,hats,1,300,paid\n"
    "B4,m4,2026-04-04 10:00:00,2,MUG,mugs,1,200,paid\n"
    "B5,m5,2026-04-05 10:00:00,1,CAP,hats,1,300,paid\n"
    "B5,m5,2026-04-05 10:00:00,2,MUG,mugs,1,200,paid\n"
    "B5,m5,2026-04-05 10:00:00,3,MUG,mugs,1,200,paid\n"
    "B6,,2026-04-06 10:00:00,1,TEE,tops,1,500,paid\n"
    "B6,,2026-04-06 10:00:00,2,MUG,mugs,1,200,paid\n"
    "B7,m5,2026-04-07 10:00:00,1,TEE,tops,1,500,paid\n"
    "B7,m5,2026-04-07 10:00:00,2,MUG,mugs,1,200,paid\n"
    "B7,m5,2026-04-08 10:00:00,2,MUG,mugs,-1,200,refunded\n";

TEST_F(AnalyticsCli, RecommendBoughtTogetherByHand) {
  std::ofstream(dir_.file("baskets.csv")) << kBaskets;
  ok({"import", "orders", dir_.file("baskets.csv")});
  // 11 baskets: TEE in 9, CAP in 4 (B1 B2 B4 B5), SOCK in 2, MUG in 2 (B4 B5).
  json::object cap = report({"recommend", "--sku", "CAP"});
  EXPECT_EQ(cap.at("baskets").as_int64(), 11);
  EXPECT_EQ(cap.at("orders").as_int64(), 4);
  const json::array& items = cap.at("items").as_array();
  ASSERT_EQ(items.size(), 3u);
  // MUG and TEE are each with CAP twice; MUG first by lift (2 x 11 / (4 x 2)).
  EXPECT_EQ(items[0].at("sku").as_string(), "MUG");
  EXPECT_EQ(items[0].at("orders_together").as_int64(), 2);
  EXPECT_EQ(items[0].at("orders").as_int64(), 2);
  EXPECT_DOUBLE_EQ(items[0].at("confidence").as_double(), 0.5);
  EXPECT_DOUBLE_EQ(items[0].at("lift").as_double(), 2.75);
  EXPECT_EQ(items[1].at("sku").as_string(), "TEE");
  EXPECT_DOUBLE_EQ(items[1].at("lift").as_double(), 22.0 / 36.0);
  EXPECT_EQ(items[2].at("sku").as_string(), "SOCK");
  EXPECT_DOUBLE_EQ(items[2].at("confidence").as_double(), 0.25);
  EXPECT_EQ(report({"recommend", "--sku", "CAP", "--limit", "1"}).at("items").as_array().size(),
            1u);
  // m3 bought TEE only: CAP and SOCK each twice with TEE; MUG never (B6 is a
  // guest's, B7's MUG was refunded).
  json::object m3 = report({"recommend", "--member", "m3"});
  EXPECT_EQ(json::serialize(m3.at("bought")), R"(["TEE"])");
  const json::array& for_m3 = m3.at("items").as_array();
  ASSERT_EQ(for_m3.size(), 2u);
  EXPECT_EQ(for_m3[0].at("sku").as_string(), "CAP");  // ties by name
  EXPECT_DOUBLE_EQ(for_m3[0].at("confidence").as_double(), 2.0 / 9.0);
  EXPECT_EQ(for_m3[0].at("because_of").as_string(), "TEE");
  EXPECT_EQ(for_m3[1].at("sku").as_string(), "SOCK");
  // m5 bought CAP, MUG, TEE: SOCK is with CAP once and TEE twice (3); the
  // pair shown is the most confident, CAP -> SOCK (1/4 > 2/9).
  json::object m5 = report({"recommend", "--member", "m5"});
  EXPECT_EQ(json::serialize(m5.at("bought")), R"(["CAP","MUG","TEE"])");
  ASSERT_EQ(m5.at("items").as_array().size(), 1u);
  const json::object& sock = m5.at("items").at(0).as_object();
  EXPECT_EQ(sock.at("sku").as_string(), "SOCK");
  EXPECT_EQ(sock.at("orders_together").as_int64(), 3);
  EXPECT_EQ(sock.at("because_of").as_string(), "CAP");
  EXPECT_DOUBLE_EQ(sock.at("lift").as_double(), 1.375);
  // An item nobody bought: no recommendations.
  json::object none = report({"recommend", "--sku", "NOPE"});
  EXPECT_EQ(none.at("orders").as_int64(), 0);
  EXPECT_TRUE(none.at("items").as_array().empty());
  Outcome text = ok({"analytics", "recommend", "--sku", "CAP"});
  EXPECT_NE(text.out.find("bought with CAP (4 of 11 orders)"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("  MUG: together 2, confidence 0.5, lift 2.75\n"), std::string::npos)
      << text.out;
  Outcome unknown = patron({"analytics", "recommend", "--member", "nobody"});
  EXPECT_EQ(unknown.code, 3) << unknown.err;
  for (const auto& args : std::vector<std::vector<std::string>>{
           {"analytics", "recommend"},
           {"analytics", "recommend", "--sku", "CAP", "--member", "m1"},
           {"analytics", "recommend", "--sku", "CAP", "--limit", "0"},
           {"analytics", "recommend", "--sku", "CAP", "--limit", "101"}}) {
    Outcome r = patron(args);
    EXPECT_EQ(r.code, 2) << r.err;
    EXPECT_TRUE(r.err.find("--sku") != std::string::npos ||
                r.err.find("--limit") != std::string::npos)
        << r.err;
  }
}

// Campaign "spring" (March 2026, 50% holdout, a bonus of 100 credit),
// "plain" (no holdout) and "open" (no end). Holdout buckets, FNV-1a of "default/spring/<id>" mod
// 10000 (rules::holdout_bucket), control below 5000: m1 5029, m2 396, m3
// 8607, c1 8479, c2 6690, c3 4901, c4 7424, c5 5635, c6 3846, c7 2057,
// c8 5956, c9 4167.
constexpr const char* kCampaigns =
    "\n[[campaigns]]\nid = \"spring\"\nstarts = \"2026-03-01T00:00:00\"\n"
    "ends = \"2026-04-01T00:00:00\"\nholdout = \"50%\"\nwallet = \"credit\"\nbonus = 100\n"
    "\n[[campaigns]]\nid = \"plain\"\nwallet = \"credit\"\nbonus = 1\n"
    "starts = \"2030-01-01T00:00:00\"\n"
    "\n[[campaigns]]\nid = \"open\"\nholdout = \"10%\"\nwallet = \"credit\"\nbonus = 1\n"
    "starts = \"2030-01-01T00:00:00\"\n";

// c1..c8 buy in February (customers before the campaign); in March c1 (500
// and 700), c2 (300), c5 (1000) and c3 (400) buy again; c9 first buys in
// March (not a customer before it); c6 buys after the window.
constexpr const char* kCampaignOrders =
    "order_id,member_id,placed_at,line_id,sku,category,quantity,unit_price,status\n"
    "P1,c1,2026-02-10 10:00:00,1,TEE,tops,1,1000,paid\n"
    "P2,c2,2026-02-10 10:00:00,1,TEE,tops,1,1000,paid\n"
    "P3,c3,2026-02-10 10:00:00,1,TEE,tops,1,1000,paid\n"
    "P4,c4,2026-02-10 10:00:00,1,TEE,tops,1,1000,paid\n"
    "P5,c5,2026-02-10 10:00:00,1,TEE,tops,1,1000,paid\n"
    "P6,c6,2026-02-10 10:00:00,1,TEE,tops,1,1000,paid\n"
    "P7,c7,2026-02-10 10:00:00,1,TEE,tops,1,1000,paid\n"
    "P8,c8,2026-02-10 10:00:00,1,TEE,tops,1,1000,paid\n"
    "W1,c1,2026-03-05 10:00:00,1,TEE,tops,1,500,paid\n"
    "W2,c1,2026-03-20 10:00:00,1,TEE,tops,1,700,paid\n"
    "W3,c2,2026-03-06 10:00:00,1,TEE,tops,1,300,paid\n"
    "W4,c5,2026-03-07 10:00:00,1,TEE,tops,1,1000,paid\n"
    "W5,c3,2026-03-08 10:00:00,1,TEE,tops,1,400,paid\n"
    "W6,c9,2026-03-09 10:00:00,1,TEE,tops,1,900,paid\n"
    "W7,c6,2026-04-01 10:00:00,1,TEE,tops,1,999,paid\n";

TEST_F(AnalyticsCli, UpliftHoldoutVersusTreatedByHand) {
  std::string program = ok({"program", "show", "--toml"}).out + kCampaigns;
  std::ofstream(dir_.file("program.toml")) << program;
  ok({"program", "apply", dir_.file("program.toml")});
  std::ofstream(dir_.file("campaign.csv")) << kCampaignOrders;
  ok({"import", "orders", dir_.file("campaign.csv")});
  // The groups are the campaign's own: a treated member's March order got
  // the bonus, a control member's did not.
  EXPECT_EQ(ok({"--json", "order", "show", "W1"}).json().at("earned").at("spring").as_int64(), 100);
  EXPECT_TRUE(ok({"--json", "order", "show", "W5"}).json().at("earned").as_object().empty());
  // Customers before 1 March: treated m1 m3 c1 c2 c4 c5 c8 (7; 3 bought
  // again, 1200 + 300 + 1000), control m2 c3 c6 c7 (4; 1 bought, 400).
  json::object u = report({"uplift", "--campaign", "spring"});
  EXPECT_EQ(u.at("from").as_string(), "2026-02-28T16:00:00Z");
  EXPECT_EQ(u.at("to").as_string(), "2026-03-31T16:00:00Z");
  EXPECT_DOUBLE_EQ(u.at("holdout_share").as_double(), 0.5);
  const json::object& t = u.at("treated").as_object();
  EXPECT_EQ(t.at("members").as_int64(), 7);
  EXPECT_EQ(t.at("repurchasers").as_int64(), 3);
  EXPECT_EQ(t.at("revenue").as_int64(), 2500);
  EXPECT_DOUBLE_EQ(t.at("repurchase_rate").as_double(), 3.0 / 7.0);
  EXPECT_DOUBLE_EQ(t.at("revenue_per_member").as_double(), 2500.0 / 7.0);
  EXPECT_EQ(t.at("orders_recorded").as_int64(), 4);  // W1 W2 W3 W4
  const json::object& c = u.at("control").as_object();
  EXPECT_EQ(c.at("members").as_int64(), 4);
  EXPECT_EQ(c.at("repurchasers").as_int64(), 1);
  EXPECT_EQ(c.at("revenue").as_int64(), 400);
  EXPECT_EQ(c.at("orders_recorded").as_int64(), 2);  // W5, and W6 of c9 (not a customer before)
  const json::object& rate = u.at("repurchase_rate_difference").as_object();
  EXPECT_DOUBLE_EQ(rate.at("estimate").as_double(), 3.0 / 7.0 - 0.25);
  EXPECT_NEAR(rate.at("p_value").as_double(), 0.5325422858792275, 1e-9);
  const json::object& revenue = u.at("revenue_per_member_difference").as_object();
  EXPECT_NEAR(revenue.at("estimate").as_double(), 2500.0 / 7.0 - 100.0, 1e-9);
  EXPECT_NEAR(revenue.at("degrees_of_freedom").as_double(), 8.371484630477436, 1e-9);
  EXPECT_NEAR(revenue.at("ci_low").as_double(), -249.29137625478387, 1e-6);
  EXPECT_NEAR(revenue.at("ci_high").as_double(), 763.5770905404981, 1e-6);
  EXPECT_NEAR(revenue.at("p_value").as_double(), 0.2773315582296725, 1e-9);
  // A window of 1..6 March: c1 (500) and c2 (300) treated, nobody in control.
  json::object early =
      report({"uplift", "--campaign", "spring", "--from", "2026-03-01", "--to", "2026-03-06"});
  EXPECT_EQ(early.at("treated").at("repurchasers").as_int64(), 2);
  EXPECT_EQ(early.at("treated").at("revenue").as_int64(), 800);
  EXPECT_EQ(early.at("control").at("repurchasers").as_int64(), 0);
  EXPECT_EQ(early.at("control").at("members").as_int64(), 4);
  Outcome text = ok({"analytics", "uplift", "--campaign", "spring"});
  EXPECT_NE(text.out.find("treated: 7 members, repurchase rate 0.4286"), std::string::npos)
      << text.out;
  // Errors: an unknown campaign, one without a holdout, one without an end,
  // a window that ends before it starts, no campaign.
  Outcome unknown = patron({"analytics", "uplift", "--campaign", "nope"});
  EXPECT_EQ(unknown.code, 3) << unknown.err;
  Outcome plain = patron({"analytics", "uplift", "--campaign", "plain"});
  EXPECT_EQ(plain.code, 6) << plain.err;
  EXPECT_NE(plain.err.find("no holdout"), std::string::npos) << plain.err;
  Outcome open = patron({"analytics", "uplift", "--campaign", "open"});
  EXPECT_EQ(open.code, 2) << open.err;
  EXPECT_NE(open.err.find("--to"), std::string::npos) << open.err;
  ok({"analytics", "uplift", "--campaign", "open", "--to", "2030-01-31"});
  Outcome backwards = patron({"analytics", "uplift", "--campaign", "spring", "--from", "2026-03-10",
                              "--to", "2026-03-01"});
  EXPECT_EQ(backwards.code, 2) << backwards.err;
  EXPECT_NE(backwards.err.find("--from"), std::string::npos) << backwards.err;
  Outcome missing = patron({"analytics", "uplift"});
  EXPECT_EQ(missing.code, 2) << missing.err;
  EXPECT_NE(missing.err.find("--campaign"), std::string::npos) << missing.err;
}

TEST_F(AnalyticsCli, BadInputNamesTheOption) {
  struct Case {
    std::vector<std::string> args;
    const char* option;
  };
  const std::vector<Case> cases{
      {{"kpis", "--from", "2026-13-01"}, "--from"},
      {{"kpis", "--to", "yesterday"}, "--to"},
      {{"kpis", "--from", "2026-03-02", "--to", "2026-03-01"}, "--from"},
      {{"kpis", "--churn-days", "0"}, "--churn-days"},
      {{"rfm", "--as-of", "2026-02-30"}, "--as-of"},
      {{"cohorts", "--by", "week"}, "--by"},
      {{"clv", "--calibration-end", "x", "--horizon-weeks", "4"}, "--calibration-end"},
      {{"clv", "--calibration-end", "2026-02-28", "--horizon-weeks", "521"}, "--horizon-weeks"},
      {{"clv", "--horizon-weeks", "4"}, "--calibration-end"},
  };
  for (const auto& c : cases) {
    std::vector<std::string> args{"analytics"};
    args.insert(args.end(), c.args.begin(), c.args.end());
    Outcome r = patron(args);
    EXPECT_EQ(r.code, 2) << c.option << ": " << r.err;
    EXPECT_NE((r.err + r.out).find(c.option), std::string::npos) << r.err << r.out;
  }
  Outcome missing = testing::run_patron(PATRON_BINARY, dir_, {"--db", dir_.file("none.db")},
                                        {"analytics", "kpis"});
  EXPECT_EQ(missing.code, 3) << missing.err;
}

// Backtesting (`patron simulate`): the stored history of the Taiwan program
// replayed through itself and through a copy earning 每滿 500 送 50 instead
// of 每滿 1000 送 50; nothing is written to the database.
TEST_F(AnalyticsCli, SimulateReplaysTheHistoryThroughBothPrograms) {
  const std::string example = std::string(PATRON_EXAMPLES) + "/taiwan-fashion.toml";
  ok({"--program", "tw", "program", "apply", example});
  std::ofstream(dir_.file("tw.csv"))
      << "order_id,member_id,placed_at,line_id,sku,category,quantity,unit_price,status\n"
         "O1,G1,2026-03-21T10:00:00,1,COAT,coats,1,12000,completed\n"  // 12 steps; gold after
         "O2,G2,2026-04-08T10:00:00,1,TEE,tops,2,600,completed\n"      // member day (8th): x2
         "O3,G2,2026-05-02T10:00:00,1,TEE,tops,1,2100,completed\n"
         "O4,G3,2026-05-02T10:00:00,1,TEE,tops,1,900,completed\n";
  ok({"--program", "tw", "--now", "2026-06-01T10:00:00", "import", "orders", dir_.file("tw.csv")});
  // A member with a birthday in July and no orders: the replay's birthdays
  // job gives NT$200 on 1 July (valid 30 days) on both sides.
  ok({"--program", "tw", "--now", "2026-06-02T10:00:00", "member", "upsert", "B1", "--birthday",
      "1990-07-15"});
  // G2 tagged: the proposed program's campaign for the tag gives G2's two
  // orders NT$77 each, so the replay must carry members' tags.
  ok({"--program", "tw", "--now", "2026-06-02T10:00:00", "member", "upsert", "G2", "--tags",
      "vip_event"});
  std::ifstream in(example);
  std::stringstream text;
  text << in.rdbuf();
  std::string proposed = text.str();
  const std::string every = "every = 1000 ";
  ASSERT_NE(proposed.find(every), std::string::npos);
  proposed.replace(proposed.find(every), every.size(), "every = 500 ");
  proposed +=
      "\n[[campaigns]]\nid = \"tagged\"\ntags = [\"vip_event\"]\nwallet = \"credit\"\n"
      "bonus = 77\n";
  std::ofstream(dir_.file("proposed.toml")) << proposed;
  auto transfers_before = ok({"--program", "tw", "--json", "ledger", "G1"}).out;

  Outcome r = ok({"--program", "tw", "--json", "simulate", "--config", dir_.file("proposed.toml"),
                  "--to", "2026-12-31"});
  json::value v = r.json();
  EXPECT_EQ(v.at("orders").as_int64(), 4);
  EXPECT_EQ(v.at("members").as_int64(), 4);
  EXPECT_EQ(v.at("revenue").as_int64(), 12000 + 1200 + 2100 + 900);
  // Current: 12000 -> 12 x 50 = 600; 1200 on the 8th -> 50 x 2 = 100;
  // 2100 -> 100; 900 -> 0. Proposed: 24 x 50 = 1200; 2 x 50 x 2 = 200;
  // 4 x 50 = 200; 1 x 50 = 50.
  const auto& current = v.at("current").at("wallets").at("credit");
  const auto& next = v.at("proposed").at("wallets").at("credit");
  EXPECT_EQ(current.at("issued_by_source").at("purchase").as_int64(), 800);
  EXPECT_EQ(next.at("issued_by_source").at("purchase").as_int64(), 1650);
  EXPECT_EQ(next.at("issued_by_source").at("campaign").as_int64(), 2 * 77);
  EXPECT_FALSE(current.at("issued_by_source").as_object().contains("campaign"));
  // Signup NT$100 each, valid 60 days, and the birthday credit: all expired
  // by the end of the year.
  EXPECT_EQ(current.at("issued_by_source").at("signup").as_int64(), 400);
  EXPECT_EQ(current.at("issued_by_source").at("birthday").as_int64(), 200);
  EXPECT_EQ(next.at("issued_by_source").at("birthday").as_int64(), 200);
  EXPECT_EQ(current.at("expired").as_int64(), 600);
  EXPECT_EQ(current.at("outstanding").as_int64(), 800);
  // The campaign's bonus lots take the wallet's rule for source "campaign"
  // (the Taiwan example: end_of_month), expired by the end of the year.
  EXPECT_EQ(next.at("outstanding").as_int64(), 1650);
  EXPECT_EQ(next.at("expired").as_int64(), 600 + 2 * 77);
  EXPECT_EQ(v.at("difference").at("wallets").at("credit").at("issued").as_int64(), 850 + 2 * 77);
  EXPECT_EQ(v.at("current").at("tiers").at("gold").as_int64(), 1);
  EXPECT_EQ(v.at("proposed").at("commands_skipped").as_int64(), 0);
  // The real history is untouched.
  EXPECT_EQ(ok({"--program", "tw", "--json", "ledger", "G1"}).out, transfers_before);

  Outcome text_out = ok({"--program", "tw", "simulate", "--config", dir_.file("proposed.toml")});
  EXPECT_NE(text_out.out.find("credit issued: purchase"), std::string::npos) << text_out.out;
  Outcome bad = patron({"--program", "tw", "simulate", "--config", dir_.file("tw.csv")});
  EXPECT_EQ(bad.code, 2);
  EXPECT_NE(bad.err.find("tw.csv:1:"), std::string::npos) << bad.err;
  Outcome missing = patron({"--program", "tw", "simulate", "--config", dir_.file("none.toml")});
  EXPECT_EQ(missing.code, 2);
  EXPECT_NE(missing.err.find("--config"), std::string::npos) << missing.err;
}

// Every analytics command on the whole Online Retail file (issue 8 item 10),
// imported with the GBP example program: each runs, and the figures agree
// with each other and with the ledger. Release build only (label cli):
// the import alone takes seconds.
TEST(AnalyticsOnlineRetail, EveryReportRunsOnTheWholeFileAndTheFiguresAgree) {
  testing::TempDir dir;
  auto run = [&](std::vector<std::string> args) {
    std::vector<std::string> all{"--program", "uk", "--now", "2011-12-10T00:00:00", "--json"};
    all.insert(all.end(), args.begin(), args.end());
    Outcome r = testing::run_patron(PATRON_BINARY, dir, {"--db", dir.file("retail.db")}, all);
    EXPECT_EQ(r.code, 0) << r.err;
    return r.json();
  };
  // A new program has no time zone for --now yet: applied without it.
  ASSERT_EQ(testing::run_patron(PATRON_BINARY, dir, {"--db", dir.file("retail.db")},
                                {"--program", "uk", "program", "apply",
                                 std::string(PATRON_EXAMPLES) + "/online-retail-gbp.toml"})
                .code,
            0);
  // Four rows priced at £0.001 are skipped (reported, exit 2); the rest land.
  Outcome import = testing::run_patron(
      PATRON_BINARY, dir, {"--db", dir.file("retail.db")},
      {"--program", "uk", "--json", "import", "orders",
       std::string(PATRON_SHARED_DATA) + "/online_retail.csv.gz", "--preset", "online-retail"});
  ASSERT_EQ(import.code, 2) << import.err;
  json::value imported = import.json();
  ASSERT_EQ(imported.at("rows").as_int64(), 541909);
  EXPECT_EQ(imported.at("bad_rows").as_int64(), 4);
  ASSERT_EQ(imported.at("failed").as_int64(), 0);

  // KPIs over the whole history: the rates are the counts' quotients, and
  // the credit wallet's movements add up to what is outstanding.
  json::value k = run({"analytics", "kpis"});
  const int64_t members = k.at("members").as_int64();
  const int64_t buyers = k.at("buyers").as_int64();
  const int64_t repeat = k.at("repeat_buyers").as_int64();
  EXPECT_GT(buyers, 4000);  // the file has 4,372 customer ids
  EXPECT_LE(buyers, members);
  EXPECT_LT(repeat, buyers);
  EXPECT_DOUBLE_EQ(k.at("repurchase_rate").as_double(),
                   static_cast<double>(repeat) / static_cast<double>(buyers));
  EXPECT_NEAR(k.at("average_order_value").as_double() * k.at("orders").to_number<double>(),
              k.at("revenue").to_number<double>(), 1.0);
  const auto& credit = k.at("wallets").at("credit");
  EXPECT_GT(credit.at("issued").as_int64(), 0);
  EXPECT_EQ(credit.at("issued").as_int64() - credit.at("redeemed").as_int64() -
                credit.at("expired").as_int64() - credit.at("clawed_back").as_int64() -
                credit.at("written_off").as_int64() + credit.at("adjusted").as_int64(),
            credit.at("outstanding").as_int64());

  // RFM: one row per buyer, the segments partition them.
  json::value rfm = run({"analytics", "rfm"});
  EXPECT_EQ(static_cast<int64_t>(rfm.at("members").as_array().size()), buyers);
  int64_t in_segments = 0;
  for (const auto& s : rfm.at("segments").as_array()) in_segments += s.at("members").as_int64();
  EXPECT_EQ(in_segments, buyers);

  // Cohorts: every buyer in exactly one first-order month, all active then.
  json::value cohorts = run({"analytics", "cohorts"});
  int64_t first_month = 0;
  for (const auto& c : cohorts.at("cohorts").as_array()) {
    EXPECT_EQ(c.at("active").at(0).as_int64(), c.at("members").as_int64());
    first_month += c.at("members").as_int64();
  }
  EXPECT_EQ(first_month, buyers);

  // CLV: fitted parameters positive and finite, probabilities in [0, 1], a
  // member's CLV is what they are expected to buy times what they spend.
  json::value clv =
      run({"analytics", "clv", "--calibration-end", "2011-09-09", "--horizon-weeks", "13"});
  for (const char* p : {"r", "alpha", "a", "b"}) {
    const double v = clv.at("bgnbd").at(p).as_double();
    EXPECT_TRUE(std::isfinite(v) && v > 0) << p << " " << v;
  }
  for (const char* p : {"p", "q", "v"}) {
    const double v = clv.at("gamma_gamma").at(p).as_double();
    EXPECT_TRUE(std::isfinite(v) && v > 0) << p << " " << v;
  }
  EXPECT_GT(clv.at("members_fitted").as_int64(), 3000);
  double total = 0;
  for (const auto& m : clv.at("members").as_array()) {
    const double p_alive = m.at("p_alive").as_double();
    EXPECT_TRUE(p_alive >= 0 && p_alive <= 1) << m;
    total += m.at("clv").as_double();
  }
  EXPECT_NEAR(total, clv.at("total_clv").as_double(), 1e-6 * total);

  // Liability: what the ledger holds now, as the KPIs counted it.
  json::value liability = run({"analytics", "liability"});
  EXPECT_EQ(liability.at("wallets").at("credit").at("outstanding").as_int64(),
            credit.at("outstanding").as_int64());

  // Bought together with the shop's best seller.
  json::value together = run({"analytics", "recommend", "--sku", "85123A"});
  EXPECT_FALSE(together.at("items").as_array().empty()) << together;

  // The last five weeks replayed through the same program: no difference
  // (the whole year takes tens of seconds: docs/benchmarks.md).
  json::value same =
      run({"simulate", "--config", std::string(PATRON_EXAMPLES) + "/online-retail-gbp.toml",
           "--from", "2011-11-01", "--to", "2011-12-09"});
  EXPECT_GT(same.at("orders").as_int64(), 3000);
  const auto& difference = same.at("difference").at("wallets").at("credit");
  EXPECT_EQ(difference.at("issued").as_int64(), 0) << same;
  EXPECT_EQ(difference.at("outstanding").as_int64(), 0) << same;
  EXPECT_GT(same.at("current").at("wallets").at("credit").at("issued").as_int64(), 0) << same;
  Outcome verified = testing::run_patron(PATRON_BINARY, dir, {"--db", dir.file("retail.db")},
                                         {"--program", "uk", "verify"});
  EXPECT_EQ(verified.code, 0) << verified.out;
}

}  // namespace
}  // namespace patron
