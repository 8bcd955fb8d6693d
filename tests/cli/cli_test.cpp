// The CLI contract, run as a user would: the real binary on real SQLite files.
#include <gtest/gtest.h>
#include <sqlite3.h>
#include <sys/wait.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include "support/cli_fixture.h"
#include "support/run_patron.h"
#include "support/temp_dir.h"

namespace patron {
namespace {

namespace json = boost::json;

using testing::Outcome;
using testing::shell_quote;

using Cli = testing::CliTest;

TEST_F(Cli, ContractForms) {
  ok({"member", "upsert", "M1", "--birthday", "1990-05-17"});
  ok({"wallet", "grant", "M1", "--wallet", "credit", "--amount", "300", "--source", "signup",
      "--reason", "入會禮", "--key", "g1"});
  ok({"wallet", "grant", "M1", "--wallet", "credit", "--amount", "40", "--source", "purchase",
      "--available-at", "2099-01-01T00:00:00+08:00"});
  ok({"wallet", "grant", "M1", "--wallet", "points", "--amount", "7", "--source", "review",
      "--expires-at", "2099-12-31T23:59:59Z"});
  Outcome spent =
      ok({"wallet", "spend", "M1", "--wallet", "credit", "--amount", "50", "--key", "s1"});
  EXPECT_NE(spent.out.find("credit: available 250"), std::string::npos) << spent.out;
  Outcome hold = ok(
      {"--json", "hold", "reserve", "M1", "--wallet", "credit", "--amount", "30", "--order", "O1"});
  int64_t hold_id = hold.json().at("hold_id").as_int64();

  // The contract's form: --json after the subcommand (global options fall through).
  json::value show = ok({"member", "show", "M1", "--json"}).json();
  EXPECT_EQ(ok({"ledger", "M1", "--json"}).json().at("member_id").as_string(), "M1");
  const auto& wallet = show.at("wallets").at("credit").as_object();
  EXPECT_EQ(wallet.at("available").as_int64(), 220);
  EXPECT_EQ(wallet.at("pending").as_int64(), 40);
  EXPECT_EQ(wallet.at("held").as_int64(), 30);
  EXPECT_EQ(wallet.at("lots").as_array().size(), 2u);
  EXPECT_EQ(show.at("wallets").at("points").at("available").as_int64(), 7);
  EXPECT_EQ(show.at("member").at("birthday").as_string(), "1990-05-17");

  ok({"hold", "capture", std::to_string(hold_id), "--amount", "20"});
  EXPECT_EQ(credit("M1").at("held").as_int64(), 0);
  EXPECT_EQ(credit("M1").at("available").as_int64(), 230);
  Outcome ledger = ok({"--json", "ledger", "M1"});
  EXPECT_GE(ledger.json().at("transfers").as_array().size(), 6u);
  Outcome text_ledger = ok({"ledger", "M1", "--wallet", "credit"});
  EXPECT_NE(text_ledger.out.find("issued:signup -> member:available"), std::string::npos);
  Outcome jobs = ok({"--now", "2099-02-01", "jobs", "run", "mature"});
  EXPECT_NE(jobs.out.find("matured 40"), std::string::npos) << jobs.out;
  ok({"--now", "2099-02-01", "jobs", "run", "expire"});
  ok({"--now", "2099-02-01", "jobs", "run", "holds"});
  expect_verified();
}

// --tags replaces the member's tags (comma separated; "" clears them);
// member show prints them; a bad tag exits 2 naming it and changes nothing.
TEST_F(Cli, MemberTagsAreSetShownAndChecked) {
  ok({"member", "upsert", "T1", "--tags", "批發,vip_event,批發"});
  EXPECT_EQ(ok({"member", "show", "T1", "--json"}).json().at("member").at("tags"),
            json::parse(R"(["vip_event","批發"])"));
  EXPECT_NE(ok({"member", "show", "T1"}).out.find("tags vip_event 批發"), std::string::npos);
  for (const char* tags : {"ok,,x", "ok,"}) {
    Outcome bad = patron({"member", "upsert", "T1", "--tags", tags});
    EXPECT_EQ(bad.code, 2) << tags << ": " << bad.err;
    EXPECT_NE(bad.err.find("tags[1]"), std::string::npos) << bad.err;
  }
  EXPECT_EQ(ok({"member", "show", "T1", "--json"}).json().at("member").at("tags").as_array().size(),
            2u);
  ok({"member", "upsert", "T1", "--tags", ""});
  EXPECT_TRUE(
      ok({"member", "show", "T1", "--json"}).json().at("member").at("tags").as_array().empty());
  EXPECT_EQ(ok({"member", "show", "T1"}).out.find("tags"), std::string::npos);
}

TEST_F(Cli, HoldReleaseAndExpiry) {
  ok({"member", "upsert", "M1"});
  ok({"wallet", "grant", "M1", "--wallet", "credit", "--amount", "100", "--source", "signup"});
  int64_t h1 = ok({"--json", "hold", "reserve", "M1", "--wallet", "credit", "--amount", "60",
                   "--order", "O1"})
                   .json()
                   .at("hold_id")
                   .as_int64();
  EXPECT_EQ(credit("M1").at("held").as_int64(), 60);
  ok({"hold", "release", std::to_string(h1)});
  EXPECT_EQ(credit("M1").at("held").as_int64(), 0);
  Outcome again = patron({"hold", "release", std::to_string(h1)});
  EXPECT_EQ(again.code, 5);
  EXPECT_NE(again.err.find("already released"), std::string::npos) << again.err;
  ok({"--now", "2026-01-01T00:00:00Z", "hold", "reserve", "M1", "--amount", "70", "--order", "O2",
      "--ttl", "60"});
  ok({"--now", "2026-01-01T00:01:00Z", "jobs", "run", "holds"});
  EXPECT_EQ(credit("M1").at("held").as_int64(), 0);
  EXPECT_EQ(credit("M1").at("available").as_int64(), 100);
  expect_verified();
}

TEST_F(Cli, ProgramApplyCreateAndTheirErrors) {
  ok({"member", "upsert", "m1"});
  std::string file = dir_.file("shop.toml");
  std::string current = ok({"program", "show", "--toml"}).out;
  std::ofstream(file) << current;
  EXPECT_NE(ok({"program", "apply", file}).out.find("no changes"), std::string::npos);
  std::string changed = current;
  changed.replace(changed.find("hold_ttl_s = 900"), 16, "hold_ttl_s = 300");
  std::ofstream(file) << changed;
  auto dry = ok({"program", "apply", file, "--dry-run"});
  EXPECT_NE(dry.out.find("~ wallets.credit.hold_ttl_s: 900 -> 300"), std::string::npos) << dry.out;
  EXPECT_EQ(ok({"--json", "program", "show"}).json().at("version").as_int64(), 1);
  EXPECT_NE(ok({"program", "apply", file}).out.find("applied as version 2"), std::string::npos);
  EXPECT_NE(ok({"program", "versions"}).out.find("version 2"), std::string::npos);
  // A typo names file, line, column and key; exit 2; nothing stored.
  std::ofstream(file)
      << "[program]\ncurrency = \"TWD\"\nminor_digits = 0\n[wallets.credit]\nttl = 1\n";
  auto typo = patron({"program", "apply", file});
  EXPECT_EQ(typo.code, 2);  // invalid input
  EXPECT_NE(typo.err.find(file + ":5:1: wallets.credit.ttl"), std::string::npos) << typo.err;
  // Changing the minor digits of a wallet that exists: exit 6.
  std::string digits = changed;
  digits.replace(digits.find("minor_digits = 0"), 16, "minor_digits = 2");
  std::ofstream(file) << digits;
  auto refused = patron({"program", "apply", file});
  EXPECT_EQ(refused.code, 6) << refused.err;  // failed precondition
  EXPECT_EQ(ok({"--json", "program", "show"}).json().at("version").as_int64(), 2);
  // program create: bad currency, then a duplicate.
  EXPECT_EQ(patron({"program", "create", "shop2", "--currency", "usd"}).code, 2);
  ok({"program", "create", "shop2", "--currency", "USD", "--minor-digits", "2", "--time-zone",
      "America/New_York"});
  EXPECT_EQ(patron({"program", "create", "shop2"}).code, 5);  // conflict
}

TEST_F(Cli, BadInputGetsAClearErrorAndChangesNothing) {
  ok({"member", "upsert", "M1"});
  ok({"wallet", "grant", "M1", "--wallet", "credit", "--amount", "100", "--source", "signup"});
  int64_t before = transfer_count("M1");
  struct Case {
    std::vector<std::string> args;
    int code;
    std::string mentions;
  };
  std::string bad_lines = write_file("bad.json", "[\n  {\"line_id\": \"L1\",\n  \"amount\": }\n]");
  std::string neg_lines = write_file("neg.json", "[{\"line_id\": \"L1\", \"amount\": -3}]");
  const Case cases[] = {
      {{"wallet", "grant", "ghost", "--amount", "5", "--source", "signup"}, 3, "no member 'ghost'"},
      {{"wallet", "grant", "M1", "--amount", "0", "--source", "signup"}, 2, "amount"},
      {{"wallet", "grant", "M1", "--amount", "-5", "--source", "signup"}, 2, "amount"},
      {{"wallet", "grant", "M1", "--amount", "5", "--source", "Sign Up"}, 2, "source"},
      {{"wallet", "grant", "M1", "--amount", "5", "--source", "signup", "--expires-at",
        "next tuesday"},
       2,
       "--expires-at"},
      {{"wallet", "grant", "M1", "--amount", "5", "--source", "signup", "--expires-at",
        "2020-01-01"},
       2,
       "expires_at"},
      {{"wallet", "grant", "M1", "--wallet", "miles", "--amount", "5", "--source", "signup"},
       3,
       "no wallet 'miles'"},
      {{"wallet", "spend", "M1", "--amount", "101"}, 4, "only 100 of 101"},
      {{"wallet", "spend", "M1", "--amount", "10", "--lines", bad_lines}, 2, "bad.json:3"},
      {{"wallet", "spend", "M1", "--amount", "10", "--lines", neg_lines}, 2, "non-negative"},
      {{"wallet", "spend", "M1", "--amount", "10", "--lines", dir_.file("missing.json")},
       2,
       "cannot read"},
      {{"wallet", "adjust", "M1", "--amount", "-500", "--reason", "fix"}, 4, "only 100"},
      {{"wallet", "adjust", "M1", "--amount", "5"}, 2, "--reason"},
      {{"hold", "capture", "999"}, 3, "no hold 999"},
      {{"hold", "reserve", "M1", "--amount", "500", "--order", "O1"}, 4, "only 100"},
      {{"hold", "reserve", "M1", "--amount", "5", "--order", "O1", "--ttl", "99999999"}, 2, "ttl"},
      {{"wallet", "restore", "M1", "--order", "nothing-spent", "--amount", "5"}, 6, "only 0"},
      {{"wallet", "clawback", "M1", "--order", "O1", "--fraction", "3/2"}, 2, "fraction"},
      {{"member", "upsert", "M2", "--birthday", "1990-02-30"}, 2, "--birthday"},
      {{"--now", "yesterday", "member", "show", "M1"}, 2, "--now"},
      {{"--program", "nope", "member", "show", "M1"}, 3, "no program 'nope'"},
      {{"jobs", "run", "launch-rockets"}, 2, "launch-rockets"},
      {{"member", "show", "nobody"}, 3, "no member 'nobody'"},
      {{"wallet", "clawback", "M1", "--order", "O1", "--fraction", "1/3xyz"}, 2, "--fraction"},
      {{"wallet", "clawback", "M1", "--order", "O1", "--line", "L1:1/2/3"}, 2, "--line"},
      {{"wallet", "grant", "M1", "--amount", "5", "--source", "purchase", "--line", "L1=5"},
       2,
       "order_id"},
  };
  for (const Case& c : cases) {
    Outcome r = patron(c.args);
    std::string shown;
    for (const auto& a : c.args) shown += a + " ";
    EXPECT_EQ(r.code, c.code) << shown << "\n" << r.err;
    EXPECT_NE(r.err.find(c.mentions), std::string::npos) << shown << "\nstderr: " << r.err;
    EXPECT_TRUE(r.out.empty()) << shown << "\nstdout: " << r.out;
  }
  EXPECT_EQ(transfer_count("M1"), before);
  EXPECT_EQ(credit("M1").at("available").as_int64(), 100);
  EXPECT_EQ(patron({"member", "show", "M2"}).code, 3) << "a rejected upsert creates nothing";
  expect_verified();
}

// `member show` says where the member stands in local dates of the program
// (Asia/Taipei): the period's first and last day, the last day to spend
// what keeps the level, and, for a calendar-year window, the last day to
// reach the next one.
TEST_F(Cli, MemberShowGivesTierDeadlinesInLocalDates) {
  const std::string example = std::string(PATRON_EXAMPLES) + "/taiwan-fashion.toml";
  ok({"program", "apply", example});
  write_file("orders.csv",
             "order_id,member_id,placed_at,line_id,sku,category,quantity,unit_price,status\n"
             "O1,G1,2026-03-21T10:00:00,1,COAT,coats,1,12000,completed\n");
  ok({"--now", "2026-06-01T10:00:00", "import", "orders", dir_.file("orders.csv")});
  Outcome shown = ok({"--now", "2026-06-01T10:00:00", "member", "show", "G1"});
  EXPECT_NE(shown.out.find("tier 金卡 (gold) since 2026-03-21 until 2027-03-21; qualifying "
                           "12000; 18000 more to reach VIP; 0 more by 2027-03-20 to keep 金卡"),
            std::string::npos)
      << shown.out;
  json::value v = ok({"--now", "2026-06-01T10:00:00", "--json", "member", "show", "G1"}).json();
  EXPECT_TRUE(v.at("tier").at("next_by").is_null()) << v;  // a rolling window has no deadline

  // The same program counting the calendar year: reach VIP by 31 December.
  std::ifstream in(example);
  std::stringstream text;
  text << in.rdbuf();
  std::string yearly = text.str();
  const std::string rolling = "window = \"rolling_months\"";
  ASSERT_NE(yearly.find(rolling), std::string::npos);
  yearly.replace(yearly.find(rolling), rolling.size(), "window = \"calendar_year\"");
  const std::string months = "window_months = 12";  // only for rolling windows
  ASSERT_NE(yearly.find(months), std::string::npos);
  yearly.erase(yearly.find(months), months.size());
  ok({"program", "apply", write_file("yearly.toml", yearly)});
  shown = ok({"--now", "2026-06-01T10:00:00", "member", "show", "G1"});
  EXPECT_NE(shown.out.find("18000 more by 2026-12-31 to reach VIP"), std::string::npos)
      << shown.out;
  v = ok({"--now", "2026-06-01T10:00:00", "--json", "member", "show", "G1"}).json();
  EXPECT_EQ(v.at("tier").at("next_by").as_string(), "2026-12-31T16:00:00Z") << v;
}

TEST_F(Cli, ReadingAMissingDatabaseIsAnErrorAndCreatesNothing) {
  for (const char* command : {"verify", "ledger", "member"}) {
    std::vector<std::string> args = {command};
    if (std::string(command) == "ledger") args.push_back("M1");
    if (std::string(command) == "member") args = {"member", "show", "M1"};
    Outcome r = patron(args);
    EXPECT_EQ(r.code, 3) << command << ": " << r.err;
    EXPECT_NE(r.err.find("no database at"), std::string::npos) << r.err;
    EXPECT_FALSE(std::filesystem::exists(db())) << command << " created the database";
  }
}

TEST_F(Cli, IdempotencyKeys) {
  ok({"member", "upsert", "M1"});
  ok({"wallet", "grant", "M1", "--amount", "100", "--source", "signup", "--key", "k"});
  Outcome again =
      ok({"wallet", "grant", "M1", "--amount", "100", "--source", "signup", "--key", "k"});
  EXPECT_NE(again.out.find("replayed"), std::string::npos);
  Outcome different =
      patron({"wallet", "grant", "M1", "--amount", "99", "--source", "signup", "--key", "k"});
  EXPECT_EQ(different.code, 5);
  EXPECT_NE(different.err.find("idempotency_key"), std::string::npos);
  EXPECT_EQ(credit("M1").at("available").as_int64(), 100);
}

TEST_F(Cli, ScopedLotsPayOnlyCoveredLines) {
  ok({"member", "upsert", "M1"});
  // Neither lot expires, so the older scoped lot ranks first; the allocation
  // must still leave the unrestricted lot enough to pay the bags line.
  ok({"wallet", "grant", "M1", "--amount", "50", "--source", "campaign", "--scope-category",
      "shoes"});
  ok({"wallet", "grant", "M1", "--amount", "30", "--source", "purchase"});
  std::string lines = write_file("lines.json",
                                 R"([{"line_id":"L1","sku":"S1","category":"shoes","amount":60},
          {"line_id":"L2","sku":"B1","category":"bags","amount":25}])");
  EXPECT_EQ(patron({"wallet", "spend", "M1", "--amount", "40"}).code, 4)
      << "without lines only the unrestricted 30 is spendable";
  Outcome paid =
      ok({"--json", "wallet", "spend", "M1", "--amount", "75", "--lines", lines, "--order", "O1"});
  int64_t shoes_from_scoped = 0;
  json::value body = paid.json();
  for (const auto& a : body.at("allocations").as_array()) {
    if (a.at("line_id").as_string() == "L1" && a.at("lot_id").as_int64() == 1) {
      shoes_from_scoped += a.at("amount").as_int64();
    }
  }
  EXPECT_EQ(shoes_from_scoped, 50);
  EXPECT_EQ(credit("M1").at("available").as_int64(), 5);
  expect_verified();
}

TEST_F(Cli, RefundsClawBackAndRestore) {
  ok({"member", "upsert", "M1"});
  ok({"wallet", "grant", "M1", "--amount", "100", "--source", "signup"});
  ok({"wallet", "grant", "M1", "--amount", "50", "--source", "purchase", "--order", "A1", "--line",
      "L1=30", "--line", "L2=20", "--pending"});
  Outcome claw = ok({"--json", "wallet", "clawback", "M1", "--order", "A1", "--line", "L2"});
  EXPECT_EQ(claw.json().at("from_pending").as_int64(), 20);
  ok({"wallet", "release", "M1", "--order", "A1"});
  EXPECT_EQ(credit("M1").at("available").as_int64(), 130);
  ok({"wallet", "spend", "M1", "--amount", "125", "--order", "B1"});
  Outcome debt = ok({"--json", "wallet", "clawback", "M1", "--order", "A1", "--line", "L1"});
  EXPECT_EQ(debt.json().at("debt_added").as_int64(), 25);
  EXPECT_EQ(credit("M1").at("available").as_int64(), -25);
  ok({"wallet", "restore", "M1", "--order", "B1", "--amount", "40"});
  EXPECT_EQ(credit("M1").at("available").as_int64(), 15);
  EXPECT_EQ(credit("M1").at("debt").as_int64(), 0);
  expect_verified();
}

TEST_F(Cli, VerifyReportsTamperingAndExitsNonZero) {
  ok({"member", "upsert", "M1"});
  ok({"wallet", "grant", "M1", "--amount", "100", "--source", "signup"});
  expect_verified();
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(this->db().c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "UPDATE lots SET remaining = 99", nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);
  Outcome v = patron({"verify"});
  EXPECT_EQ(v.code, 1);
  EXPECT_NE(v.out.find("lot 1"), std::string::npos) << v.out;
  EXPECT_NE(v.out.find("INCONSISTENT"), std::string::npos);
  Outcome j = patron({"--json", "verify"});
  EXPECT_EQ(j.code, 1);
  EXPECT_FALSE(j.json().at("ok").as_bool());
}

TEST_F(Cli, ParallelProcessesNeverOverdraw) {
  ok({"member", "upsert", "M1"});
  ok({"wallet", "grant", "M1", "--amount", "100", "--source", "signup"});
  std::string script;
  for (int i = 0; i < 8; ++i) {
    script += std::string(PATRON_BINARY) + " --db " + shell_quote(db()) +
              " hold reserve M1 --amount 30 --order P" + std::to_string(i) + " >/dev/null 2>&1 & ";
  }
  script += "wait";
  ASSERT_EQ(std::system(("bash -c " + shell_quote(script)).c_str()), 0);
  auto c = credit("M1");
  EXPECT_EQ(c.at("held").as_int64(), 90) << "exactly three 30s fit in 100";
  EXPECT_EQ(c.at("available").as_int64(), 10);
  EXPECT_EQ(c.at("holds").as_array().size(), 3u);
  expect_verified();
}

// Random sequences of every ledger command through the real binary (with
// clock jumps via --now), then `patron verify` must pass. Seeds reproduce.
TEST_F(Cli, RandomSequencesReplayedThroughTheCliVerify) {
  for (uint32_t seed = 1; seed <= 3; ++seed) {
    SCOPED_TRACE("seed " + std::to_string(seed));
    std::mt19937 rng(seed);
    auto pick = [&](int n) { return static_cast<int>(rng() % static_cast<uint32_t>(n)); };
    int64_t now = 1'800'000'000 + seed * 10'000'000;
    auto iso = [&] {
      std::time_t t = now;
      char buf[32];
      std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", std::gmtime(&t));
      return std::string(buf);
    };
    std::vector<std::string> members = {"a" + std::to_string(seed), "b" + std::to_string(seed)};
    for (const auto& m : members) ok({"member", "upsert", m});
    std::vector<int64_t> holds;
    int orders = 0;
    for (int step = 0; step < 40; ++step) {
      const std::string m = members[static_cast<std::size_t>(pick(2))];
      std::vector<std::string> args = {"--now", iso()};
      std::string order = "O" + std::to_string(pick(orders + 1));
      switch (pick(9)) {
        case 0:
        case 1: {
          args.insert(args.end(), {"wallet", "grant", m, "--amount", std::to_string(1 + pick(200)),
                                   "--source", pick(2) ? "birthday" : "purchase"});
          if (pick(2)) {
            args.insert(args.end(), {"--order", "O" + std::to_string(++orders), "--pending"});
          }
          break;
        }
        case 2:
          args.insert(args.end(), {"wallet", "spend", m, "--amount", std::to_string(1 + pick(150)),
                                   "--order", "O" + std::to_string(++orders)});
          break;
        case 3: {
          args.insert(args.end(),
                      {"--json", "hold", "reserve", m, "--amount", std::to_string(1 + pick(100)),
                       "--order", "O" + std::to_string(++orders), "--ttl", "3600"});
          Outcome r = patron(args);
          if (r.code == 0) holds.push_back(r.json().at("hold_id").as_int64());
          continue;
        }
        case 4:
          if (holds.empty()) continue;
          args.insert(args.end(),
                      {"hold", pick(2) ? "capture" : "release",
                       std::to_string(
                           holds[static_cast<std::size_t>(pick(static_cast<int>(holds.size())))])});
          break;
        case 5:
          args.insert(args.end(), {"wallet", "clawback", m, "--order", order, "--fraction",
                                   std::to_string(1 + pick(2)) + "/2"});
          break;
        case 6:
          args.insert(args.end(), {"wallet", "restore", m, "--order", order});
          break;
        case 7:
          args.insert(args.end(), {"wallet", "adjust", m, "--amount",
                                   std::to_string(pick(2) ? 1 + pick(50) : -(1 + pick(50))),
                                   "--reason", "support ticket"});
          break;
        case 8:
          now += (pick(3) == 0 ? 40 * 86400 : 3 * 3600);
          args = {"--now", iso(), "jobs", "run", "all"};
          break;
      }
      Outcome r = patron(args);
      EXPECT_TRUE(r.code == 0 || r.code == 4 || r.code == 5 || r.code == 6 || r.code == 3)
          << "unexpected exit " << r.code << ": " << r.err;
      EXPECT_NE(r.code, 10) << r.err;
      now += 60;
    }
    expect_verified();
  }
}

// Importing orders: the canonical CSV with the Taiwan program (rebates,
// returns, guests), bad rows reported by file line and skipped, --strict
// importing nothing, and the Online Retail preset on a slice of the real file.
TEST_F(Cli, ImportCanonicalOrdersEarnsAndReportsBadRows) {
  ok({"program", "apply", std::string(PATRON_EXAMPLES) + "/taiwan-fashion.toml"});
  std::string csv =
      write_file("orders.csv",
                 "order_id,member_id,placed_at,line_id,sku,category,quantity,unit_price,status\n"
                 "A1,m1,2026-03-03 12:00:00,1,TEE,tops,2,600,paid\n"
                 "A1,m1,2026-03-03 12:00:00,2,SKIRT,bottoms,1,900,paid\n"
                 "A2,,2026-03-04 09:00:00,1,TEE,tops,5,600,paid\n"
                 "A3,m1,2026-03-08 10:00:00,1,COAT,outer,1,1000,paid\n"
                 "A4,m2,2026-03-05,1,TEE,tops,1,12.5,paid\n"
                 "A1,m1,2026-03-10 10:00:00,2,SKIRT,bottoms,-1,900,refunded\n");
  // Strict: one bad row (line 6: 12.5 in a currency without minor units) fails everything.
  Outcome strict = patron({"import", "orders", csv, "--strict"});
  EXPECT_NE(strict.code, 0);
  EXPECT_NE(strict.err.find("orders.csv:6"), std::string::npos) << strict.err;
  EXPECT_EQ(patron({"order", "show", "A1"}).code, 3) << "nothing may be imported";
  // Not strict: the bad row is reported and skipped, the rest imported.
  Outcome r = patron({"--json", "import", "orders", csv});
  EXPECT_EQ(r.code, 2) << r.err;  // bad rows make the exit code non-zero
  EXPECT_NE(r.err.find("orders.csv:6: unit_price"), std::string::npos) << r.err;
  json::object report = r.json().as_object();
  EXPECT_EQ(report.at("orders").as_int64(), 3);
  EXPECT_EQ(report.at("returns").as_int64(), 1);
  EXPECT_EQ(report.at("bad_rows").as_int64(), 1);
  EXPECT_EQ(report.at("failed").as_int64(), 0);
  // A1: 2100 -> 100, of which the skirt earned 43 and was returned: 57.
  // A3 on the 8th (member day): 1000 -> 50 x 2 = 100. Imported orders are
  // fulfilled when placed: A1's 7-day window ends on the 11th, A3's on the
  // 16th, so on the 10th both are pending and on 1 April both available.
  // m1 was created by A1 on 3 March and got the NT$100 signup reward,
  // available at once and usable for 60 days (to 2 May).
  json::object a1 = ok({"order", "show", "A1"}).json().as_object();
  EXPECT_EQ(a1.at("earned").at("rebate").as_int64(), 100);
  EXPECT_EQ(a1.at("status").as_string(), "partially_refunded");
  auto wallet = credit("m1", {"--now", "2026-03-10T12:00:00+08:00"});
  EXPECT_EQ(wallet.at("pending").as_int64(), 57 + 100);
  wallet = credit("m1", {"--now", "2026-04-01T00:00:00+08:00"});
  EXPECT_EQ(wallet.at("available").as_int64(), 100 + 157);
  EXPECT_EQ(wallet.at("pending").as_int64(), 0);
  // The guest order is stored and earned nothing.
  json::object a2 = ok({"order", "show", "A2"}).json().as_object();
  EXPECT_EQ(a2.at("member_id").as_string(), "");
  EXPECT_TRUE(a2.at("earned").as_object().empty());
  // Importing the same file again changes nothing (orders already earned;
  // the return's id was already applied).
  ok({"import", "orders",
      write_file("good.csv",
                 "order_id,member_id,placed_at,line_id,sku,category,quantity,"
                 "unit_price,status\n"
                 "A3,m1,2026-03-08 10:00:00,1,COAT,outer,1,1000,paid\n")});
  EXPECT_EQ(ok({"order", "show", "A3"}).json().at("earned").at("rebate").as_int64(), 100);
  expect_verified();
}

// An import applies a file in time order while reading it; a file out of
// time order is applied after the read instead. Both give the same ledger.
TEST_F(Cli, ImportGivesTheSameLedgerWhetherTheFileStreamsOrNot) {
  std::string program = std::string(PATRON_EXAMPLES) + "/taiwan-fashion.toml";
  ok({"--program", "a", "program", "apply", program});
  ok({"--program", "b", "program", "apply", program});
  std::vector<std::string> rows;  // 400 orders of 5 members over 400 hours, some returned
  for (int i = 0; i < 400; ++i) {
    char row[200];
    std::snprintf(row, sizeof row, "O%d,m%d,2026-03-%02dT%02d:00:00+08:00,1,TEE,tops,%d,%d,paid\n",
                  i, i % 5, 1 + i / 24, i % 24, 1 + i % 3, 300 + 7 * (i % 11));
    rows.push_back(row);
    if (i % 9 == 4) {
      std::snprintf(row, sizeof row,
                    "O%d,m%d,2026-03-%02dT%02d:30:00+08:00,1,TEE,tops,-1,%d,refunded\n", i, i % 5,
                    1 + i / 24, i % 24, 300 + 7 * (i % 11));
      rows.push_back(row);
    }
  }
  const std::string header =
      "order_id,member_id,placed_at,line_id,sku,category,quantity,unit_price,status\n";
  std::string sorted = header, shuffled = header;
  for (const auto& r : rows) sorted += r;
  // Out of time order: the orders of each tenth hour go to the end.
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (i % 10 != 3) shuffled += rows[i];
  }
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (i % 10 == 3 && rows[i].find("refunded") == std::string::npos) shuffled += rows[i];
  }
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (i % 10 == 3 && rows[i].find("refunded") != std::string::npos) shuffled += rows[i];
  }
  json::object a =
      ok({"--program", "a", "--json", "import", "orders", write_file("sorted.csv", sorted)})
          .json()
          .as_object();
  json::object b =
      ok({"--program", "b", "--json", "import", "orders", write_file("shuffled.csv", shuffled)})
          .json()
          .as_object();
  EXPECT_EQ(a.at("orders").as_int64(), 400);
  EXPECT_EQ(a.at("returns"), b.at("returns"));
  EXPECT_EQ(a.at("commands"), b.at("commands"));
  EXPECT_EQ(a.at("streamed"), a.at("commands")) << "in time order: every command streamed";
  EXPECT_EQ(b.at("streamed").as_int64(), 0) << "out of order: nothing streamed";
  EXPECT_EQ(a.at("failed").as_int64(), 0);
  EXPECT_EQ(b.at("failed").as_int64(), 0);
  // A member as `member show` has it, without what differs between two
  // programs by construction: lot and hold ids, referral code, program name.
  auto shown = [&](const std::string& program, const std::string& id) {
    json::object v = ok({"--program", program, "member", "show", id, "--json"}).json().as_object();
    v.erase("as_of");
    v.at("member").as_object().erase("referral_code");
    v.at("member").as_object().erase("program");
    for (auto& [name, wallet] : v.at("wallets").as_object()) {
      for (auto& lot : wallet.at("lots").as_array()) lot.as_object().erase("id");
      for (auto& hold : wallet.at("holds").as_array()) hold.as_object().erase("id");
    }
    return v;
  };
  for (int m = 0; m < 5; ++m) {
    std::string id = "m" + std::to_string(m);
    json::object sa = shown("a", id);
    EXPECT_EQ(sa, shown("b", id)) << id;
    EXPECT_GT(sa.at("wallets").at("credit").at("available").as_int64(), 0) << id;
    EXPECT_GT(sa.at("wallets").at("credit").at("lots").as_array().size(), 70u) << id;
  }
  EXPECT_EQ(patron({"--program", "a", "verify"}).code, 0);
  EXPECT_EQ(patron({"--program", "b", "verify"}).code, 0);
}

