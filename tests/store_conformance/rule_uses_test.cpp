// Rule uses (app/model.h RuleUse) on every Store backend: per-member counts
// since a time, program totals, keys that make a grant happen once, and the
// birthdays job's candidates.
#include <gtest/gtest.h>

#include <limits>
#include <memory>
#include <string>
#include <vector>

#include "app/store.h"
#include "store_conformance/two_programs_fixture.h"
#include "support/backends.h"

namespace patron {
namespace {

using app::CommandWrite;
using app::RuleUse;
using app::UseTotals;
using testing::Backend;
using testing::kBackends;

using testing::at;

class RuleUses : public testing::TwoProgramsStore {
 protected:
  static app::Member member_row(const std::string& program, const std::string& id,
                                std::optional<std::chrono::year_month_day> birthday) {
    return app::Member{program, id, birthday, id + "@b.tw", "0912", at(0), at(1),
                       {},      "", "",       "",           "",     {},    {}};
  }

  void add_member(const std::string& id,
                  std::optional<std::chrono::year_month_day> birthday = std::nullopt,
                  const std::string& program = "default") {
    CommandWrite w;
    w.program_id = program;
    w.member_id = id;
    w.member = member_row(program, id, birthday);
    write(w);
  }

  // A grant with the program and member left to the write's.
  static RuleUse use(const std::string& rule, const std::string& key, int64_t value, Instant when,
                     int64_t lot_id = 1) {
    return RuleUse{"", "", rule, key, "points", value, lot_id, when};
  }

  static CommandWrite uses(const std::string& member, std::vector<RuleUse> rows,
                           const std::string& program = "default") {
    CommandWrite w;
    w.program_id = program;
    w.member_id = member;
    w.rule_uses = std::move(rows);
    return w;
  }

  UseTotals member_uses(const std::string& member, const std::string& rule, Instant since,
                        const std::string& program = "default") {
    auto r = store_->member_rule_uses(program, member, rule, since);
    EXPECT_TRUE(r) << r.error().message;
    return r ? *r : UseTotals{-1, -1};
  }

  UseTotals totals(const std::string& rule, const std::string& program = "default") {
    auto r = store_->rule_totals(program, rule);
    EXPECT_TRUE(r) << r.error().message;
    return r ? *r : UseTotals{-1, -1};
  }

  bool exists(const std::string& member, const std::string& rule, const std::string& key,
              const std::string& program = "default") {
    auto r = store_->rule_use_exists(program, member, rule, key);
    EXPECT_TRUE(r) << r.error().message;
    return r && *r;
  }

