#include "app/json_codec.h"

#include <openssl/evp.h>

#include <boost/json.hpp>

#include "app/coupons.h"
#include "core/assert.h"
#include "core/text.h"
#include "rules/messages.h"

namespace patron::app {

namespace json = boost::json;

namespace {

json::value opt_time(const std::optional<Instant>& t) {
  return t ? json::value(format_instant(*t)) : json::value(nullptr);
}

json::array strings(const std::vector<std::string>& v, json::storage_ptr sp = {}) {
  json::array a(sp);
  for (const auto& s : v) a.emplace_back(s);
  return a;
}

json::object scope_json(const ledger::Scope& s, json::storage_ptr sp = {}) {
  json::object o(sp);
  if (!s.channels.empty()) o["channels"] = strings(s.channels, sp);
  if (!s.categories.empty()) o["categories"] = strings(s.categories, sp);
  if (!s.brands.empty()) o["brands"] = strings(s.brands, sp);
  if (!s.skus.empty()) o["skus"] = strings(s.skus, sp);
  return o;
}

json::array lines_json(const std::vector<ledger::PayLine>& lines, json::storage_ptr sp) {
  json::array a(sp);
  for (const auto& l : lines) {
    a.emplace_back(json::object({{"line_id", l.line_id},
                                 {"sku", l.sku},
                                 {"category", l.category},
                                 {"brand", l.brand},
                                 {"channel", l.channel},
                                 {"amount", l.amount}},
                                sp));
  }
  return a;
}

// Builds the canonical JSON of a command body. All values live in `sp` (a
// monotonic arena in canonical_request) because this runs for every keyed
// command and malloc/free dominated it.
struct BodyJson {
  json::storage_ptr sp;

