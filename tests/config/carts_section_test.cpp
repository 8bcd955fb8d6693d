// Abandoned cart reminders ([carts]) in program files: defaults, what is
// refused (file:line:column and key), printing back and the settings diff.
#include <gtest/gtest.h>

#include "app/programs.h"
#include "config/parse_support.h"
#include "config/program_file.h"

namespace patron {
namespace {

// Lines 1-5; what a test appends starts on line 6.
constexpr const char* kHead =
    "[program]\ncurrency = \"GBP\"\nminor_digits = 2\n[wallets.credit]\n[wallets.points]\n";

TEST(ProgramFileCarts, ParsesWithDefaults) {
  app::Program p = parse_ok(std::string(kHead) + "[carts]\n");
  EXPECT_TRUE(p.rules.carts.enabled);
  EXPECT_EQ(p.rules.carts.remind_after_hours, 4);
  EXPECT_EQ(p.rules.carts.ignore_after_hours, 72);
  EXPECT_EQ(p.rules.carts.min_total, 0);
  app::Program set =
      parse_ok(std::string(kHead) + "[carts]\nremind_after_hours = 100\nmin_total = \"12.50\"\n");
  EXPECT_EQ(set.rules.carts.ignore_after_hours, 101);  // at least one hour more
  EXPECT_EQ(set.rules.carts.min_total, 1250);
  EXPECT_FALSE(parse_ok(kHead).rules.carts.enabled);
}

TEST(ProgramFileCarts, RefusesBadSettingsNamingTheKeyAndLine) {
  struct Case {
    const char* text;
    const char* key;
  };
  for (const Case& c :
       {Case{"remind_after_hours = 0", "carts.remind_after_hours"},
        Case{"remind_after_hours = 721", "carts.remind_after_hours"},
        Case{"ignore_after_hours = 3000", "carts.ignore_after_hours"},
        Case{"min_total = \"1.234\"", "carts.min_total"}, Case{"min_total = -1", "carts.min_total"},
        Case{"after_hours = 4", "carts.after_hours"}}) {
    Error e = parse_error(std::string(kHead) + "[carts]\n" + c.text + "\n");
    EXPECT_NE(e.field.find("shop.toml:7:"), std::string::npos) << c.text << " -> " << e.field;
    EXPECT_NE(e.field.find(c.key), std::string::npos) << c.text << " -> " << e.field;
  }
  Error order = parse_error(std::string(kHead) +
                            "[carts]\nremind_after_hours = 24\nignore_after_hours = 24\n");
  EXPECT_NE(order.field.find("carts.ignore_after_hours"), std::string::npos) << order.field;
}

TEST(ProgramFileCarts, PrintsBackAndShowsInTheDiff) {
  app::Program p = parse_ok(std::string(kHead) +
                            "[carts]\nremind_after_hours = 6\nignore_after_hours = 48\n"
                            "min_total = \"20.50\"\n");
  std::string toml = config::to_toml(p);
  EXPECT_EQ(parse_ok(toml).rules.carts, p.rules.carts) << toml;
  auto changes = app::setting_changes(parse_ok(kHead), p);
  std::map<std::string, std::string> after;
  for (const auto& c : changes) after[c.key] = c.after.value_or("(removed)");
  EXPECT_EQ(after["carts.remind_after_hours"], "6");
  EXPECT_EQ(after["carts.min_total"], "20.50");
  EXPECT_EQ(after["carts"], "(removed)");  // "off" before
}

TEST(ProgramFileNewProducts, LookbackDaysParsesPrintsAndIsChecked) {
  app::Program p = parse_ok(std::string(kHead) + "[new_products]\nlookback_days = 90\n");
  EXPECT_TRUE(p.rules.new_products.enabled);
  EXPECT_EQ(p.rules.new_products.lookback_days, 90);
  EXPECT_EQ(parse_ok(std::string(kHead) + "[new_products]\n").rules.new_products.lookback_days,
            365);
  EXPECT_FALSE(parse_ok(kHead).rules.new_products.enabled);
  EXPECT_EQ(parse_ok(config::to_toml(p)).rules.new_products, p.rules.new_products);
  for (const char* bad : {"lookback_days = 0", "lookback_days = 3651", "days = 9"}) {
    Error e = parse_error(std::string(kHead) + "[new_products]\n" + bad + "\n");
    EXPECT_NE(e.field.find("shop.toml:7:"), std::string::npos) << bad << " -> " << e.field;
    EXPECT_NE(e.field.find("new_products."), std::string::npos) << e.field;
  }
  auto changes = app::setting_changes(parse_ok(kHead), p);
  ASSERT_EQ(changes.size(), 1u);
  EXPECT_EQ(changes[0].key, "new_products.lookback_days");
  EXPECT_EQ(changes[0].after, "90");
}

}  // namespace
}  // namespace patron