  std::vector<std::string> born_in(const std::vector<unsigned>& months, const std::string& rule,
                                   const std::string& key, const std::string& program = "default") {
    auto r = store_->members_born_in(program, months, rule, key);
    EXPECT_TRUE(r) << r.error().message;
    std::vector<std::string> ids;
    if (r) {
      for (const auto& m : *r) ids.push_back(m.id);
    }
    return ids;
  }
};

constexpr Instant kAll = Instant::min();

TEST_P(RuleUses, MemberUsesCountFromSinceInclusiveAndOverTheLifetime) {
  add_member("m1");
  add_member("m2");
  write(uses("m1", {use("r1", "o-1", 10, from_unix_seconds(0)), use("r1", "o-2", 20, at(199)),
                    use("r1", "o-3", 40, at(200)), use("r2", "o-3", 80, at(200))}));
  write(uses("m2", {use("r1", "o-9", 160, at(200))}));

  EXPECT_EQ(member_uses("m1", "r1", at(200)), (UseTotals{1, 40}))
      << "a grant exactly at `since` counts, one a second before does not";
  EXPECT_EQ(member_uses("m1", "r1", at(199)), (UseTotals{2, 60}));
  EXPECT_EQ(member_uses("m1", "r1", at(201)), (UseTotals{0, 0}));
  EXPECT_EQ(member_uses("m1", "r1", kAll), (UseTotals{3, 70})) << "Instant::min(): the lifetime";
  EXPECT_EQ(member_uses("m1", "r1", from_unix_seconds(std::numeric_limits<int64_t>::min() / 2)),
            (UseTotals{3, 70}));
  EXPECT_EQ(member_uses("m1", "r2", kAll), (UseTotals{1, 80})) << "per rule";
  EXPECT_EQ(member_uses("m2", "r1", kAll), (UseTotals{1, 160})) << "per member";
  EXPECT_EQ(member_uses("m1", "r3", kAll), (UseTotals{0, 0})) << "a rule never used";
  EXPECT_EQ(member_uses("nobody", "r1", kAll), (UseTotals{0, 0}));
  EXPECT_EQ(member_uses("m1", "r1", kAll, "other"), (UseTotals{0, 0})) << "per program";
}

TEST_P(RuleUses, UsesTakeTheWritesProgramAndMemberUnlessTheyNameTheirOwn) {
  add_member("m1");
  add_member("m2");
  add_member("m1", std::nullopt, "other");
  RuleUse own{"other", "m1", "r1", "signup", "credit", 7, 3, at(5)};
  write(uses("m1", {use("r1", "signup", 5, at(5)), own}));
  RuleUse m2{"", "m2", "r1", "signup", "points", 9, 4, at(6)};
  write(uses("m1", {m2}));

  EXPECT_TRUE(exists("m1", "r1", "signup"));
  EXPECT_TRUE(exists("m1", "r1", "signup", "other"));
  EXPECT_TRUE(exists("m2", "r1", "signup"));
  EXPECT_EQ(member_uses("m1", "r1", kAll), (UseTotals{1, 5}));
  EXPECT_EQ(member_uses("m1", "r1", kAll, "other"), (UseTotals{1, 7}));
  EXPECT_EQ(member_uses("m2", "r1", kAll), (UseTotals{1, 9}));
  EXPECT_EQ(totals("r1"), (UseTotals{2, 14}));
  EXPECT_EQ(totals("r1", "other"), (UseTotals{1, 7}));
}

TEST_P(RuleUses, RuleUseExistsPerProgramMemberRuleAndKey) {
  add_member("m1");
  add_member("m2");
  write(uses("m1", {use("bday", "2026", 100, at(1))}));
  EXPECT_TRUE(exists("m1", "bday", "2026"));
  EXPECT_FALSE(exists("m1", "bday", "2025")) << "another key";
  EXPECT_FALSE(exists("m1", "signup", "2026")) << "another rule";
  EXPECT_FALSE(exists("m2", "bday", "2026")) << "another member";
  EXPECT_FALSE(exists("m1", "bday", "2026", "other")) << "another program";
}

TEST_P(RuleUses, RuleTotalsSumEveryMembersGrantsPerProgramAndRule) {
  EXPECT_EQ(totals("r1"), (UseTotals{0, 0})) << "no grants yet";
  add_member("m1");
  add_member("m2");
  add_member("m1", std::nullopt, "other");
  write(uses("m1", {use("r1", "o-1", 100, at(1)), use("r1", "o-2", 50, at(2)),
                    use("r2", "o-1", 7, at(1))}));
  write(uses("m2", {use("r1", "o-3", 25, at(3)), use("r1", "o-4", 0, at(4))}));
  write(uses("m1", {use("r1", "o-1", 1000, at(1))}, "other"));
  EXPECT_EQ(totals("r1"), (UseTotals{4, 175})) << "a grant of value 0 still counts";
  EXPECT_EQ(totals("r2"), (UseTotals{1, 7}));
  EXPECT_EQ(totals("r1", "other"), (UseTotals{1, 1000}));
  EXPECT_EQ(totals("r3"), (UseTotals{0, 0}));
}

TEST_P(RuleUses, ARepeatedKeyFailsTheWriteAndTheRollbackLeavesNothing) {
  add_member("m1");
  write(uses("m1", {use("r1", "o-1", 100, at(1))}));

  ASSERT_TRUE(store_->begin());
  CommandWrite before = uses("m1", {use("r1", "o-2", 30, at(2))});
  before.member = member_row("default", "m1", std::chrono::year{1990} / 5 / 1);
  ASSERT_TRUE(store_->apply(before));
  EXPECT_FALSE(store_->apply(uses("m1", {use("r1", "o-1", 100, at(3))})))
      << "(program, member, rule, key) is unique";
  ASSERT_TRUE(store_->rollback());
  EXPECT_EQ(member_uses("m1", "r1", kAll), (UseTotals{1, 100}));
  EXPECT_EQ(totals("r1"), (UseTotals{1, 100})) << "totals roll back with the uses";
  EXPECT_FALSE(exists("m1", "r1", "o-2"));
  EXPECT_FALSE((**store_->find_member("default", "m1")).birthday) << "the whole write rolled back";

  // The same key twice in one write fails too.
  ASSERT_TRUE(store_->begin());
  EXPECT_FALSE(store_->apply(uses("m1", {use("r1", "o-5", 1, at(5)), use("r1", "o-5", 1, at(5))})));
  ASSERT_TRUE(store_->rollback());
  EXPECT_FALSE(exists("m1", "r1", "o-5"));
  EXPECT_EQ(totals("r1"), (UseTotals{1, 100}));

  // The key is unique per rule and member, not globally.
  add_member("m2");
  write(uses("m1", {use("r2", "o-1", 1, at(6))}));
  write(uses("m2", {use("r1", "o-1", 2, at(6))}));
  EXPECT_EQ(totals("r1"), (UseTotals{2, 102}));
}

TEST_P(RuleUses, UsesNeedAKnownMember) {
  ASSERT_TRUE(store_->begin());
  EXPECT_FALSE(store_->apply(uses("ghost", {use("r1", "o-1", 1, at(1))})));
  ASSERT_TRUE(store_->rollback());
  EXPECT_FALSE(exists("ghost", "r1", "o-1"));
  EXPECT_EQ(totals("r1"), (UseTotals{0, 0}));
}

TEST_P(RuleUses, RollbackDiscardsUsesAndTotalsAndOthersSeeOnlyCommits) {
  add_member("m1", std::chrono::year{1990} / 3 / 9);
  auto other = factory_->open();
  ASSERT_TRUE(other);
  ASSERT_TRUE(store_->begin());
  ASSERT_TRUE(store_->apply(uses("m1", {use("bday", "2026", 100, at(1))})));
  EXPECT_TRUE(exists("m1", "bday", "2026")) << "a transaction sees its own writes";
  EXPECT_EQ(member_uses("m1", "bday", kAll), (UseTotals{1, 100}));
  EXPECT_EQ(totals("bday"), (UseTotals{1, 100}));
  EXPECT_TRUE(born_in({3}, "bday", "2026").empty());
  EXPECT_EQ(*(*other)->rule_totals("default", "bday"), (UseTotals{0, 0}))
      << "other connections do not see uncommitted writes";
  EXPECT_FALSE(*(*other)->rule_use_exists("default", "m1", "bday", "2026"));
  ASSERT_TRUE(store_->rollback());

  EXPECT_FALSE(exists("m1", "bday", "2026"));
  EXPECT_EQ(member_uses("m1", "bday", kAll), (UseTotals{0, 0}));
  EXPECT_EQ(totals("bday"), (UseTotals{0, 0}));
  EXPECT_EQ(born_in({3}, "bday", "2026"), std::vector<std::string>{"m1"});
  write(uses("m1", {use("bday", "2026", 100, at(1))}));
  EXPECT_EQ(*(*other)->rule_totals("default", "bday"), (UseTotals{1, 100}));
  EXPECT_EQ(*(*other)->member_rule_uses("default", "m1", "bday", kAll), (UseTotals{1, 100}));
}

TEST_P(RuleUses, MembersBornInTheMonthsWithoutTheKeyInIdOrder) {
  using V = std::vector<std::string>;
  using std::chrono::year;
  add_member("d", year{1980} / 12 / 31);
  add_member("a", year{1990} / 2 / 28);
  add_member("b", year{2000} / 3 / 1);
  add_member("c");  // no birthday
  add_member("e", year{1992} / 2 / 29);
  add_member("f", year{1985} / 2 / 1);
  add_member("g", year{1970} / 2 / 14);
  add_member("B", year{1999} / 2 / 10);  // byte order: before the lower case ids
  add_member("h", year{1990} / 2 / 28, "other");
  add_member("j", year{1990} / 10 / 1);                  // month 10, not 1
  write(uses("e", {use("bday", "2026", 100, at(1))}));   // already given this year
  write(uses("f", {use("bday", "2025", 100, at(1))}));   // given last year only
  write(uses("g", {use("other", "2026", 100, at(1))}));  // another rule's key

  EXPECT_EQ(born_in({2}, "bday", "2026"), (V{"B", "a", "f", "g"}));
  EXPECT_EQ(born_in({3, 2}, "bday", "2026"), (V{"B", "a", "b", "f", "g"}));
  EXPECT_EQ(born_in({12}, "bday", "2026"), V{"d"});
  EXPECT_EQ(born_in({1}, "bday", "2026"), V{}) << "October is not January";
  EXPECT_EQ(born_in({10}, "bday", "2026"), V{"j"});
  EXPECT_EQ(born_in({2}, "bday", "2025"), (V{"B", "a", "e", "g"}));
  EXPECT_EQ(born_in({2}, "other", "2026"), (V{"B", "a", "e", "f"}));
  EXPECT_EQ(born_in({}, "bday", "2026"), V{});
  EXPECT_EQ(born_in({0, 13}, "bday", "2026"), V{}) << "no such months";
  EXPECT_EQ(born_in({2}, "bday", "2026", "other"), V{"h"});
  EXPECT_EQ(born_in({2}, "bday", "2026", "nowhere"), V{});
  EXPECT_EQ(born_in({1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}, "bday", "2026"),
            (V{"B", "a", "b", "d", "f", "g", "j"}))
      << "every month: everyone with a birthday";

  // Whole member rows, as find_member reads them.
  auto rows = store_->members_born_in("default", {12}, "bday", "2026");
  ASSERT_TRUE(rows) << rows.error().message;
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0], **store_->find_member("default", "d"));
  EXPECT_EQ((*rows)[0], member_row("default", "d", year{1980} / 12 / 31));
}

