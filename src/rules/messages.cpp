#include "rules/messages.h"

#include <algorithm>

namespace patron::rules {

namespace {

using enum VarKind;

// Variables every message has.
constexpr MessageVar kMemberVars[] = {{"name", kName}, {"member_id", kText}};

std::vector<MessageVar> with_member(std::initializer_list<MessageVar> vars) {
  std::vector<MessageVar> out(std::begin(kMemberVars), std::end(kMemberVars));
  out.insert(out.end(), vars.begin(), vars.end());
  return out;
}

std::vector<MessageVar> reward_vars() {
  return with_member({{"reward", kText},
                      {"wallet", kText},
                      {"amount", kAmount},
                      {"lot_id", kText},
                      {"expires_at", kEndDate},
                      {"trigger", kText},
                      {"coupon_code", kText},
                      {"coupon_batch", kText},
                      {"event", kText},
                      {"gift", kGift},
                      {"expiry_note", kExpiryNote}});
}

MessageKind reward_kind(std::string_view type, MessageClass c, MessageTemplate zh,
                        MessageTemplate en) {
  return MessageKind{type, c, reward_vars(), std::move(zh), std::move(en)};
}

const MessageTemplate kRewardZh{"您獲得 {gift}",
                                "{name} 您好，感謝您的支持，{gift} 已送給您{expiry_note}。"};
const MessageTemplate kRewardEn{"You received {gift}",
                                "Hi {name}, thank you! {gift} is yours{expiry_note}."};

std::vector<MessageKind> make_catalogue() {
  using enum MessageClass;
  std::vector<MessageKind> out;
  out.push_back({"credit.earned",
                 kTransactional,
                 with_member({{"wallet", kText},
                              {"amount", kAmount},
                              {"source", kText},
                              {"lot_id", kText},
                              {"order_id", kText},
                              {"state", kText},
                              {"available_at", kStartDate},
                              {"expires_at", kEndDate}}),
                 {},
                 {}});
  out.push_back(
      {"credit.matured",
       kTransactional,
       with_member({{"wallet", kText}, {"amount", kAmount}}),
       {"{amount} 已可使用", "{name} 您好，您的 {amount} 已經可以使用了，下次購物即可折抵。"},
       {"Your {amount} is ready to use",
        "Hi {name}, your {amount} is now available on your next order."}});
  out.push_back(
      {"credit.expired",
       kTransactional,
       with_member({{"wallet", kText}, {"amount", kAmount}}),
       {"{amount} 已到期", "{name} 您好，您有 {amount} 已到期。持續購物就能累積更多回饋喔！"},
       {"{amount} has expired",
        "Hi {name}, {amount} in your account has expired. Keep shopping to earn more."}});
  out.push_back({"credit.expiring",
                 kMarketing,
                 with_member({{"wallet", kText},
                              {"amount", kAmount},
                              {"expires_at", kEndDate},
                              {"last_day", kLocalDate},
                              {"days_left", kText},
                              {"lead_days", kText}}),
                 {"您的 {amount} 將於 {last_day} 到期",
                  "{name} 您好，您有 {amount} 將於 {last_day} 到期（剩 {days_left} "
                  "天），記得在到期前使用喔！"},
                 {"Your {amount} expires on {last_day}",
                  "Hi {name}, {amount} in your account expires on {last_day} ({days_left} days "
                  "left). Use it before it is gone."}});
  const auto tier_vars = with_member({{"from", kText},
                                      {"from_name", kText},
                                      {"to", kText},
                                      {"to_name", kText},
                                      {"reason", kText},
                                      {"since", kStartDate},
                                      {"until", kEndDate}});
  out.push_back(
      {"tier.upgraded",
       kTransactional,
       tier_vars,
       {"恭喜升級為{to_name}！", "{name} 您好，恭喜您升級為{to_name}，會員資格至 {until}。"},
       {"Welcome to {to_name}!", "Hi {name}, you are now {to_name}, until {until}."}});
  out.push_back(
      {"tier.downgraded",
       kTransactional,
       tier_vars,
       {"會員等級已調整為{to_name}", "{name} 您好，您的會員等級已由{from_name}調整為{to_name}。"},
       {"Your membership is now {to_name}",
        "Hi {name}, your membership moved from {from_name} to {to_name}."}});
  out.push_back({"tier.will_downgrade",
                 kMarketing,
                 with_member({{"tier", kText},
                              {"tier_name", kText},
                              {"to", kText},
                              {"to_name", kText},
                              {"until", kEndDate},
                              {"to_keep", kToKeep},
                              {"days_left", kText},
                              {"lead_days", kText}}),
                 {"再累積 {to_keep} 即可保留{tier_name}",
                  "{name} 您好，您的{tier_name}資格將於 {until} 到期，在那之前再累積 {to_keep} "
                  "就能續會，否則將調整為{to_name}。"},
                 {"Keep {tier_name}: {to_keep} to go",
                  "Hi {name}, your {tier_name} status is reviewed after {until}. {to_keep} more "
                  "by then keeps it; otherwise you move to {to_name}."}});
  out.push_back(
      {"referral.rewarded",
       kTransactional,
       with_member({{"role", kText},
                    {"referee_id", kText},
                    {"referrer_id", kText},
                    {"order_id", kText},
                    {"wallet", kText},
                    {"amount", kAmount}}),
       {"推薦獎勵 {amount} 已入帳", "{name} 您好，感謝您參與好友推薦，{amount} 已存入您的帳戶。"},
       {"Your referral reward: {amount}",
        "Hi {name}, thanks for the referral: {amount} is in your account."}});
  out.push_back({"referral.review",
                 kTransactional,
                 with_member({{"referee_id", kText}, {"referrer_id", kText}, {"order_id", kText}}),
                 {},
                 {}});
  out.push_back(
      {"coupon.issued", kTransactional, with_member({{"code", kText}, {"batch", kText}}), {}, {}});
  out.push_back(reward_kind(
      "reward.signup", kTransactional,
      {"歡迎加入！送您 {gift}", "{name} 您好，歡迎加入會員！入會禮 {gift} 已送給您{expiry_note}。"},
      {"Welcome! Here is {gift}", "Hi {name}, welcome aboard! {gift} is yours{expiry_note}."}));
  out.push_back(reward_kind(
      "reward.birthday", kMarketing,
      {"生日快樂！送您 {gift}", "{name} 生日快樂！我們準備了 {gift} 給您{expiry_note}。"},
      {"Happy birthday! {gift} for you", "Happy birthday, {name}! Here is {gift}{expiry_note}."}));
  out.push_back(reward_kind(
      "reward.monthly", kMarketing,
      {"本月會員禮：{gift}", "{name} 您好，本月的會員禮 {gift} 已送達{expiry_note}。"},
      {"Your monthly gift: {gift}",
       "Hi {name}, this month's member gift, {gift}, is in your account{expiry_note}."}));
  out.push_back(reward_kind(
      "reward.winback", kMarketing,
      {"好久不見，送您 {gift}", "{name} 您好，好久不見！送上 {gift} 歡迎您回來逛逛{expiry_note}。"},
      {"We miss you: {gift} for you",
       "Hi {name}, it has been a while. Here is {gift} to welcome you back{expiry_note}."}));
  for (std::string_view t : {"reward.first_purchase", "reward.app_install", "reward.line_bind",
                             "reward.review", "reward.share", "reward.survey", "reward.custom"}) {
    out.push_back(reward_kind(t, kTransactional, kRewardZh, kRewardEn));
  }
  out.push_back({"cart.abandoned",
                 kMarketing,
                 with_member({{"cart_id", kText},
                              {"item_count", kText},
                              {"first_item", kText},
                              {"total", kMoney},
                              {"url", kText},
                              {"updated_at", kStartDate},
                              {"hours_idle", kText}}),
                 {"您的購物車還在等您",
                  "{name} 您好，您的購物車裡還有 {first_item} 等 {item_count} 件商品（共 "
                  "{total}），現在就完成結帳吧：{url}"},
                 {"You left something in your cart",
                  "Hi {name}, your cart still holds {first_item} and more: {item_count} items, "
                  "{total} in all. Finish your order: {url}"}});
  out.push_back({"product.new",
                 kMarketing,
                 with_member({{"sku", kText},
                              {"product_name", kText},
                              {"category", kText},
                              {"brand", kText},
                              {"url", kText},
                              {"price", kMoney},
                              {"matched_by", kText}}),
                 {"新品上市：{product_name}",
                  "{name} 您好，您喜歡的商品有新成員了：{product_name}，售價 {price}。{url}"},
                 {"New: {product_name}",
                  "Hi {name}, something new you may like: {product_name}, {price}. {url}"}});
  out.push_back({"replenishment.due",
                 kMarketing,
                 with_member({{"sku", kText},
                              {"category", kText},
                              {"brand", kText},
                              {"last_order_id", kText},
                              {"last_purchased_on", kLocalDate},
                              {"interval_days", kText},
                              {"basis", kText},
                              {"expected_on", kLocalDate},
                              {"days_left", kText},
                              {"lead_days", kText},
                              {"quantity", kText}}),
                 {"{sku} 該補貨了嗎？",
                  "{name} 您好，您在 {last_purchased_on} 購買的 {sku} "
                  "差不多快用完了，現在補貨剛剛好。"},
                 {"Time to restock {sku}?",
                  "Hi {name}, you bought {sku} on {last_purchased_on}; it may be running low by "
                  "now."}});
  return out;
}

const std::vector<MessageKind>& catalogue() {
  static const std::vector<MessageKind> kinds = make_catalogue();
  return kinds;
}

bool known_var(const MessageKind& kind, std::string_view name) {
  return std::any_of(kind.vars.begin(), kind.vars.end(),
                     [&](const MessageVar& v) { return v.name == name; });
}

}  // namespace

const MessageKind* message_kind(std::string_view type) {
  for (const MessageKind& k : catalogue()) {
    if (k.type == type) return &k;
  }
  return nullptr;
}

std::vector<std::string_view> message_types() {
  std::vector<std::string_view> out;
  for (const MessageKind& k : catalogue()) out.push_back(k.type);
  return out;
}

const MessageTemplate* builtin_template(const MessageKind& kind, std::string_view locale) {
  const MessageTemplate& t = locale == "en" ? kind.en : kind.zh_tw;
  return t.subject.empty() ? nullptr : &t;
}

std::optional<std::string> check_template(std::string_view text, const MessageKind& kind) {
  for (std::size_t i = 0; i < text.size(); ++i) {
    char ch = text[i];
    if (ch == '}') {
      if (i + 1 < text.size() && text[i + 1] == '}') {
        ++i;
        continue;
      }
      return "has a '}' that closes nothing (write '}}' for a brace)";
    }
    if (ch != '{') continue;
    if (i + 1 < text.size() && text[i + 1] == '{') {
      ++i;
      continue;
    }
    std::size_t end = text.find('}', i + 1);
    if (end == std::string_view::npos)
      return "has a '{' that is not closed (write '{{' for a brace)";
    std::string_view name = text.substr(i + 1, end - i - 1);
    if (!known_var(kind, name)) {
      std::string known;
      for (const MessageVar& v : kind.vars)
        known += (known.empty() ? "" : ", ") + std::string(v.name);
      return "uses {" + std::string(name) + "}, not a variable of " + std::string(kind.type) +
             " (variables: " + known + ")";
    }
    i = end;
  }
  return std::nullopt;
}

std::string render_template(std::string_view text, const std::map<std::string, std::string>& vars) {
  std::string out;
  out.reserve(text.size() + 64);
  for (std::size_t i = 0; i < text.size(); ++i) {
    char ch = text[i];
    if ((ch == '{' || ch == '}') && i + 1 < text.size() && text[i + 1] == ch) {
      out.push_back(ch);
      ++i;
      continue;
    }
    if (ch == '{') {
      std::size_t end = text.find('}', i + 1);
      if (end != std::string_view::npos) {
        auto it = vars.find(std::string(text.substr(i + 1, end - i - 1)));
        if (it != vars.end()) out += it->second;
        i = end;
        continue;
      }
    }
    out.push_back(ch);
  }
  return out;
}

std::string format_local_date(std::chrono::year_month_day date, std::string_view locale) {
  const int y = static_cast<int>(date.year());
  const unsigned m = static_cast<unsigned>(date.month());
  const unsigned d = static_cast<unsigned>(date.day());
  if (locale == "zh-TW") {
    return std::to_string(y) + "年" + std::to_string(m) + "月" + std::to_string(d) + "日";
  }
  static constexpr std::string_view kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
  return std::to_string(d) + " " + std::string(kMonths[(m - 1) % 12]) + " " + std::to_string(y);
}

std::string quiet_hours_text(const Messages& m) {
  if (!m.quiet_hours()) return "";
  auto clock = [](int64_t minutes) {
    std::string h = std::to_string(minutes / 60), mm = std::to_string(minutes % 60);
    return (h.size() < 2 ? "0" : "") + h + ":" + (mm.size() < 2 ? "0" : "") + mm;
  };
  return clock(m.quiet_from) + "-" + clock(m.quiet_to);
}

bool known_locale(std::string_view locale) {
  return std::find(kLocales.begin(), kLocales.end(), locale) != kLocales.end();
}

bool known_channel(std::string_view channel) {
  return std::find(kChannels.begin(), kChannels.end(), channel) != kChannels.end();
}

}  // namespace patron::rules
