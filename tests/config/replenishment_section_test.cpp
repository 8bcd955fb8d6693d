// Replenishment reminders ([replenishment]) in program files: defaults, what
// parses, what is refused (file:line:column and key), printing back, and the
// settings diff.
#include <gtest/gtest.h>

#include "app/programs.h"
#include "config/parse_support.h"
#include "config/program_file.h"

namespace patron {
namespace {

// Lines 1-4; [replenishment] starts on line 5, its first key on line 6.
constexpr const char* kHead = "[program]\ncurrency = \"TWD\"\nminor_digits = 0\n[wallets.credit]\n";

TEST(ProgramFileReplenishment, AbsentIsOffAndAnEmptyTableTakesTheDefaults) {
  EXPECT_FALSE(parse_ok(kHead).rules.replenishment);
  app::Program p = parse_ok(std::string(kHead) + "[replenishment]\n");
  ASSERT_TRUE(p.rules.replenishment);
  EXPECT_EQ(p.rules.replenishment->lead_days, 3);
  EXPECT_EQ(p.rules.replenishment->late_days, 7);
  EXPECT_EQ(p.rules.replenishment->min_interval_days, 7);
  EXPECT_TRUE(p.rules.replenishment->categories.empty());
  EXPECT_TRUE(p.rules.replenishment->skus.empty());
}

TEST(ProgramFileReplenishment, ParsesEveryKey) {
  app::Program p = parse_ok(std::string(kHead) +
                            "[replenishment]\nlead_days = 0\nlate_days = 365\n"
                            "min_interval_days = 14\ncategories = [\"skincare\", \"pet-food\"]\n"
                            "skus = [\"SKU-1\"]\n");
  ASSERT_TRUE(p.rules.replenishment);
  const rules::Replenishment& r = *p.rules.replenishment;
  EXPECT_EQ(r.lead_days, 0);
  EXPECT_EQ(r.late_days, 365);
  EXPECT_EQ(r.min_interval_days, 14);
  EXPECT_EQ(r.categories, (std::vector<std::string>{"skincare", "pet-food"}));
  EXPECT_EQ(r.skus, (std::vector<std::string>{"SKU-1"}));
  EXPECT_EQ(parse_ok(std::string(kHead) + "[replenishment]\nlead_days = 60\n")
                .rules.replenishment->lead_days,
            60);
}

TEST(ProgramFileReplenishment, RefusesBadValuesNamingFileLineAndKey) {
  struct Case {
    const char* line;
    const char* key;
  };
  for (const Case& c : std::initializer_list<Case>{
           {"lead_days = -1", "replenishment.lead_days"},
           {"lead_days = 61", "replenishment.lead_days"},
           {"lead_days = \"3\"", "replenishment.lead_days"},
           {"late_days = 366", "replenishment.late_days"},
           {"late_days = -1", "replenishment.late_days"},
           {"min_interval_days = 0", "replenishment.min_interval_days"},
           {"min_interval_days = 366", "replenishment.min_interval_days"},
           {"min_interval_days = 7.5", "replenishment.min_interval_days"},
           {"categories = \"skincare\"", "replenishment.categories"},
           {"categories = [\"a\", \"a\"]", "replenishment.categories"},
           {"skus = [\"\"]", "replenishment.skus"},
           {"skus = [1]", "replenishment.skus"},
           {"lead = 3", "replenishment.lead"},
       }) {
    Error e = parse_error(std::string(kHead) + "[replenishment]\n" + c.line + "\n");
    EXPECT_NE(e.field.find("shop.toml:6:"), std::string::npos) << c.line << " -> " << e.field;
    EXPECT_NE(e.field.find(c.key), std::string::npos) << c.line << " -> " << e.field;
  }
  Error range = parse_error(std::string(kHead) + "[replenishment]\nlead_days = 61\n");
  EXPECT_EQ(range.message, "must be between 0 and 60");
  Error unknown = parse_error(std::string(kHead) + "[replenishment]\nlead = 3\n");
  EXPECT_NE(unknown.message.find("known: lead_days, late_days, min_interval_days"),
            std::string::npos)
      << unknown.message;
  Error array = parse_error(std::string(kHead) + "[[replenishment]]\nlead_days = 3\n");
  EXPECT_NE(array.field.find("shop.toml:5:"), std::string::npos) << array.field;
  EXPECT_NE(array.field.find("replenishment"), std::string::npos) << array.field;
  Error scalar = parse_error(std::string(kHead) + "replenishment = true\n");
  EXPECT_NE(scalar.field.find("replenishment"), std::string::npos) << scalar.field;
}

TEST(ProgramFileReplenishment, PrintsBackAndShowsInTheDiff) {
  app::Program p = parse_ok(std::string(kHead) +
                            "[replenishment]\nlead_days = 5\ncategories = [\"pet-food\"]\n");
  std::string toml = config::to_toml(p);
  EXPECT_NE(toml.find("[replenishment]"), std::string::npos) << toml;
  EXPECT_EQ(parse_ok(toml).rules.replenishment, p.rules.replenishment);
  EXPECT_EQ(config::to_toml(parse_ok(kHead)).find("replenishment"), std::string::npos);

  app::Program before = parse_ok(kHead);
  std::map<std::string, std::pair<std::string, std::string>> changes;
  for (const auto& c : app::setting_changes(before, p)) {
    changes[c.key] = {c.before.value_or("(absent)"), c.after.value_or("(absent)")};
  }
  EXPECT_EQ(changes["replenishment"], std::make_pair(std::string("none"), std::string("(absent)")));
  EXPECT_EQ(changes["replenishment.lead_days"],
            std::make_pair(std::string("(absent)"), std::string("5")));
  EXPECT_EQ(changes["replenishment.categories"],
            std::make_pair(std::string("(absent)"), std::string("pet-food")));
  EXPECT_EQ(changes["replenishment.skus"],
            std::make_pair(std::string("(absent)"), std::string("any")));
  // Every field is in the diff: changing any one shows, under its key.
  const app::Program defaults = parse_ok(std::string(kHead) + "[replenishment]\n");
  for (const char* field : {"lead_days", "late_days", "min_interval_days", "categories", "skus"}) {
    const std::string value = std::string(field).ends_with("_days") ? "9" : "[\"X\"]";
    app::Program changed =
        parse_ok(std::string(kHead) + "[replenishment]\n" + field + " = " + value + "\n");
    auto diff = app::setting_changes(defaults, changed);
    ASSERT_EQ(diff.size(), 1u) << field;
    EXPECT_EQ(diff[0].key, std::string("replenishment.") + field);
  }
}

}  // namespace
}  // namespace patron