// The monthly job's candidates: members without a grant of the rule for the
// key, in id order, a page at a time, of one program only.
TEST_P(RuleUses, MembersWithoutUsePagesThroughThoseNotGranted) {
  for (const char* id : {"a", "b", "c", "d", "e"}) add_member(id);
  add_member("x", std::nullopt, "other");
  write(uses("b", {use("monthly", "2026-12", 0, at(10))}));
  write(uses("d", {use("monthly", "2026-11", 0, at(5)), use("other_rule", "2026-12", 0, at(5))}));
  auto page = [&](const std::string& after, std::size_t limit) {
    auto r = store_->members_without_use("default", "monthly", "2026-12", {after, limit});
    EXPECT_TRUE(r) << r.error().message;
    std::vector<std::string> ids;
    if (r) {
      for (const auto& m : *r) ids.push_back(m.id);
    }
    return ids;
  };
  EXPECT_EQ(page("", 50), (std::vector<std::string>{"a", "c", "d", "e"}));
  EXPECT_EQ(page("", 2), (std::vector<std::string>{"a", "c"}));
  EXPECT_EQ(page("c", 2), (std::vector<std::string>{"d", "e"}));
  EXPECT_TRUE(page("e", 2).empty());
  auto rows = store_->members_without_use("default", "monthly", "2026-12", {"", 1});
  ASSERT_TRUE(rows && rows->size() == 1u);
  EXPECT_EQ((*rows)[0], **store_->find_member("default", "a"));
}

INSTANTIATE_TEST_SUITE_P(Backends, RuleUses, ::testing::ValuesIn(kBackends),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace patron