// --strict never streams: a clean file in time order is imported whole, in
// one transaction after the read (a regression: it once imported nothing).
TEST_F(Cli, StrictImportOfACleanFileImportsEverything) {
  ok({"program", "apply", std::string(PATRON_EXAMPLES) + "/taiwan-fashion.toml"});
  std::string csv =
      write_file("clean.csv",
                 "order_id,member_id,placed_at,line_id,sku,category,quantity,unit_price,status\n"
                 "S1,m1,2026-03-03 12:00:00,1,TEE,tops,2,600,paid\n"
                 "S2,m2,2026-03-04 09:00:00,1,TEE,tops,5,600,paid\n"
                 "S3,m1,2026-03-05 10:00:00,1,COAT,outer,1,1000,paid\n");
  json::object report = ok({"--json", "import", "orders", csv, "--strict"}).json().as_object();
  EXPECT_EQ(report.at("commands").as_int64(), 3);
  EXPECT_EQ(report.at("applied").as_int64(), 3);
  EXPECT_EQ(report.at("streamed").as_int64(), 0);
  for (const char* id : {"S1", "S2", "S3"}) EXPECT_EQ(patron({"order", "show", id}).code, 0) << id;
  expect_verified();
}

// A file in time order with more commands than one chunk (25,000) does not
// stream (the write lock is held at most one chunk) and imports whole.
TEST_F(Cli, ImportOfMoreThanOneChunkRunsAfterTheRead) {
  ok({"program", "apply", std::string(PATRON_EXAMPLES) + "/taiwan-fashion.toml"});
  constexpr int kOrders = 25'050;
  std::string text = "order_id,member_id,placed_at,line_id,sku,category,quantity,unit_price\n";
  for (int i = 0; i < kOrders; ++i) {
    int t = i * 60;  // a minute apart from 2026-03-01 00:00
    char row[160];
    std::snprintf(row, sizeof row, "B%d,m%d,2026-03-%02dT%02d:%02d:00+08:00,1,TEE,tops,1,%d\n", i,
                  i % 5000, 1 + t / 86400, t / 3600 % 24, t / 60 % 60, 500 + i % 700);
    text += row;
  }
  json::object report =
      ok({"--json", "import", "orders", write_file("big.csv", text)}).json().as_object();
  EXPECT_EQ(report.at("orders").as_int64(), kOrders);
  EXPECT_EQ(report.at("applied").as_int64(), kOrders);
  EXPECT_EQ(report.at("failed").as_int64(), 0);
  EXPECT_EQ(report.at("streamed").as_int64(), 0);
  EXPECT_EQ(patron({"order", "show", "B25049"}).code, 0);
  expect_verified();
}

