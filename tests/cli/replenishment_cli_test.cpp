// Replenishment reminders as a user runs them: a program file with
// [replenishment], orders from `patron import`, `patron jobs run
// replenishment` at fixed times, the events in `patron events`, and a bad
// section refused with file, line and key.
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "support/cli_fixture.h"

namespace patron {
namespace {

namespace json = boost::json;
using testing::Outcome;

constexpr const char* kProgram =
    "[program]\ncurrency = \"TWD\"\nminor_digits = 0\ntime_zone = \"Asia/Taipei\"\n"
    "[wallets.credit]\n[wallets.points]\n"
    "[replenishment]\nlead_days = 3\nlate_days = 7\nmin_interval_days = 7\n";

// m1 buys tea every 30 days (expected 2 March); m2 bought it once on 2 Feb
// (expected 4 March by the SKU's median, 30).
constexpr const char* kOrders =
    "order_id,member_id,placed_at,line_id,sku,category,quantity,unit_price,status\n"
    "T1,m1,2026-01-01 10:00:00,1,TEA,tea,1,300,paid\n"
    "T2,m1,2026-01-31 10:00:00,1,TEA,tea,2,300,paid\n"
    "T3,m2,2026-02-02 10:00:00,1,TEA,tea,1,300,paid\n";

class ReplenishmentCli : public testing::CliTest {
 protected:
  void SetUp() override {
    ok({"program", "apply", write_file("program.toml", kProgram)});
    ok({"import", "orders", write_file("orders.csv", kOrders)});
  }
  Outcome run(const char* now, const char* job = "replenishment") {
    return ok({"--now", now, "jobs", "run", job});
  }
  std::vector<json::object> due() {
    std::vector<json::object> out;
    const json::value events = ok({"--json", "events"}).json();  // kept: GCC 12 does not
    for (const auto& e : events.at("events").as_array()) {       // extend temporaries here
      if (e.at("type").as_string() == "replenishment.due") out.push_back(e.as_object());
    }
    return out;
  }
};

TEST_F(ReplenishmentCli, TheJobRunsByNameAndSendsOnce) {
  EXPECT_TRUE(due().empty()) << "imported history sends nothing by itself";
  Outcome first = run("2026-02-27T09:00:00+08:00");
  EXPECT_NE(first.out.find("job replenishment: 1 member"), std::string::npos) << first.out;
  EXPECT_NE(first.out.find("reminders 1"), std::string::npos) << first.out;
  Outcome again = run("2026-02-27T10:00:00+08:00");
  EXPECT_NE(again.out.find("reminders 0"), std::string::npos) << again.out;
  auto sent = due();
  ASSERT_EQ(sent.size(), 1u);
  EXPECT_EQ(sent[0].at("member_id").as_string(), "m1");
  const json::object& data = sent[0].at("data").as_object();
  EXPECT_EQ(data.at("last_order_id").as_string(), "T2");
  EXPECT_EQ(data.at("expected_on").as_string(), "2026-03-02");
  EXPECT_EQ(data.at("quantity").as_int64(), 2);
  // "all" runs it too: m2 is due on 2 March (4 March, 2 days ahead).
  Outcome all = run("2026-03-02T09:00:00+08:00", "all");
  EXPECT_NE(all.out.find("job replenishment: 1 member"), std::string::npos) << all.out;
  sent = due();
  ASSERT_EQ(sent.size(), 2u);
  EXPECT_EQ(sent[1].at("member_id").as_string(), "m2");
  EXPECT_EQ(sent[1].at("data").at("basis").as_string(), "sku");
  EXPECT_EQ(sent[1].at("data").at("days_left").as_int64(), 2);
  // Webhooks may subscribe to them.
  ok({"webhooks", "create", "--url", "https://example.com/hook", "--secret", "0123456789abcdef0123",
      "--events", "replenishment.*,replenishment.due"});
  EXPECT_EQ(patron({"webhooks", "create", "--url", "https://example.com/hook", "--secret",
                    "0123456789abcdef0123", "--events", "replenishment.soon"})
                .code,
            2);
}

TEST_F(ReplenishmentCli, ABadSectionIsRefusedWithFileLineAndKey) {
  std::string file =
      write_file("bad.toml", std::string(kProgram) + "categories = [\"tea\", \"tea\"]\n");
  Outcome dup = patron({"program", "apply", file});
  EXPECT_EQ(dup.code, 2) << dup.err;
  EXPECT_NE(dup.err.find(file + ":11:"), std::string::npos) << dup.err;
  EXPECT_NE(dup.err.find("replenishment.categories"), std::string::npos) << dup.err;
  file = write_file("bad.toml", std::string(kProgram) + "lead_day = 3\n");
  Outcome typo = patron({"program", "apply", file});
  EXPECT_EQ(typo.code, 2) << typo.err;
  EXPECT_NE(typo.err.find(file + ":11:1: replenishment.lead_day"), std::string::npos) << typo.err;
}

}  // namespace
}  // namespace patron