  json::object operator()(const UpsertMember& c) const {
    json::object o({{"type", "member_upsert"}}, sp);
    if (c.birthday) o["birthday"] = format_date(*c.birthday);
    if (c.email) o["email"] = *c.email;
    if (c.phone) o["phone"] = *c.phone;
    if (c.referred_by) o["referred_by"] = *c.referred_by;
    if (c.name) o["name"] = *c.name;
    if (c.locale) o["locale"] = *c.locale;
    if (!c.consent.empty()) {
      json::object consent(sp);
      for (const auto& [channel, given] : c.consent) consent[channel] = given;
      o["consent"] = std::move(consent);
    }
    if (c.tags) {
      json::array tags(sp);
      for (const auto& t : *c.tags) tags.emplace_back(t);
      o["tags"] = std::move(tags);
    }
    return o;
  }
  json::object operator()(const ledger::Grant& c) const {
    json::array shares(sp);
    for (const auto& s : c.line_shares) {
      shares.emplace_back(json::object({{"line_id", s.line_id}, {"amount", s.amount}}, sp));
    }
    return json::object({{"type", "grant"},
                         {"amount", c.amount},
                         {"source", c.source},
                         {"reason", c.reason},
                         {"available_at", opt_time(c.available_at)},
                         {"pending_until_release", c.pending_until_release},
                         {"expires_at", opt_time(c.expires_at)},
                         {"never_expires", c.never_expires},
                         {"scope", scope_json(c.scope, sp)},
                         {"order_id", c.order_id},
                         {"line_shares", shares}},
                        sp);
  }
  json::object operator()(const ledger::Spend& c) const {
    return json::object({{"type", "spend"},
                         {"amount", c.amount},
                         {"order_id", c.order_id},
                         {"lines", lines_json(c.lines, sp)}},
                        sp);
  }
  json::object operator()(const ledger::Reserve& c) const {
    return json::object({{"type", "hold_reserve"},
                         {"amount", c.amount},
                         {"order_id", c.order_id},
                         {"ttl_s", c.ttl_s ? json::value(*c.ttl_s) : json::value(nullptr)},
                         {"lines", lines_json(c.lines, sp)}},
                        sp);
  }
  json::object operator()(const Capture& c) const {
    return json::object({{"type", "hold_capture"},
                         {"hold_id", c.hold_id},
                         {"amount", c.amount ? json::value(*c.amount) : json::value(nullptr)}},
                        sp);
  }
  json::object operator()(const Release& c) const {
    return json::object({{"type", "hold_release"}, {"hold_id", c.hold_id}}, sp);
  }
  json::object operator()(const ledger::Clawback& c) const {
    json::array lines(sp);
    for (const auto& l : c.lines) {
      lines.emplace_back(json::object(
          {{"line_id", l.line_id}, {"numerator", l.numerator}, {"denominator", l.denominator}},
          sp));
    }
    return json::object({{"type", "clawback"},
                         {"order_id", c.order_id},
                         {"lines", lines},
                         {"numerator", c.numerator},
                         {"denominator", c.denominator}},
                        sp);
  }
  json::object operator()(const ledger::Restore& c) const {
    return json::object({{"type", "restore"},
                         {"order_id", c.order_id},
                         {"amount", c.amount ? json::value(*c.amount) : json::value(nullptr)},
                         {"line_ids", strings(c.line_ids, sp)}},
                        sp);
  }
  json::object operator()(const ledger::Adjust& c) const {
    return json::object({{"type", "adjust"},
                         {"amount", c.amount},
                         {"reason", c.reason},
                         {"expires_at", opt_time(c.expires_at)}},
                        sp);
  }
  json::object operator()(const ReleaseOrder& c) const {
    return json::object({{"type", "release_order"}, {"order_id", c.order_id}}, sp);
  }
  json::object operator()(const Settle& c) const {
    return json::object({{"type", "settle"}, {"job", c.job}}, sp);
  }
  // The id and secret are random per attempt: a retry with the same
  // idempotency key is the same request when role and label match.
  json::object operator()(const CreateKey& c) const {
    return json::object(
        {{"type", "key_create"}, {"role", to_string(c.key.role)}, {"label", c.key.label}}, sp);
  }
  json::object operator()(const RevokeKey& c) const {
    return json::object({{"type", "key_revoke"}, {"key_id", c.key_id}}, sp);
  }
  json::object operator()(const ApplyProgram& c) const {
    return json::object({{"type", "program_apply"},
                         {"config", c.config},
                         {"expected_version", c.expected_version ? json::value(*c.expected_version)
                                                                 : json::value(nullptr)},
                         {"dry_run", c.dry_run}},
                        sp);
  }
  json::object operator()(const RecordJobRun& c) const {
    return json::object({{"type", "job_run"}, {"job", c.run.job}}, sp);
  }
  json::object operator()(const UpsertOrder& c) const {
    json::object o({{"type", "order_upsert"}}, sp);
    o["order"] = order_json(c.order, sp);
    json::array events(sp);
    for (const auto& e : c.events) events.emplace_back((*this)(e));
    o["events"] = std::move(events);
    o["placed_at_given"] = c.placed_at_given;
    return o;
  }
  json::object operator()(const EvaluateTier&) const {
    return json::object({{"type", "tier_evaluate"}}, sp);
  }
  json::object operator()(const MemberEvent& c) const {
    return json::object(
        {{"type", "member_event"}, {"event", c.type}, {"id", c.event_id}, {"at", opt_time(c.at)}},
        sp);
  }
  json::object operator()(const QualifyReferral&) const {
    return json::object({{"type", "referral_qualify"}}, sp);
  }
  json::object operator()(const DecideReferral& c) const {
    return json::object({{"type", "referral_decide"}, {"approve", c.approve}, {"note", c.note}},
                        sp);
  }
  json::object operator()(const CheckoutReserve& c) const {
    json::object o({{"type", "checkout_reserve"}}, sp);
    o["cart"] = order_json(c.request.cart, sp);
    o["coupons"] = strings(c.request.coupons, sp);
    json::object use(sp);
    for (const auto& [wallet, amount] : c.request.use) use[wallet] = amount;
    o["use"] = std::move(use);
    o["ttl_s"] = c.ttl_s ? json::value(*c.ttl_s) : json::value(nullptr);
    return o;
  }
  // The codes are random per attempt: a retry with the same key is the same
  // request when the definition matches.
  json::object operator()(const CreateCouponBatch& c) const {
    json::object o({{"type", "coupon_batch_create"}}, sp);
    o["batch"] = coupon_batch_json(c.batch);
    o["shared_code"] = c.shared_code;
    o["count"] = c.count;
    o["length"] = c.length;
    o["prefix"] = c.prefix;
    return o;
  }
  json::object operator()(const RedeemReward& c) const {
    return json::object({{"type", "reward_redeem"}, {"item_id", c.item_id}}, sp);
  }
  json::object operator()(const RefundRedemption& c) const {
    return json::object(
        {{"type", "redemption_refund"}, {"redemption_id", c.redemption_id}, {"reason", c.reason}},
        sp);
  }
  // The secret is hashed with the rest: a retry with another secret is
  // another request.
  json::object operator()(const CreateWebhook& c) const {
    return json::object({{"type", "webhook_create"},
                         {"url", c.endpoint.url},
                         {"secret", c.endpoint.secret},
                         {"events", strings(c.endpoint.events, sp)},
                         {"max_in_flight", c.endpoint.max_in_flight},
                         {"messages", c.endpoint.messages}},
                        sp);
  }
  json::object operator()(const UpdateWebhook& c) const {
    json::object o({{"type", "webhook_update"}, {"id", c.id}}, sp);
    o["url"] = c.url ? json::value(*c.url) : json::value(nullptr);
    o["secret"] = c.secret ? json::value(*c.secret) : json::value(nullptr);
    o["events"] = c.events ? json::value(strings(*c.events, sp)) : json::value(nullptr);
    o["enabled"] = c.enabled ? json::value(*c.enabled) : json::value(nullptr);
    o["max_in_flight"] = c.max_in_flight ? json::value(*c.max_in_flight) : json::value(nullptr);
    if (c.messages) o["messages"] = *c.messages;
    return o;
  }
  json::object operator()(const WinbackReward& c) const {
    json::object o({{"type", "winback_reward"}, {"reward", c.reward_id}}, sp);
    if (c.p_alive) o["p_alive"] = *c.p_alive;
    if (!c.last_order_id.empty()) o["last_order_id"] = c.last_order_id;
    return o;
  }
  json::object operator()(const PutCart& c) const {
    json::array items(sp);
    for (const CartItem& i : c.cart.items) {
      items.emplace_back(json::object({{"sku", i.sku},
                                       {"name", i.name},
                                       {"category", i.category},
                                       {"quantity", i.quantity},
                                       {"unit_price", i.unit_price}},
                                      sp));
    }
    return json::object(
        {{"type", "cart_put"},
         {"id", c.cart.id},
         {"items", std::move(items)},
         {"total", c.cart.total},
         {"url", c.cart.url},
         {"at", c.cart.updated_at == Instant{} ? json::value(nullptr)
                                               : json::value(format_instant(c.cart.updated_at))}},
        sp);
  }
  json::object operator()(const AnnounceProduct& c) const {
    const Product& p = c.product;
    return json::object(
        {{"type", "product_announce"},
         {"sku", p.sku},
         {"name", p.name},
         {"category", p.category},
         {"brand", p.brand},
         {"url", p.url},
         {"price", p.price},
         {"at", p.announced_at == Instant{} ? json::value(nullptr)
                                            : json::value(format_instant(p.announced_at))}},
        sp);
  }
  json::object operator()(const NotifyProduct& c) const {
    return json::object({{"type", "product_notify"}, {"sku", c.sku}, {"matched_by", c.matched_by}},
                        sp);
  }
  json::object operator()(const FinishProduct& c) const {
    return json::object({{"type", "product_finish"}, {"sku", c.sku}, {"notified", c.notified}}, sp);
  }
  json::object operator()(const RemindCart& c) const {
    return json::object({{"type", "cart_remind"}, {"cart_id", c.cart_id}}, sp);
  }
  json::object operator()(const SendReminders&) const {
    return json::object({{"type", "reminders"}}, sp);
  }
  json::object operator()(const SendReplenishment& c) const {
    json::object intervals(sp);
    for (const auto& [sku, days] : c.sku_intervals) intervals[sku] = days;
    return json::object({{"type", "replenishment"}, {"sku_intervals", std::move(intervals)}}, sp);
  }
  json::object operator()(const ReplayDeliveries& c) const {
    return json::object({{"type", "webhook_replay"},
                         {"endpoint_id", c.endpoint_id},
                         {"delivery_id", c.delivery_id}},
                        sp);
  }
  json::object operator()(const MonthlyReward& c) const {
    return json::object({{"type", "monthly_reward"}, {"reward", c.reward_id}, {"month", c.month}},
                        sp);
  }
  json::object operator()(const BirthdayReward& c) const {
    return json::object({{"type", "birthday_reward"}, {"reward", c.reward_id}, {"year", c.year}},
                        sp);
  }
  json::object operator()(const OrderEvent& c) const {
    json::array lines(sp);
    for (const auto& l : c.lines) {
      lines.emplace_back(json::object({{"line_id", l.line_id}, {"quantity", l.quantity}}, sp));
    }
    return json::object({{"type", "order_event"},
                         {"order_id", c.order_id},
                         {"event", c.event},
                         {"at", opt_time(c.at)},
                         {"refund_id", c.refund_id},
                         {"lines", lines},
                         {"amount", c.amount ? json::value(*c.amount) : json::value(nullptr)}},
                        sp);
  }
};

}  // namespace

json::array strings_json(const std::vector<std::string>& items) {
  return strings(items);
}

std::string_view command_name(const CommandBody& body) {
  static constexpr std::string_view kNames[] = {"member_upsert",
                                                "grant",
                                                "spend",
                                                "hold_reserve",
                                                "hold_capture",
                                                "hold_release",
                                                "clawback",
                                                "restore",
                                                "adjust",
                                                "release_order",
                                                "settle",
                                                "key_create",
                                                "key_revoke",
                                                "job_run",
                                                "program_apply",
                                                "order_upsert",
                                                "order_event",
                                                "tier_evaluate",
                                                "member_event",
                                                "birthday_reward",
                                                "monthly_reward",
                                                "referral_qualify",
                                                "referral_decide",
                                                "checkout_reserve",
                                                "coupon_batch_create",
                                                "reward_redeem",
                                                "redemption_refund",
                                                "webhook_create",
                                                "webhook_update",
                                                "webhook_replay",
                                                "reminders",
                                                "winback_reward",
                                                "cart_put",
                                                "cart_remind",
                                                "replenishment",
                                                "product_announce",
                                                "product_notify",
                                                "product_finish"};
  static_assert(std::size(kNames) == std::variant_size_v<CommandBody>);
  return kNames[body.index()];
}

std::string canonical_request(const Command& c) {
  unsigned char buffer[4096];
  json::monotonic_resource arena(buffer, sizeof buffer);
  json::storage_ptr sp(&arena);
  json::object o({{"program_id", c.program_id},
                  {"member_id", c.member_id},
                  {"wallet", c.wallet},
                  {"body", std::visit(BodyJson{sp}, c.body)}},
                 sp);
  return json::serialize(o);
}

std::string request_hash(const Command& c) {
  std::string text = canonical_request(c);
  // Fetched once: an implicit fetch on every call (EVP_sha256()) takes global
  // locks in OpenSSL 3 and cost more than the hash itself.
  static EVP_MD* const kSha256 = EVP_MD_fetch(nullptr, "SHA256", nullptr);
  PATRON_ASSERT(kSha256 != nullptr);
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  int ok = EVP_Digest(text.data(), text.size(), digest, &size, kSha256, nullptr);
  PATRON_ASSERT(ok == 1);
  return lower_hex(digest, size);
}

json::object balances_json(const ledger::Balances& b) {
  return json::object{
      {"available", b.available}, {"pending", b.pending}, {"held", b.held}, {"debt", b.debt}};
}

json::object lot_json(const ledger::Lot& lot) {
  json::array shares;
  for (const auto& s : lot.line_shares) {
    shares.emplace_back(
        json::object{{"line_id", s.line_id}, {"amount", s.amount}, {"clawed", s.clawed}});
  }
  return json::object{{"id", lot.id},
                      {"source", lot.source},
                      {"amount", lot.amount},
                      {"remaining", lot.remaining},
                      {"expired", lot.expired},
                      {"written_off", lot.written_off},
                      {"state", ledger::to_string(lot.state)},
                      {"granted_at", format_instant(lot.granted_at)},
                      {"available_at", opt_time(lot.available_at)},
                      {"expires_at", opt_time(lot.expires_at)},
                      {"scope", scope_json(lot.scope)},
                      {"order_id", lot.order_id},
                      {"line_shares", shares},
                      {"reason", lot.reason}};
}

json::array allocations_json(const std::vector<ledger::Allocation>& allocations) {
  json::array a;
  for (const auto& x : allocations) {
    json::object o{{"lot_id", x.lot_id}, {"amount", x.amount}};
    if (!x.line_id.empty()) o["line_id"] = x.line_id;
    if (x.restored != 0) o["restored"] = x.restored;
    a.emplace_back(std::move(o));
  }
  return a;
}

json::object hold_json(const ledger::Hold& h) {
  return json::object{{"id", h.id},
                      {"order_id", h.order_id},
                      {"amount", h.amount},
                      {"captured", h.captured},
                      {"state", ledger::to_string(h.state)},
                      {"created_at", format_instant(h.created_at)},
                      {"expires_at", format_instant(h.expires_at)},
                      {"allocations", allocations_json(h.allocations)}};
}

json::object transfer_json(const ledger::Transfer& t) {
  json::object o{{"id", t.id},         {"journal_id", t.journal_id},
                 {"wallet", t.wallet}, {"kind", t.kind},
                 {"from", t.from},     {"to", t.to},
                 {"amount", t.amount}, {"at", format_instant(t.at)}};
  if (t.lot_id != 0) o["lot_id"] = t.lot_id;
  return o;
}

json::object order_json(const rules::Order& o, json::storage_ptr sp) {
  json::array lines(sp);
  for (const auto& l : o.lines) {
    lines.emplace_back(json::object({{"line_id", l.line_id},
                                     {"sku", l.sku},
                                     {"category", l.category},
                                     {"brand", l.brand},
                                     {"quantity", l.quantity},
                                     {"unit_price", l.unit_price},
                                     {"discount", l.discount},
                                     {"paid_with_value", l.paid_with_value},
                                     {"reward", l.reward},
                                     {"refunded_quantity", l.refunded_quantity}},
                                    sp));
  }
  return json::object({{"id", o.id},
                       {"member_id", o.member_id},
                       {"channel", o.channel},
                       {"placed_at", format_instant(o.placed_at)},
                       {"shipping", o.shipping},
                       {"subtotal", o.subtotal()},
                       {"lines", lines}},
                      sp);
}

json::object order_record_json(const OrderRecord& r) {
  json::object o = order_json(r.order);
  auto opt = [](const std::optional<Instant>& t) {
    return t ? json::value(format_instant(*t)) : json::value(nullptr);
  };
  o["status"] = order_status(r);
  o["paid_at"] = opt(r.paid_at);
  o["fulfilled_at"] = opt(r.fulfilled_at);
  o["completed_at"] = opt(r.completed_at);
  o["cancelled_at"] = opt(r.cancelled_at);
  json::array refunds;
  for (const auto& id : r.refund_ids) refunds.emplace_back(id);
  o["refund_ids"] = std::move(refunds);
  o["refunded_amount"] = r.refunded_amount;
  o["earned_at"] = opt(r.earned_at);
  o["program_version"] = r.program_version;
  json::object earned;
  for (const auto& [rule, amount] : r.earned) earned[rule] = amount;
  o["earned"] = std::move(earned);
  o["created_at"] = format_instant(r.created_at);
  o["updated_at"] = format_instant(r.updated_at);
  return o;
}

std::string order_status(const OrderRecord& r) {
  if (r.cancelled_at) return "cancelled";
  bool any_refund = !r.refund_ids.empty() || r.refunded_amount > 0;
  bool all_refunded = !r.order.lines.empty();
  for (const auto& l : r.order.lines) {
    if (l.refunded_quantity < l.quantity) all_refunded = false;
    if (l.refunded_quantity > 0) any_refund = true;
  }
  if (all_refunded && any_refund) return "refunded";
  if (any_refund) return "partially_refunded";
  if (r.completed_at) return "completed";
  if (r.fulfilled_at) return "fulfilled";
  if (r.paid_at) return "paid";
  return "placed";
}

json::object member_json(const Member& m) {
  return json::object{
      {"id", m.id},
      {"program", m.program_id},
      {"birthday", m.birthday ? json::value(format_date(*m.birthday)) : json::value(nullptr)},
      {"email", m.email},
      {"phone", m.phone},
      {"created_at", format_instant(m.created_at)},
      {"updated_at", format_instant(m.updated_at)},
      {"referral_code", m.referral_code},
      {"referred_by", m.referred_by.empty() ? json::value(nullptr) : json::value(m.referred_by)},
      {"name", m.name},
      {"locale", m.locale.empty() ? json::value(nullptr) : json::value(m.locale)},
      {"consent", consent_json(m.consent)},
      {"tags", json::value_from(m.tags)}};
}

json::object consent_json(const std::vector<std::string>& consent) {
  json::object out;
  for (std::string_view channel : rules::kChannels) {
    out[channel] = std::find(consent.begin(), consent.end(), channel) != consent.end();
  }
  return out;
}

json::object referral_json(const Referral& r) {
  json::array reasons;
  for (const auto& reason : r.reasons) reasons.emplace_back(reason);
  auto time = [](const std::optional<Instant>& t) {
    return t ? json::value(format_instant(*t)) : json::value(nullptr);
  };
  auto text = [](const std::string& s) {
    return s.empty() ? json::value(nullptr) : json::value(s);
  };
  return json::object{{"referee_id", r.referee_id},
                      {"referrer_id", r.referrer_id},
                      {"code", r.code},
                      {"state", r.state},
                      {"order_id", text(r.order_id)},
                      {"reasons", std::move(reasons)},
                      {"created_at", format_instant(r.created_at)},
                      {"qualified_at", time(r.qualified_at)},
                      {"decided_at", time(r.decided_at)},
                      {"decided_by", text(r.decided_by)},
                      {"note", text(r.note)}};
}

json::object program_json(const Program& program) {
  json::array wallets;
  for (const auto& c : program.wallets) {
    json::object by_source;
    for (const auto& [s, rule] : c.expiry_by_source) by_source[s] = ledger::to_string(rule);
    wallets.emplace_back(
        json::object{{"name", c.name},
                     {"unit", c.unit},
                     {"minor_digits", c.minor_digits},
                     {"default_expiry", ledger::to_string(c.default_expiry)},
                     {"expiry_by_source", by_source},
                     {"hold_ttl_s", c.hold_ttl_s},
                     {"debt_policy", ledger::to_string(c.debt)},
                     {"restore_policy", ledger::to_string(c.restore)},
                     {"restored_lot_expiry", ledger::to_string(c.restored_lot_expiry)}});
  }
  return json::object{{"id", program.id},
                      {"version", program.version},
                      {"currency", program.currency},
                      {"minor_digits", program.minor_digits},
                      {"time_zone", program.time_zone},
                      {"wallets", wallets}};
}

json::object api_key_json(const ApiKey& k) {
  return json::object{{"id", k.id},
                      {"program", k.program_id},
                      {"role", to_string(k.role)},
                      {"label", k.label},
                      {"created_at", format_instant(k.created_at)},
                      {"revoked_at", k.revoked_at ? json::value(format_instant(*k.revoked_at))
                                                  : json::value(nullptr)}};
}

json::object audit_entry_json(const AuditEntry& e) {
  boost::system::error_code ec;
  json::value detail = json::parse(e.detail, ec);
  if (ec) detail = e.detail;  // stored by an older version as text: show it as text
  return json::object{{"id", e.id},         {"actor", e.actor}, {"action", e.action},
                      {"target", e.target}, {"detail", detail}, {"at", format_instant(e.at)}};
}

json::object job_run_json(const JobRun& r) {
  boost::system::error_code ec;
  json::value report = json::parse(r.report, ec);
  if (ec) report = r.report;
  json::object o{{"job", r.job},
                 {"trigger", r.trigger},
                 {"as_of", format_instant(r.as_of)},
                 {"started_at", format_instant(r.started_at)},
                 {"finished_at", format_instant(r.finished_at)},
                 {"ok", r.ok},
                 {"report", report}};
  if (r.id != 0) o["id"] = r.id;  // 0: not stored (an idle scheduled run) or not read back
  return o;
}

namespace {
void pretty_into(std::string& out, const json::value& v, int indent) {
  auto pad = [&](int n) { out.append(static_cast<std::size_t>(n) * 2, ' '); };
  if (v.is_object()) {
    const auto& o = v.as_object();
    if (o.empty()) {
      out += "{}";
      return;
    }
    out += "{\n";
    bool first = true;
    for (const auto& [k, x] : o) {
      if (!first) out += ",\n";
      first = false;
      pad(indent + 1);
      out += json::serialize(json::value(k));
      out += ": ";
      pretty_into(out, x, indent + 1);
    }
    out += "\n";
    pad(indent);
    out += "}";
  } else if (v.is_array()) {
    const auto& a = v.as_array();
    if (a.empty()) {
      out += "[]";
      return;
    }
    out += "[\n";
    for (std::size_t i = 0; i < a.size(); ++i) {
      if (i) out += ",\n";
      pad(indent + 1);
      pretty_into(out, a[i], indent + 1);
    }
    out += "\n";
    pad(indent);
    out += "]";
  } else {
    out += json::serialize(v);
  }
}
}  // namespace

std::string pretty(const json::value& v) {
  std::string out;
  pretty_into(out, v, 0);
  return out;
}

}  // namespace patron::app
