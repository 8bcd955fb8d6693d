// The program file's messages ([messages], docs/config.md "[messages]"):
// the default locale, the shop's channels, quiet hours, frequency caps, the
// event types that get no message and overrides of the built-in templates.
#include <toml++/toml.h>

#include <algorithm>

#include "config/reader.h"
#include "rules/messages.h"

namespace patron::config::detail {

namespace {

// "21:00" -> minutes after midnight; nullopt when not HH:MM of 00:00-23:59.
std::optional<int64_t> clock_minutes(std::string_view s) {
  if (s.size() != 5 || s[2] != ':') return std::nullopt;
  for (std::size_t i : {0u, 1u, 3u, 4u}) {
    if (s[i] < '0' || s[i] > '9') return std::nullopt;
  }
  int64_t h = (s[0] - '0') * 10 + (s[1] - '0');
  int64_t m = (s[3] - '0') * 10 + (s[4] - '0');
  if (h > 23 || m > 59) return std::nullopt;
  return h * 60 + m;
}

// A string array whose items `ok` accepts, each once.
template <class Ok>
Result<std::optional<std::vector<std::string>>> names(const Reader& r, const toml::table& t,
                                                      std::string_view key, std::size_t max,
                                                      const std::string& what, Ok&& ok) {
  const toml::node* n = t.get(key);
  if (n == nullptr) return std::nullopt;
  const std::string k = Reader::join("messages", key);
  if (!n->is_array() || n->as_array()->size() > max) {
    return r.error(n, k, "must be an array of at most " + std::to_string(max) + " " + what);
  }
  std::vector<std::string> out;
  for (const toml::node& item : *n->as_array()) {
    if (!item.is_string() || !ok(item.as_string()->get())) {
      return r.error(&item, k, "each must be " + what);
    }
    std::string s(item.as_string()->get());
    if (std::find(out.begin(), out.end(), s) != out.end()) {
      return r.error(&item, k, "lists \"" + s + "\" twice");
    }
    out.push_back(std::move(s));
  }
  return out;
}

std::string type_list() {
  std::string out;
  for (std::string_view t : rules::message_types())
    out += (out.empty() ? "" : ", ") + std::string(t);
  return out;
}

Result<void> parse_templates(const Reader& r, const toml::node& n, rules::Messages& m) {
  const std::string at = "messages.templates";
  if (!n.is_table()) return r.error(&n, at, "must be a table of event types");
  for (const auto& [type, type_node] : *n.as_table()) {
    const std::string type_at = at + ".\"" + std::string(type.str()) + "\"";
    const rules::MessageKind* kind = rules::message_kind(type.str());
    if (kind == nullptr) {
      return r.error_at(
          type.source().begin, type_at,
          "is not an event type a message can be written for (types: " + type_list() + ")");
    }
    if (!type_node.is_table()) return r.error(&type_node, type_at, "must be a table of locales");
    if (auto ok = r.only(*type_node.as_table(), type_at, {"zh-TW", "en"}); !ok) {
      return std::unexpected(ok.error());
    }
    for (const auto& [locale, locale_node] : *type_node.as_table()) {
      const std::string locale_at = type_at + "." + std::string(locale.str());
      if (!locale_node.is_table()) {
        return r.error(&locale_node, locale_at, "must be a table with subject and body");
      }
      const toml::table& lt = *locale_node.as_table();
      if (auto ok = r.only(lt, locale_at, {"subject", "body"}); !ok) {
        return std::unexpected(ok.error());
      }
      rules::MessageTemplate tpl;
      for (auto [key, out] : {std::pair<std::string_view, std::string*>{"subject", &tpl.subject},
                              {"body", &tpl.body}}) {
        auto text = r.text(lt, locale_at, key);
        if (!text) return std::unexpected(text.error());
        const std::string k = Reader::join(locale_at, key);
        if (!*text || (*text)->empty()) return r.error(&locale_node, k, "is required");
        if ((*text)->size() > 2000) return r.error(lt.get(key), k, "is longer than 2000 bytes");
        if (auto problem = rules::check_template(**text, *kind)) {
          return r.error(lt.get(key), k, *problem);
        }
        *out = std::move(**text);
      }
      m.templates[std::string(type.str())][std::string(locale.str())] = std::move(tpl);
    }
  }
  return {};
}

}  // namespace

Result<void> parse_messages(const Reader& r, const toml::table& root, app::Program& p) {
  const toml::node* n = root.get("messages");
  if (n == nullptr) return {};
  if (!n->is_table()) return r.error(n, "messages", "must be a table ([messages])");
  const toml::table& t = *n->as_table();
  if (auto ok = r.only(t, "messages",
                       {"locale", "channels", "quiet_hours", "max_per_day", "max_per_week", "skip",
                        "templates"});
      !ok) {
    return std::unexpected(ok.error());
  }
  rules::Messages m;
  m.enabled = true;
  auto locale = r.text(t, "messages", "locale");
  if (!locale) return std::unexpected(locale.error());
  if (*locale) {
    if (!rules::known_locale(**locale)) {
      return r.error(t.get("locale"), "messages.locale", "must be \"zh-TW\" or \"en\"");
    }
    m.locale = **locale;
  }
  auto channels = names(r, t, "channels", rules::kChannels.size(), "of email, sms, line, push",
                        [](std::string_view s) { return rules::known_channel(s); });
  if (!channels) return std::unexpected(channels.error());
  if (*channels) {
    if ((*channels)->empty()) {
      return r.error(t.get("channels"), "messages.channels", "must name at least one channel");
    }
    for (std::string_view c : rules::kChannels) {  // kept in one order
      if (std::find((*channels)->begin(), (*channels)->end(), c) != (*channels)->end()) {
        m.channels.emplace_back(c);
      }
    }
  } else {
    m.channels.assign(rules::kChannels.begin(), rules::kChannels.end());
  }
  auto quiet = r.text(t, "messages", "quiet_hours");
  if (!quiet) return std::unexpected(quiet.error());
  if (*quiet) {
    const std::string& q = **quiet;
    auto from = q.size() == 11 && q[5] == '-' ? clock_minutes(std::string_view(q).substr(0, 5))
                                              : std::nullopt;
    auto to = q.size() == 11 && q[5] == '-' ? clock_minutes(std::string_view(q).substr(6, 5))
                                            : std::nullopt;
    if (!from || !to || *from == *to) {
      return r.error(t.get("quiet_hours"), "messages.quiet_hours",
                     "must be \"HH:MM-HH:MM\" in the program's time zone, two different times "
                     "(\"21:00-09:00\")");
    }
    m.quiet_from = *from;
    m.quiet_to = *to;
  }
  auto per_day = r.integer(t, "messages", "max_per_day", 0, 100);
  if (!per_day) return std::unexpected(per_day.error());
  m.max_per_day = per_day->value_or(0);
  auto per_week = r.integer(t, "messages", "max_per_week", 0, 700);
  if (!per_week) return std::unexpected(per_week.error());
  m.max_per_week = per_week->value_or(0);
  auto skip = names(r, t, "skip", 64, "an event type a message can be written for",
                    [](std::string_view s) { return rules::message_kind(s) != nullptr; });
  if (!skip) return std::unexpected(skip.error());
  if (*skip) m.skip = std::move(**skip);
  if (const toml::node* templates = t.get("templates")) {
    if (auto ok = parse_templates(r, *templates, m); !ok) return std::unexpected(ok.error());
  }
  p.rules.messages = std::move(m);
  return {};
}

toml::table messages_table(const rules::Messages& m) {
  toml::table out{{"locale", m.locale}};
  toml::array channels;
  for (const std::string& c : m.channels) channels.push_back(c);
  out.insert("channels", std::move(channels));
  if (m.quiet_hours()) {
    out.insert("quiet_hours", rules::quiet_hours_text(m));
  }
  out.insert("max_per_day", m.max_per_day);
  out.insert("max_per_week", m.max_per_week);
  toml::array skip;
  for (const std::string& s : m.skip) skip.push_back(s);
  out.insert("skip", std::move(skip));
  if (!m.templates.empty()) {
    toml::table templates;
    for (const auto& [type, by_locale] : m.templates) {
      toml::table locales;
      for (const auto& [locale, tpl] : by_locale) {
        locales.insert(locale, toml::table{{"subject", tpl.subject}, {"body", tpl.body}});
      }
      templates.insert(type, std::move(locales));
    }
    out.insert("templates", std::move(templates));
  }
  return out;
}

}  // namespace patron::config::detail
