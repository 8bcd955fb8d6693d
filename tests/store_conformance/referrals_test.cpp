// Referrals (app/model.h Member referral fields, Referral) on every Store
// backend: members' own codes and the lookup by code, a code unique per
// program, referral upserts through their states, the referral list with its
// state filter and cursor, the per-referrer count since a time, rollback.
// Plus SQLite only: a version-5 file upgrades with empty codes.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "app/store.h"
#include "store/sqlite/sqlite_store.h"
#include "store_conformance/two_programs_fixture.h"
#include "support/backends.h"

namespace patron {
namespace store {
const std::vector<std::pair<int, std::string_view>>& migrations();  // generated, embedded
}  // namespace store

namespace {

using app::CommandWrite;
using app::Member;
using app::Referral;
using testing::Backend;
using testing::kBackends;
using Ids = std::vector<std::string>;

using testing::at;

class Referrals : public testing::TwoProgramsStore {
 protected:
  static Member member_row(const std::string& program, const std::string& id,
                           const std::string& code, const std::string& referred_by = "") {
    return Member{program, id,   std::nullopt, id + "@b.tw", "0912", at(0), at(1),
                  {},      code, referred_by,  "",           "",     {},    {}};
  }

  static CommandWrite member_write(const Member& m) {
    CommandWrite w;
    w.program_id = m.program_id;
    w.member_id = m.id;
    w.member = m;
    return w;
  }

  void add_member(const std::string& id, const std::string& code = "",
                  const std::string& program = "default", const std::string& referred_by = "") {
    write(member_write(member_row(program, id, code, referred_by)));
  }

  // A referral with the program left to the write's.
  static Referral referral(const std::string& referee, const std::string& referrer,
                           const std::string& state = "pending",
                           std::optional<Instant> qualified = std::nullopt) {
    Referral f;
    f.referee_id = referee;
    f.referrer_id = referrer;
    f.code = "CODE-" + referrer;
    f.state = state;
    f.created_at = at(10);
    f.qualified_at = qualified;
    if (qualified) f.order_id = "o-" + referee;
    return f;
  }

  static CommandWrite referral_write(const Referral& f, const std::string& program = "default") {
    CommandWrite w;
    w.program_id = program;
    w.member_id = f.referee_id;
    w.referral = f;
    return w;
  }

  std::optional<std::string> by_code(const std::string& code,
                                     const std::string& program = "default") {
    auto r = store_->member_by_referral_code(program, code);
    EXPECT_TRUE(r) << r.error().message;
    return r ? *r : std::optional<std::string>{"<error>"};
  }

  std::optional<Referral> find(const std::string& referee, const std::string& program = "default") {
    auto r = store_->find_referral(program, referee);
    EXPECT_TRUE(r) << r.error().message;
    return r ? *r : std::nullopt;
  }

  Ids page(const std::string& state, const std::string& after, std::size_t limit,
           const std::string& program = "default") {
    auto r = store_->referrals_page(program, state, app::PageRequest{after, limit});
    EXPECT_TRUE(r) << r.error().message;
    Ids ids;
    if (r) {
      for (const auto& f : *r) {
        EXPECT_EQ(f.program_id, program);
        if (!state.empty()) {
          EXPECT_EQ(f.state, state);
        }
        ids.push_back(f.referee_id);
      }
    }
    return ids;
  }

  // Follows the pages of `state` from the start, `limit` referrals a page.
  Ids all_pages(const std::string& state, std::size_t limit) {
    Ids all;
    std::string after;
    for (int pages = 0; pages < 100; ++pages) {
      Ids ids = page(state, after, limit);
      EXPECT_LE(ids.size(), limit);
      if (ids.empty()) break;
      all.insert(all.end(), ids.begin(), ids.end());
      after = ids.back();
    }
    return all;
  }

