// Messages ([messages]) in program files: what parses, what is refused
// (file:line:column and key: unknown keys, bad quiet hours, unknown channels,
// event types and template variables), printing back, and the settings diff.
#include <gtest/gtest.h>

#include "app/programs.h"
#include "config/parse_support.h"
#include "config/program_file.h"

namespace patron {
namespace {

// Lines 1-5; what a test appends starts on line 6.
constexpr const char* kHead =
    "[program]\ncurrency = \"TWD\"\nminor_digits = 0\n[wallets.credit]\n[wallets.points]\n";

constexpr const char* kFull = R"([messages]
locale = "en"
channels = ["line", "email"]
quiet_hours = "21:30-08:00"
max_per_day = 1
max_per_week = 3
skip = ["credit.expired"]
[messages.templates."credit.expiring".zh-TW]
subject = "{amount} 快到期了"
body = "{name}，{amount} 將於 {last_day} 到期 {{不是變數}}"
)";

TEST(ProgramFileMessages, ParsesEverySetting) {
  app::Program p = parse_ok(std::string(kHead) + kFull);
  const rules::Messages& m = p.rules.messages;
  EXPECT_TRUE(m.enabled);
  EXPECT_EQ(m.locale, "en");
  EXPECT_EQ(m.channels, (std::vector<std::string>{"email", "line"}));  // kept in one order
  EXPECT_EQ(m.quiet_from, 21 * 60 + 30);
  EXPECT_EQ(m.quiet_to, 8 * 60);
  EXPECT_EQ(m.max_per_day, 1);
  EXPECT_EQ(m.max_per_week, 3);
  EXPECT_EQ(m.skip, (std::vector<std::string>{"credit.expired"}));
  ASSERT_EQ(m.templates.count("credit.expiring"), 1u);
  EXPECT_EQ(m.templates.at("credit.expiring").at("zh-TW").subject, "{amount} 快到期了");

  app::Program bare = parse_ok(std::string(kHead) + "[messages]\n");
  EXPECT_TRUE(bare.rules.messages.enabled);
  EXPECT_EQ(bare.rules.messages.locale, "zh-TW");
  EXPECT_EQ(bare.rules.messages.channels.size(), 4u);  // every channel unless told
  EXPECT_FALSE(bare.rules.messages.quiet_hours());
  EXPECT_FALSE(parse_ok(kHead).rules.messages.enabled);  // off unless asked
}

TEST(ProgramFileMessages, RefusesBadSettingsNamingTheKeyAndLine) {
  struct Case {
    const char* text;
    const char* key;
  };
  for (const Case& c : {
           Case{"locale = \"fr\"", "messages.locale"},
           Case{"channels = [\"fax\"]", "messages.channels"},
           Case{"channels = []", "messages.channels"},
           Case{"channels = [\"sms\", \"sms\"]", "messages.channels"},
           Case{"quiet_hours = \"21:00\"", "messages.quiet_hours"},
           Case{"quiet_hours = \"25:00-08:00\"", "messages.quiet_hours"},
           Case{"quiet_hours = \"09:00-09:00\"", "messages.quiet_hours"},
           Case{"quiet_hours = \"9:00-21:00\"", "messages.quiet_hours"},
           Case{"max_per_day = -1", "messages.max_per_day"},
           Case{"max_per_week = 701", "messages.max_per_week"},
           Case{"skip = [\"order.shipped\"]", "messages.skip"},
           Case{"sender = \"shop\"", "messages.sender"},
       }) {
    Error e = parse_error(std::string(kHead) + "[messages]\n" + c.text + "\n");
    EXPECT_NE(e.field.find("shop.toml:7:"), std::string::npos) << c.text << " -> " << e.field;
    EXPECT_NE(e.field.find(c.key), std::string::npos) << c.text << " -> " << e.field;
  }
}

TEST(ProgramFileMessages, RefusesBadTemplates) {
  auto tpl = [](const std::string& type, const std::string& locale, const std::string& body) {
    return std::string(kHead) + "[messages]\n[messages.templates.\"" + type + "\"." + locale +
           "]\nsubject = \"hi\"\nbody = \"" + body + "\"\n";
  };
  Error var = parse_error(tpl("credit.expiring", "en", "{amout} left"));
  EXPECT_NE(var.field.find("shop.toml:9:"), std::string::npos) << var.field;
  EXPECT_NE(var.field.find("messages.templates.\"credit.expiring\".en.body"), std::string::npos)
      << var.field;
  EXPECT_NE(var.message.find("{amout}"), std::string::npos) << var.message;
  EXPECT_NE(var.message.find("last_day"), std::string::npos) << var.message;  // lists the known

  Error brace = parse_error(tpl("credit.expiring", "en", "{amount left"));
  EXPECT_NE(brace.message.find("not closed"), std::string::npos) << brace.message;
  Error stray = parse_error(tpl("credit.expiring", "en", "amount} left"));
  EXPECT_NE(stray.message.find("closes nothing"), std::string::npos) << stray.message;
  Error type = parse_error(tpl("order.shipped", "en", "x"));
  EXPECT_NE(type.field.find("messages.templates.\"order.shipped\""), std::string::npos)
      << type.field;
  Error locale = parse_error(tpl("credit.expiring", "ja", "x"));
  EXPECT_NE(locale.field.find("credit.expiring\".ja"), std::string::npos) << locale.field;
  Error no_body = parse_error(std::string(kHead) +
                              "[messages]\n[messages.templates.\"credit.expired\".en]\n"
                              "subject = \"hi\"\n");
  EXPECT_NE(no_body.field.find(".en.body"), std::string::npos) << no_body.field;
  // A variable of another type is not one of this type.
  Error other = parse_error(tpl("tier.upgraded", "en", "{last_day}"));
  EXPECT_NE(other.message.find("{last_day}"), std::string::npos) << other.message;
}

TEST(ProgramFileMessages, PrintsBackAndShowsInTheDiff) {
  app::Program p = parse_ok(std::string(kHead) + kFull);
  std::string toml = config::to_toml(p);
  EXPECT_NE(toml.find("quiet_hours = '21:30-08:00'"), std::string::npos) << toml;
  EXPECT_EQ(parse_ok(toml).rules.messages, p.rules.messages) << toml;
  app::Program before = parse_ok(kHead);
  auto changes = app::setting_changes(before, p);
  std::map<std::string, std::pair<std::string, std::string>> by_key;
  for (const auto& c : changes) by_key[c.key] = {c.before.value_or("-"), c.after.value_or("-")};
  EXPECT_EQ(by_key["messages"], (std::pair<std::string, std::string>{"off", "on"}));
  EXPECT_EQ(by_key["messages.quiet_hours"].second, "21:30-08:00");
  EXPECT_EQ(by_key["messages.channels"].second, "email, line");
  EXPECT_EQ(by_key["messages.templates.credit.expiring.zh-TW.subject"].second, "{amount} 快到期了");
}

}  // namespace
}  // namespace patron
