// Messages: how an outbox event becomes a text for the shop's e-mail, SMS,
// LINE or push provider ([messages] in the program file, docs/webhooks.md
// "Messages"). Plain data and pure functions: the catalogue of event types a
// message can be written for (their variables, class and built-in zh-TW and
// English templates), the template language ("{name}", "{{" for a brace) and
// locale formatting. app/messages.h composes messages from events.
#pragma once

#include <array>
#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace patron::rules {

inline constexpr std::array<std::string_view, 4> kChannels = {"email", "sms", "line", "push"};
inline constexpr std::array<std::string_view, 2> kLocales = {"zh-TW", "en"};

struct MessageTemplate {
  std::string subject;
  std::string body;
  friend bool operator==(const MessageTemplate&, const MessageTemplate&) = default;
};

struct Messages {
  bool enabled = false;               // the program file has [messages]
  std::string locale = "zh-TW";       // for members without one
  std::vector<std::string> channels;  // the shop's channels, in kChannels order
  // Quiet hours, minutes after local midnight: messages composed in
  // [quiet_from, quiet_to) (wrapping past midnight when from > to) wait
  // until quiet_to. -1: none.
  int64_t quiet_from = -1;
  int64_t quiet_to = -1;
  // Marketing messages per member per local day, and per 7 local days; 0: no cap.
  int64_t max_per_day = 0;
  int64_t max_per_week = 0;
  std::vector<std::string> skip;  // event types that get no message
  // Overrides of the built-in templates: event type -> locale -> template.
  std::map<std::string, std::map<std::string, MessageTemplate>> templates;
  friend bool operator==(const Messages&, const Messages&) = default;

  bool quiet_hours() const { return quiet_from >= 0; }
};

// Marketing messages need the member's consent on a channel and count
// against the frequency caps; transactional ones (value the member now has
// or lost, their level) go to every channel the member can be reached on.
enum class MessageClass { kTransactional, kMarketing };

// How a variable's value is written:
enum class VarKind {
  kText,        // the data field as is (a number in decimal)
  kAmount,      // data.amount in the unit of data.wallet: "NT$1,234", "120 點"
  kMoney,       // the data field in the program's currency
  kStartDate,   // an instant, as its local date
  kEndDate,     // an exclusive end (expires_at, until), as the last local day before it
  kLocalDate,   // "YYYY-MM-DD", in the locale's format
  kToKeep,      // tier.will_downgrade: spend in the currency, or a count of orders
  kGift,        // a reward: its amount, or its coupon code
  kExpiryNote,  // a reward: ", use it by <day>" in the locale, or nothing
  kName,        // the member's name, or a greeting word when unknown
};

struct MessageVar {
  std::string_view name;
  VarKind kind;
};

struct MessageKind {
  std::string_view type;
  MessageClass message_class;
  std::vector<MessageVar> vars;
  // Built-in templates; an empty subject: none (the shop may write one).
  MessageTemplate zh_tw;
  MessageTemplate en;
};

// The catalogue entry of an event type; nullptr when no message can be
// written for it.
const MessageKind* message_kind(std::string_view type);
// Every catalogued type, for the docs and the config's error messages.
std::vector<std::string_view> message_types();

// The built-in template of a kind in a locale, nullptr when none.
const MessageTemplate* builtin_template(const MessageKind& kind, std::string_view locale);

// A problem with a template's text ("unknown variable {amout}", "a '{' is
// not closed"), or nullopt when `text` is well formed for `kind`.
std::optional<std::string> check_template(std::string_view text, const MessageKind& kind);

// The text with each {variable} replaced by vars[variable] (empty when
// missing), "{{" and "}}" by single braces.
std::string render_template(std::string_view text, const std::map<std::string, std::string>& vars);

// A date in the locale: "2026年12月31日" (zh-TW), "31 Dec 2026" (en).
std::string format_local_date(std::chrono::year_month_day date, std::string_view locale);

// "21:00-09:00"; "" when the program has no quiet hours.
std::string quiet_hours_text(const Messages& messages);

bool known_locale(std::string_view locale);
bool known_channel(std::string_view channel);

}  // namespace patron::rules
