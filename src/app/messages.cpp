#include "app/messages.h"

#include <date/tz.h>

#include <algorithm>
#include <boost/json.hpp>
#include <map>

#include "core/money.h"
#include "core/time.h"
#include "rules/messages.h"

namespace patron::app {

namespace json = boost::json;

namespace {

using rules::MessageClass;
using rules::VarKind;

std::string text_of(const json::value* v) {
  if (v == nullptr || v->is_null()) return "";
  if (v->is_string()) return std::string(v->as_string());
  if (v->is_int64()) return std::to_string(v->as_int64());
  if (v->is_uint64()) return std::to_string(v->as_uint64());
  if (v->is_bool()) return v->as_bool() ? "true" : "false";
  return json::serialize(*v);
}

// The event's variables, written for `locale`.
std::map<std::string, std::string> variables(const ResolvedProgram& program,
                                             const rules::MessageKind& kind, const Member& member,
                                             const json::object& data, const std::string& locale) {
  const bool zh = locale == "zh-TW";
  auto amount = [&]() -> std::string {
    const json::value* a = data.if_contains("amount");
    if (a == nullptr || !a->is_int64()) return "";
    std::string unit = program.program.currency;
    int digits = program.program.minor_digits;
    if (const json::value* w = data.if_contains("wallet"); w != nullptr && w->is_string()) {
      if (auto it = program.wallets.find(std::string(w->as_string()));
          it != program.wallets.end()) {
        unit = it->second.unit;
        digits = it->second.minor_digits;
      }
    }
    return format_money(a->as_int64(), unit, digits, locale);
  };
  auto date_of = [&](const json::value* v, bool end) -> std::string {
    if (v == nullptr || !v->is_string()) return "";
    auto t = parse_instant(v->as_string(), program.zone, "date");
    if (!t) return "";
    // An exclusive end: the last day before it.
    Instant day = end ? *t - std::chrono::seconds{1} : *t;
    return rules::format_local_date(local_date(day, program.zone), locale);
  };
  std::map<std::string, std::string> out;
  for (const rules::MessageVar& var : kind.vars) {
    const std::string name(var.name);
    const json::value* v = data.if_contains(var.name);
    switch (var.kind) {
      case VarKind::kText:
        out[name] = name == "member_id" ? member.id : text_of(v);
        break;
      case VarKind::kAmount:
        out[name] = amount();
        break;
      case VarKind::kMoney:
        out[name] = v != nullptr && v->is_int64()
                        ? format_money(v->as_int64(), program.program.currency,
                                       program.program.minor_digits, locale)
                        : "";
        break;
      case VarKind::kStartDate:
      case VarKind::kEndDate:
        out[name] = date_of(v, var.kind == VarKind::kEndDate);
        break;
      case VarKind::kLocalDate: {
        auto d = parse_date(text_of(v), "date");
        out[name] = d ? rules::format_local_date(*d, locale) : "";
        break;
      }
      case VarKind::kToKeep: {
        int64_t n = v != nullptr && v->is_int64() ? v->as_int64() : 0;
        if (program.program.rules.tiers.basis == rules::Tiers::Basis::kOrderCount) {
          out[name] = std::to_string(n) + (zh ? " 筆訂單" : (n == 1 ? " order" : " orders"));
        } else {
          out[name] =
              format_money(n, program.program.currency, program.program.minor_digits, locale);
        }
        break;
      }
      case VarKind::kGift: {
        std::string value = amount();
        if (value.empty()) {
          std::string code = text_of(data.if_contains("coupon_code"));
          value = zh ? "優惠券 " + code : "a coupon (" + code + ")";
        }
        out[name] = value;
        break;
      }
      case VarKind::kExpiryNote: {
        std::string day = date_of(data.if_contains("expires_at"), true);
        out[name] = day.empty() ? "" : (zh ? "，使用期限至 " + day : " (use it by " + day + ")");
        break;
      }
      case VarKind::kName:
        out[name] = !member.name.empty() ? member.name : (zh ? "親愛的會員" : "friend");
        break;
    }
  }
  return out;
}

// The template for `locale`: the program's override, else the built-in;
// else the other locale's (and `locale` becomes it). nullptr: none at all.
const rules::MessageTemplate* find_template(const rules::Messages& m,
                                            const rules::MessageKind& kind, std::string& locale) {
  auto in = [&](const std::string& l) -> const rules::MessageTemplate* {
    if (auto t = m.templates.find(std::string(kind.type)); t != m.templates.end()) {
      if (auto it = t->second.find(l); it != t->second.end()) return &it->second;
    }
    return rules::builtin_template(kind, l);
  };
  if (const auto* t = in(locale)) return t;
  for (std::string_view other : rules::kLocales) {
    if (other == locale) continue;
    if (const auto* t = in(std::string(other))) {
      locale = other;
      return t;
    }
  }
  return nullptr;
}

}  // namespace

Instant after_quiet_hours(const rules::Messages& messages, Instant at,
                          const date::time_zone* zone) {
  if (!messages.quiet_hours() || zone == nullptr) return at;
  using namespace std::chrono;
  const auto local = zone->to_local(date::floor<seconds>(at));
  const auto day = date::floor<date::days>(local);
  const int64_t minute = duration_cast<minutes>(local - day).count();
  const int64_t from = messages.quiet_from, to = messages.quiet_to;
  std::optional<date::local_seconds> until;
  if (from < to) {
    if (minute >= from && minute < to) until = day + minutes{to};
  } else {  // wraps past midnight: 21:00-09:00
    if (minute >= from) until = day + date::days{1} + minutes{to};
    if (minute < to) until = day + minutes{to};
  }
  if (!until) return at;
  return zone->to_sys(*until, date::choose::earliest);
}

Result<void> compose_messages(Store& store, const ResolvedProgram& program,
                              std::vector<OutboxEvent>& events) {
  const rules::Messages& m = program.program.rules.messages;
  if (!m.enabled) return {};
  std::map<std::string, std::optional<Member>> members;
  // Ready marketing messages composed by this call, per member (not in the
  // store yet, so its counts miss them).
  std::map<std::string, std::vector<Instant>> composed;
  for (OutboxEvent& e : events) {
    if (e.member_id.empty() || (!e.program_id.empty() && e.program_id != program.program.id)) {
      continue;
    }
    const rules::MessageKind* kind = rules::message_kind(e.type);
    if (kind == nullptr || std::find(m.skip.begin(), m.skip.end(), e.type) != m.skip.end()) {
      continue;
    }
    auto found = members.find(e.member_id);
    if (found == members.end()) {
      auto loaded = store.find_member(program.program.id, e.member_id);
      if (!loaded) return std::unexpected(loaded.error());
      found = members.emplace(e.member_id, std::move(*loaded)).first;
    }
    if (!found->second) continue;
    const Member& member = *found->second;
    std::string locale = member.locale.empty() ? m.locale : member.locale;
    const rules::MessageTemplate* tpl = find_template(m, *kind, locale);
    if (tpl == nullptr) continue;
    const bool marketing = kind->message_class == MessageClass::kMarketing;
    json::array channels;
    bool lacked_consent = false;
    for (const std::string& c : m.channels) {
      if ((c == "email" && member.email.empty()) || (c == "sms" && member.phone.empty())) continue;
      if (marketing &&
          std::find(member.consent.begin(), member.consent.end(), c) == member.consent.end()) {
        lacked_consent = true;
        continue;
      }
      channels.emplace_back(c);
    }
    boost::system::error_code ec;
    json::value data = json::parse(e.data, ec);
    if (ec || !data.is_object()) {
      return fail(ErrorCode::kCorruption, "",
                  "event " + e.type + " has data that is not an object");
    }
    const auto vars = variables(program, *kind, member, data.as_object(), locale);
    json::object message{
        {"status", "ready"},
        {"class", marketing ? "marketing" : "transactional"},
        {"locale", locale},
        {"channels", channels},
        {"to",
         json::object{{"name", member.name}, {"email", member.email}, {"phone", member.phone}}},
        {"subject", rules::render_template(tpl->subject, vars)},
        {"body", rules::render_template(tpl->body, vars)}};
    std::string reason;
    const Instant send_after = after_quiet_hours(m, e.created_at, program.zone);
    if (channels.empty()) {
      reason = lacked_consent ? "no_consent" : "no_channel";
    } else if (marketing && (m.max_per_day > 0 || m.max_per_week > 0)) {
      const auto day = local_date(send_after, program.zone);
      auto capped = [&](int64_t cap, int64_t days_back) -> Result<bool> {
        if (cap <= 0) return false;
        const Instant from =
            local_midnight(std::chrono::sys_days(day) - std::chrono::days{days_back}, program.zone);
        const Instant to =
            local_midnight(std::chrono::sys_days(day) + std::chrono::days{1}, program.zone);
        auto stored = store.count_marketing_messages(program.program.id, member.id, from, to);
        if (!stored) return std::unexpected(stored.error());
        int64_t n = *stored;
        for (Instant t : composed[member.id]) n += t >= from && t < to ? 1 : 0;
        return n >= cap;
      };
      auto daily = capped(m.max_per_day, 0);
      if (!daily) return std::unexpected(daily.error());
      auto weekly = capped(m.max_per_week, 6);
      if (!weekly) return std::unexpected(weekly.error());
      if (*daily || *weekly) reason = "frequency_cap";
    }
    if (reason.empty()) {
      message["send_after"] = format_instant(send_after);
      e.send_after = send_after;
      e.marketing = marketing;
      if (marketing) composed[member.id].push_back(send_after);
    } else {
      message["status"] = "suppressed";
      message["reason"] = reason;
    }
    e.message = json::serialize(message);
  }
  return {};
}

}  // namespace patron::app
