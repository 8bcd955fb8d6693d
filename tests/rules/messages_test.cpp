// The message catalogue and template language: every built-in template uses
// only its type's variables, rendering replaces variables and escaped braces,
// dates are written per locale.
#include "rules/messages.h"

#include <gtest/gtest.h>

namespace patron::rules {
namespace {

TEST(MessageCatalogue, EveryBuiltInTemplateIsWellFormedForItsType) {
  int builtins = 0;
  for (std::string_view type : message_types()) {
    const MessageKind* kind = message_kind(type);
    ASSERT_NE(kind, nullptr) << type;
    for (std::string_view locale : kLocales) {
      const MessageTemplate* t = builtin_template(*kind, locale);
      if (t == nullptr) continue;
      ++builtins;
      EXPECT_FALSE(t->body.empty()) << type << " " << locale;
      EXPECT_EQ(check_template(t->subject, *kind), std::nullopt) << type << " " << locale;
      EXPECT_EQ(check_template(t->body, *kind), std::nullopt) << type << " " << locale;
    }
    // A type has built-ins in both languages or in neither.
    EXPECT_EQ(builtin_template(*kind, "en") == nullptr, builtin_template(*kind, "zh-TW") == nullptr)
        << type;
  }
  EXPECT_GE(builtins, 2 * 15);
  EXPECT_EQ(message_kind("order.shipped"), nullptr);
  EXPECT_EQ(message_kind("credit.expiring")->message_class, MessageClass::kMarketing);
  EXPECT_EQ(message_kind("credit.matured")->message_class, MessageClass::kTransactional);
  EXPECT_EQ(message_kind("reward.birthday")->message_class, MessageClass::kMarketing);
  EXPECT_EQ(message_kind("reward.signup")->message_class, MessageClass::kTransactional);
}

TEST(MessageTemplates, CheckNamesTheProblem) {
  const MessageKind& kind = *message_kind("credit.expiring");
  EXPECT_EQ(check_template("{name}: {amount} by {last_day} {{x}}", kind), std::nullopt);
  EXPECT_NE(check_template("{nope}", kind)->find("{nope}"), std::string::npos);
  EXPECT_NE(check_template("{amount", kind)->find("not closed"), std::string::npos);
  EXPECT_NE(check_template("amount}", kind)->find("closes nothing"), std::string::npos);
  EXPECT_NE(check_template("{}", kind), std::nullopt);
}

TEST(MessageTemplates, RenderReplacesVariablesAndEscapes) {
  std::map<std::string, std::string> vars{{"name", "王小明"}, {"amount", "NT$1,234"}};
  EXPECT_EQ(render_template("{name} 您好，{amount}！", vars), "王小明 您好，NT$1,234！");
  EXPECT_EQ(render_template("{{name}} is {name}", vars), "{name} is 王小明");
  EXPECT_EQ(render_template("{missing}|{amount}", vars), "|NT$1,234");
  EXPECT_EQ(render_template("no vars", vars), "no vars");
  EXPECT_EQ(render_template("a}}b", vars), "a}b");
}

TEST(MessageTemplates, DatesPerLocale) {
  using namespace std::chrono;
  EXPECT_EQ(format_local_date(year{2026} / 12 / 31, "zh-TW"), "2026年12月31日");
  EXPECT_EQ(format_local_date(year{2026} / 3 / 1, "zh-TW"), "2026年3月1日");
  EXPECT_EQ(format_local_date(year{2026} / 3 / 1, "en"), "1 Mar 2026");
  EXPECT_EQ(format_local_date(year{2027} / 12 / 9, "en"), "9 Dec 2027");
}

}  // namespace
}  // namespace patron::rules