  int64_t qualified(const std::string& referrer, Instant since,
                    const std::string& program = "default") {
    auto r = store_->referrals_qualified_since(program, referrer, since);
    EXPECT_TRUE(r) << r.error().message;
    return r ? *r : -1;
  }
};

TEST_P(Referrals, MemberCodesRoundTripAndFindTheirMember) {
  add_member("m1", "ABCD2345");
  add_member("m2", "WXYZ6789", "default", "m1");
  add_member("m3");  // no code
  add_member("m9", "QRST2345", "other");

  EXPECT_EQ(**store_->find_member("default", "m1"), member_row("default", "m1", "ABCD2345"));
  EXPECT_EQ(**store_->find_member("default", "m2"), member_row("default", "m2", "WXYZ6789", "m1"))
      << "the code and the referrer round-trip";
  EXPECT_EQ(**store_->find_member("default", "m3"), member_row("default", "m3", ""));
  auto rows = store_->members_page("default", app::PageRequest{"", 10});
  ASSERT_TRUE(rows) << rows.error().message;
  ASSERT_EQ(rows->size(), 3u);
  EXPECT_EQ((*rows)[1], member_row("default", "m2", "WXYZ6789", "m1")) << "pages read them too";

  EXPECT_EQ(by_code("ABCD2345"), "m1");
  EXPECT_EQ(by_code("WXYZ6789"), "m2");
  EXPECT_EQ(by_code("ABCD2346"), std::nullopt);
  EXPECT_EQ(by_code("abcd2345"), std::nullopt) << "codes match exactly";
  EXPECT_EQ(by_code(""), std::nullopt) << "'' is no code, though m3 has it";
  EXPECT_EQ(by_code("QRST2345"), std::nullopt) << "another program's code";
  EXPECT_EQ(by_code("QRST2345", "other"), "m9");
  EXPECT_EQ(by_code("ABCD2345", "other"), std::nullopt);
  EXPECT_EQ(by_code("ABCD2345", "nowhere"), std::nullopt);

  // An upsert may change the code: the old one is free again.
  add_member("m1", "NEWC0DE2");
  EXPECT_EQ(by_code("NEWC0DE2"), "m1");
  EXPECT_EQ(by_code("ABCD2345"), std::nullopt);
  add_member("m3", "ABCD2345");
  EXPECT_EQ(by_code("ABCD2345"), "m3");
  add_member("m3", "ABCD2345");  // the same member, the same code: fine
  EXPECT_EQ(by_code("ABCD2345"), "m3");
}

TEST_P(Referrals, ADuplicateCodeInAProgramFailsTheWriteAndRollsBack) {
  add_member("m1", "ABCD2345");
  add_member("m2");
  add_member("m3");  // two members without a code do not clash

  EXPECT_FALSE(try_write(member_write(member_row("default", "m4", "ABCD2345"))))
      << "a new member with a taken code";
  EXPECT_FALSE(store_->find_member("default", "m4")->has_value());
  EXPECT_FALSE(try_write(member_write(member_row("default", "m2", "ABCD2345"))))
      << "an existing member taking another's code";
  EXPECT_EQ(**store_->find_member("default", "m2"), member_row("default", "m2", ""));

  // Within one transaction: the failing write takes the earlier ones with it.
  ASSERT_TRUE(store_->begin());
  ASSERT_TRUE(store_->apply(member_write(member_row("default", "m5", "FRESH234"))));
  ASSERT_TRUE(store_->apply(member_write(member_row("default", "m6", "SECND234"))));
  EXPECT_FALSE(store_->apply(member_write(member_row("default", "m7", "FRESH234"))))
      << "a code taken earlier in the same transaction";
  ASSERT_TRUE(store_->rollback());
  EXPECT_FALSE(store_->find_member("default", "m5")->has_value());
  EXPECT_FALSE(store_->find_member("default", "m6")->has_value());
  EXPECT_FALSE(store_->find_member("default", "m7")->has_value());
  EXPECT_EQ(by_code("FRESH234"), std::nullopt) << "rolled back codes are not found";
  EXPECT_EQ(by_code("SECND234"), std::nullopt);
  EXPECT_EQ(by_code("ABCD2345"), "m1") << "the first holder keeps it";

  // The rolled back codes are free.
  add_member("m7", "FRESH234");
  EXPECT_EQ(by_code("FRESH234"), "m7");
}

TEST_P(Referrals, TheSameCodeInTwoProgramsIsFine) {
  add_member("m1", "ABCD2345");
  add_member("m2", "ABCD2345", "other");
  EXPECT_EQ(by_code("ABCD2345"), "m1");
  EXPECT_EQ(by_code("ABCD2345", "other"), "m2");
  // The same member id in both programs, each with the other's code.
  add_member("m2", "WXYZ6789");
  add_member("m1", "WXYZ6789", "other");
  EXPECT_FALSE(try_write(member_write(member_row("other", "m3", "ABCD2345"))))
      << "still unique inside each program";
  EXPECT_EQ(by_code("WXYZ6789"), "m2");
  EXPECT_EQ(by_code("WXYZ6789", "other"), "m1");
  EXPECT_EQ(by_code("ABCD2345", "other"), "m2");
}

TEST_P(Referrals, ReferralsUpsertFindAndMoveThroughTheirStates) {
  add_member("r1", "REFR2345");
  add_member("e1", "", "default", "r1");
  add_member("e2");

  Referral pending = referral("e1", "r1");
  write(referral_write(pending));
  Referral expected = pending;
  expected.program_id = "default";  // the write's program
  EXPECT_EQ(find("e1"), expected);
  EXPECT_EQ(find("e1")->reasons, std::vector<std::string>{}) << "no reasons round-trip";
  EXPECT_EQ(find("e2"), std::nullopt) << "not referred";
  EXPECT_EQ(find("r1"), std::nullopt) << "by referee, not referrer";
  EXPECT_EQ(find("e1", "other"), std::nullopt) << "per program";

  // Qualified and held for review, with the checks that fired.
  Referral review = expected;
  review.state = "review";
  review.order_id = "o-100";
  review.qualified_at = at(100);
  review.reasons = {"same_email", "same_phone", "custom, with a comma", "a \"quoted\" 理由"};
  write(referral_write(review));
  EXPECT_EQ(find("e1"), review);

  // Approved by a person.
  Referral rewarded = review;
  rewarded.state = "rewarded";
  rewarded.decided_at = at(200);
  rewarded.decided_by = "key_0123456789abcdef";
  rewarded.note = "同一家人，核准";
  write(referral_write(rewarded));
  EXPECT_EQ(find("e1"), rewarded);

  // An upsert replaces every field (the app keeps them; the store stores).
  Referral rewritten = referral("e1", "r1", "rejected", at(150));
  rewritten.program_id = "default";
  rewritten.code = "OTHER234";
  write(referral_write(rewritten));
  EXPECT_EQ(find("e1"), rewritten);
  auto all = store_->referrals_page("default", "", app::PageRequest{});
  ASSERT_TRUE(all) << all.error().message;
  EXPECT_EQ(*all, std::vector<Referral>{rewritten}) << "still one referral per referee";

  // A referral naming its own program goes there, whatever the write's.
  add_member("r1", "", "other");
  add_member("e1", "", "other");
  Referral elsewhere = referral("e1", "r1", "pending");
  elsewhere.program_id = "other";
  write(referral_write(elsewhere, "default"));
  EXPECT_EQ(find("e1", "other"), elsewhere);
  EXPECT_EQ(find("e1"), rewritten);
}

TEST_P(Referrals, ReferralsNeedKnownMembersAndAKnownState) {
  add_member("r1");
  add_member("e1");
  add_member("x1", "", "other");
  EXPECT_FALSE(try_write(referral_write(referral("ghost", "r1")))) << "unknown referee";
  EXPECT_FALSE(try_write(referral_write(referral("e1", "ghost")))) << "unknown referrer";
  EXPECT_FALSE(try_write(referral_write(referral("e1", "x1"))))
      << "the referrer is a member of another program";
  EXPECT_FALSE(try_write(referral_write(referral("e1", "r1", "approved")))) << "no such state";
  EXPECT_EQ(find("ghost"), std::nullopt);
  EXPECT_EQ(find("e1"), std::nullopt);
  EXPECT_TRUE(page("", "", 50).empty());

  // A member and its referral in one write: the member is written first.
  CommandWrite w = member_write(member_row("default", "e2", "", "r1"));
  w.referral = referral("e2", "r1");
  write(w);
  EXPECT_EQ(find("e2")->referrer_id, "r1");
  EXPECT_EQ((**store_->find_member("default", "e2")).referred_by, "r1");
}

TEST_P(Referrals, ThePageFollowsRefereeIdsWithOrWithoutAStateFilter) {
  add_member("r1");
  for (const char* id : {"e1", "e2", "e3", "e4", "e5", "E9"}) add_member(id);
  add_member("r1", "", "other");
  add_member("e0", "", "other");
  write(referral_write(referral("e3", "r1", "rewarded", at(3))));
  write(referral_write(referral("e1", "r1", "pending")));
  write(referral_write(referral("e2", "r1", "review", at(2))));
  write(referral_write(referral("e5", "r1", "rejected", at(5))));
  write(referral_write(referral("e4", "r1", "review", at(4))));
  write(referral_write(referral("E9", "r1", "review", at(9))));
  write(referral_write(referral("e0", "r1", "review", at(1)), "other"));

  EXPECT_EQ(page("", "", 50), (Ids{"E9", "e1", "e2", "e3", "e4", "e5"}))
      << "every state, in referee id (byte) order";
  EXPECT_EQ(page("", "", 0), (Ids{"E9", "e1", "e2", "e3", "e4", "e5"}))
      << "limit 0: the default page";
  EXPECT_EQ(page("review", "", 50), (Ids{"E9", "e2", "e4"}));
  EXPECT_EQ(page("pending", "", 50), Ids{"e1"});
  EXPECT_EQ(page("rewarded", "", 50), Ids{"e3"});
  EXPECT_EQ(page("rejected", "", 50), Ids{"e5"});
  EXPECT_EQ(page("approved", "", 50), Ids{}) << "no such state: nothing";

  // The cursor: referee ids after it, whatever their state.
  EXPECT_EQ(page("", "e2", 50), (Ids{"e3", "e4", "e5"}));
  EXPECT_EQ(page("", "e2", 2), (Ids{"e3", "e4"}));
  EXPECT_EQ(page("", "e21", 50), (Ids{"e3", "e4", "e5"})) << "the cursor need not be a row";
  EXPECT_EQ(page("", "e5", 50), Ids{});
  EXPECT_EQ(page("review", "e2", 50), Ids{"e4"});
  EXPECT_EQ(page("review", "e3", 1), Ids{"e4"}) << "the cursor may be a row of another state";
  EXPECT_EQ(page("review", "e4", 50), Ids{});

  EXPECT_EQ(all_pages("", 2), (Ids{"E9", "e1", "e2", "e3", "e4", "e5"}));
  EXPECT_EQ(all_pages("", 1), (Ids{"E9", "e1", "e2", "e3", "e4", "e5"}));
  EXPECT_EQ(all_pages("review", 1), (Ids{"E9", "e2", "e4"}));
  EXPECT_EQ(all_pages("review", 2), (Ids{"E9", "e2", "e4"}));

  EXPECT_EQ(page("", "", 50, "other"), Ids{"e0"}) << "per program";
  EXPECT_EQ(page("review", "", 50, "other"), Ids{"e0"});
  EXPECT_EQ(page("", "", 50, "nowhere"), Ids{});

  // A referral moving to another state moves between the filtered lists.
  Referral e2 = *find("e2");
  e2.state = "rewarded";
  write(referral_write(e2));
  EXPECT_EQ(page("review", "", 50), (Ids{"E9", "e4"}));
  EXPECT_EQ(page("rewarded", "", 50), (Ids{"e2", "e3"}));
}

TEST_P(Referrals, QualifiedSinceCountsFromSinceInclusiveAndNeverPending) {
  for (const char* id : {"r1", "r2", "e1", "e2", "e3", "e4", "e5", "e6", "e7"}) add_member(id);
  add_member("r1", "", "other");
  add_member("e1", "", "other");
  write(referral_write(referral("e1", "r1", "review", at(100))));
  write(referral_write(referral("e2", "r1", "rewarded", at(200))));
  write(referral_write(referral("e3", "r1", "rejected", at(199))));
  write(referral_write(referral("e4", "r1", "pending", at(300))));  // pending never counts
  write(referral_write(referral("e5", "r1", "pending")));
  write(referral_write(referral("e6", "r1", "rewarded")));  // no qualified_at: never counts
  write(referral_write(referral("e7", "r2", "rewarded", at(200))));
  write(referral_write(referral("e1", "r1", "rewarded", at(250)), "other"));

  EXPECT_EQ(qualified("r1", at(200)), 1) << "qualified exactly at `since` counts";
  EXPECT_EQ(qualified("r1", at(199)), 2) << "rejected ones count: they qualified";
  EXPECT_EQ(qualified("r1", at(100)), 3) << "review ones count";
  EXPECT_EQ(qualified("r1", at(101)), 2);
  EXPECT_EQ(qualified("r1", at(201)), 0) << "a pending one at 300 does not count";
  EXPECT_EQ(qualified("r1", Instant::min()), 3) << "Instant::min(): the lifetime";
  EXPECT_EQ(qualified("r2", at(200)), 1) << "per referrer";
  EXPECT_EQ(qualified("e1", Instant::min()), 0) << "a referee is not a referrer";
  EXPECT_EQ(qualified("nobody", Instant::min()), 0);
  EXPECT_EQ(qualified("r1", Instant::min(), "other"), 1) << "per program";
  EXPECT_EQ(qualified("r1", at(251), "other"), 0);

  // Leaving pending makes it count.
  Referral e4 = *find("e4");
  e4.state = "review";
  e4.reasons = {"referrer_limit_month"};
  write(referral_write(e4));
  EXPECT_EQ(qualified("r1", at(201)), 1);
  EXPECT_EQ(qualified("r1", at(200)), 2);
}

TEST_P(Referrals, RollbackDiscardsAReferralAndOthersSeeOnlyCommits) {
  add_member("r1", "REFR2345");
  add_member("e1");
  auto other = factory_->open();
  ASSERT_TRUE(other) << other.error().message;

  ASSERT_TRUE(store_->begin());
  ASSERT_TRUE(store_->apply(referral_write(referral("e1", "r1", "rewarded", at(5)))));
  EXPECT_TRUE(find("e1").has_value()) << "a transaction sees its own writes";
  EXPECT_EQ(page("", "", 50), Ids{"e1"});
  EXPECT_EQ(qualified("r1", at(5)), 1);
  EXPECT_FALSE((*(*other)->find_referral("default", "e1")).has_value())
      << "other connections do not see uncommitted writes";
  EXPECT_EQ(*(*other)->referrals_qualified_since("default", "r1", at(5)), 0);
  ASSERT_TRUE(store_->rollback());

  EXPECT_EQ(find("e1"), std::nullopt);
  EXPECT_EQ(page("", "", 50), Ids{});
  EXPECT_EQ(qualified("r1", at(5)), 0);

  // An update rolled back leaves the committed referral.
  write(referral_write(referral("e1", "r1")));
  EXPECT_EQ((*(*other)->find_referral("default", "e1"))->state, "pending");
  ASSERT_TRUE(store_->begin());
  ASSERT_TRUE(store_->apply(referral_write(referral("e1", "r1", "rewarded", at(5)))));
  EXPECT_EQ(find("e1")->state, "rewarded");
  ASSERT_TRUE(store_->rollback());
  EXPECT_EQ(find("e1")->state, "pending");
  EXPECT_EQ(find("e1")->qualified_at, std::nullopt);
  EXPECT_EQ(qualified("r1", Instant::min()), 0);
  EXPECT_EQ(page("rewarded", "", 50), Ids{});

  // A member's code rolls back with its write.
  ASSERT_TRUE(store_->begin());
  ASSERT_TRUE(store_->apply(member_write(member_row("default", "e2", "NEWC0DE2", "r1"))));
  EXPECT_EQ(by_code("NEWC0DE2"), "e2");
  EXPECT_EQ(*(*other)->member_by_referral_code("default", "NEWC0DE2"), std::nullopt);
  ASSERT_TRUE(store_->rollback());
  EXPECT_EQ(by_code("NEWC0DE2"), std::nullopt);
  EXPECT_EQ(by_code("REFR2345"), "r1");
  EXPECT_EQ(*(*other)->member_by_referral_code("default", "REFR2345"), "r1");
}

INSTANTIATE_TEST_SUITE_P(Backends, Referrals, ::testing::ValuesIn(kBackends),
                         [](const auto& info) { return info.param.name; });

// SQLite: a version-5 file upgrades in place; its members get no code (and
// do not clash in the unique index), referred by nobody.
void exec(const std::string& path, const char* sql) {
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  char* message = nullptr;
  int rc = sqlite3_exec(db, sql, nullptr, nullptr, &message);
  std::string text = message ? message : "";
  sqlite3_free(message);
  sqlite3_close(db);
  ASSERT_EQ(rc, SQLITE_OK) << text;
}

TEST(SqliteReferrals, AVersion5DatabaseUpgradesWithEmptyCodes) {
  ASSERT_GE(store::migrations().size(), 6u);
  testing::TempDir dir;
  const std::string path = dir.file("v5.db");
  exec(path, "CREATE TABLE schema_version (version INTEGER NOT NULL)");
  for (std::size_t i = 0; i < 5; ++i) {
    ASSERT_EQ(store::migrations()[i].first, static_cast<int>(i + 1));
    exec(path, std::string(store::migrations()[i].second).c_str());
    exec(path,
         ("INSERT INTO schema_version (version) VALUES (" + std::to_string(i + 1) + ")").c_str());
  }
  exec(path,
       "INSERT INTO programs (id, currency, minor_digits, time_zone, version) "
       "VALUES ('default', 'TWD', 0, 'Asia/Taipei', 1);"
       "INSERT INTO members (program_id, id, email, phone, created_at, updated_at) "
       "VALUES ('default', 'm1', 'a@b.tw', '', 5, 6), ('default', 'm2', '', '', 5, 6);");

  auto f = store::open_sqlite(path);
  ASSERT_TRUE(f) << f.error().message;
  auto s = (*f)->open();
  ASSERT_TRUE(s);
  auto m1 = (*s)->find_member("default", "m1");
  ASSERT_TRUE(m1) << m1.error().message;
  ASSERT_TRUE(m1->has_value());
  EXPECT_EQ((**m1).email, "a@b.tw") << "version-5 members survive";
  EXPECT_EQ((**m1).referral_code, "");
  EXPECT_EQ((**m1).referred_by, "");
  EXPECT_EQ(*(*s)->member_by_referral_code("default", ""), std::nullopt);

  // Both old members take codes; then one refers a new member.
  for (const auto& [id, code] : {std::pair{"m1", "ABCD2345"}, std::pair{"m2", "WXYZ6789"}}) {
    auto m = (*s)->find_member("default", id);
    ASSERT_TRUE(m && m->has_value());
    app::Member coded = **m;
    coded.referral_code = code;
    app::CommandWrite w;
    w.program_id = "default";
    w.member_id = id;
    w.member = coded;
    ASSERT_TRUE((*s)->begin());
    auto r = (*s)->apply(w);
    ASSERT_TRUE(r) << r.error().message;
    ASSERT_TRUE((*s)->commit());
  }
  EXPECT_EQ(*(*s)->member_by_referral_code("default", "WXYZ6789"), "m2");
}

// The reasons column holds a JSON array of strings; anything else is corrupt.
TEST(SqliteReferrals, ReasonsAreAJsonArrayAndBadOnesAreReported) {
  testing::TempDir dir;
  const std::string path = dir.file("p.db");
  auto f = store::open_sqlite(path);
  ASSERT_TRUE(f) << f.error().message;
  auto s = (*f)->open();
  ASSERT_TRUE(s);
  ASSERT_TRUE((*s)->begin());
  ASSERT_TRUE((*s)->put_program(app::default_program()));
  for (const char* id : {"r1", "e1"}) {
    app::CommandWrite w;
    w.program_id = "default";
    w.member_id = id;
    w.member =
        app::Member{"default", id, std::nullopt, "", "", at(0), at(0), {}, "", "", "", "", {}, {}};
    ASSERT_TRUE((*s)->apply(w));
  }
  app::CommandWrite w;
  w.program_id = "default";
  w.member_id = "e1";
  w.referral =
      app::Referral{"default", "e1",  "r1",         "CODE", "review", "o-1", {"same_email", "a,b"},
                    at(1),     at(2), std::nullopt, "",     ""};
  ASSERT_TRUE((*s)->apply(w));
  ASSERT_TRUE((*s)->commit());

  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(path.c_str(), &db), SQLITE_OK);
  sqlite3_stmt* q = nullptr;
  ASSERT_EQ(sqlite3_prepare_v2(db, "SELECT reasons FROM referrals", -1, &q, nullptr), SQLITE_OK);
  ASSERT_EQ(sqlite3_step(q), SQLITE_ROW);
  EXPECT_EQ(std::string(reinterpret_cast<const char*>(sqlite3_column_text(q, 0))),
            R"(["same_email","a,b"])");
  sqlite3_finalize(q);
  EXPECT_NE(
      sqlite3_exec(db, "UPDATE referrals SET reasons = 'same_email'", nullptr, nullptr, nullptr),
      SQLITE_OK)
      << "the schema refuses reasons that are not a JSON array";
  EXPECT_NE(sqlite3_exec(db, "UPDATE referrals SET reasons = '{}'", nullptr, nullptr, nullptr),
            SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "UPDATE referrals SET reasons = '[1]'", nullptr, nullptr, nullptr),
            SQLITE_OK);
  sqlite3_close(db);

  auto bad = (*s)->find_referral("default", "e1");
  ASSERT_FALSE(bad);
  EXPECT_EQ(bad.error().code, ErrorCode::kCorruption);
}

}  // namespace
}  // namespace patron