TEST_F(Cli, ImportOnlineRetailSlice) {
  std::string gbp = std::string(PATRON_EXAMPLES) + "/online-retail-gbp.toml";
  ok({"--program", "uk", "program", "apply", gbp});
  // The first 3,000 rows of the real file (gzip, as shipped).
  std::string slice = dir_.file("slice.csv");
  std::string command = "zcat " +
                        shell_quote(std::string(PATRON_SHARED_DATA) + "/online_retail.csv.gz") +
                        " | head -n 3001 > " + shell_quote(slice);
  ASSERT_EQ(std::system(command.c_str()), 0);
  Outcome wrong = patron({"import", "orders", slice, "--preset", "online-retail"});
  EXPECT_NE(wrong.code, 0);  // the default program is in TWD
  EXPECT_NE(wrong.err.find("GBP"), std::string::npos) << wrong.err;
  Outcome r =
      ok({"--program", "uk", "--json", "import", "orders", slice, "--preset", "online-retail"});
  json::object report = r.json().as_object();
  EXPECT_EQ(report.at("rows").as_int64(), 3000);
  EXPECT_GT(report.at("orders").as_int64(), 100);
  EXPECT_EQ(report.at("streamed"), report.at("commands")) << "the file is in time order";
  EXPECT_EQ(report.at("failed").as_int64(), 0);
  // 17850's first invoice, 536365: £139.12 -> 13 steps of £10 -> £6.50.
  json::object first = ok({"--program", "uk", "order", "show", "536365"}).json().as_object();
  EXPECT_EQ(first.at("subtotal").as_int64(), 13912);
  EXPECT_EQ(first.at("earned").at("rebate").as_int64(), 650);
  EXPECT_EQ(first.at("placed_at").as_string(), "2010-12-01T08:26:00Z");
  Outcome v = patron({"--program", "uk", "verify"});
  EXPECT_EQ(v.code, 0) << v.out;
}

}  // namespace
}  // namespace patron
