#include "app/coupons.h"

#include <algorithm>
#include <boost/json.hpp>
#include <set>

#include "app/json_codec.h"
#include "app/keys.h"
#include "app/outbox.h"
#include "core/limits.h"
#include "core/text.h"

namespace patron::app {

namespace json = boost::json;

namespace {

constexpr std::string_view kKinds[] = {"fixed", "percent", "free_shipping"};

// A generated code that collides with an existing one (or one drawn earlier
// in the batch) is drawn again. With 32 characters, 8 of them give 1.1e12
// codes: even a program holding a million codes sees one collision per
// million draws, so a handful of draws per code never runs out.
constexpr int kDrawsPerCode = 8;

bool batch_id_ok(std::string_view id) {
  return !id.empty() && id.size() <= 64 && std::all_of(id.begin(), id.end(), [](char ch) {
    return (ch >= 'a' && ch <= 'z') || (ch >= '0' && ch <= '9') || ch == '_' || ch == '-';
  });
}

bool code_ok(std::string_view code) {
  return code.size() >= 3 && code.size() <= 32 &&
         std::all_of(code.begin(), code.end(), [](char ch) {
           return (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') || ch == '_' || ch == '-';
         });
}

Result<void> check_terms(const checkout::CouponTerms& t) {
  using Kind = checkout::CouponTerms::Kind;
  if (t.kind == Kind::kFixed && (t.amount <= 0 || t.amount > limits::kAmountMax)) {
    return fail(ErrorCode::kInvalidArgument, "amount", "a fixed coupon needs an amount above 0");
  }
  if (t.kind == Kind::kPercent && (t.percent_bp <= 0 || t.percent_bp > 10000)) {
    return fail(ErrorCode::kInvalidArgument, "percent_bp",
                "must be more than 0% and at most 100% (1 to 10000 basis points)");
  }
  if (t.kind != Kind::kFixed && t.amount != 0) {
    return fail(ErrorCode::kInvalidArgument, "amount", "is only for fixed coupons");
  }
  if (t.kind != Kind::kPercent && (t.percent_bp != 0 || t.max_discount != 0)) {
    return fail(ErrorCode::kInvalidArgument, t.percent_bp != 0 ? "percent_bp" : "max_discount",
                "is only for percent coupons");
  }
  for (auto [field, value] :
       {std::pair{"max_discount", t.max_discount}, std::pair{"min_spend", t.min_spend},
        std::pair{"limit_total", t.limit_total},
        std::pair{"limit_per_member", t.limit_per_member}}) {
    if (value < 0 || value > limits::kAmountMax) {
      return fail(ErrorCode::kInvalidArgument, field, "must be between 0 and 10^14");
    }
  }
  if (t.starts_at && t.ends_at && *t.ends_at <= *t.starts_at) {
    return fail(ErrorCode::kInvalidArgument, "ends_at", "must be after starts_at");
  }
  for (auto [field, list] : {std::pair{"categories", &t.categories}, std::pair{"brands", &t.brands},
                             std::pair{"skus", &t.skus}}) {
    if (list->size() > limits::kEarnRuleListMax) {
      return fail(ErrorCode::kInvalidArgument, field, "has more than 100 entries");
    }
    for (const std::string& v : *list) {
      if (auto ok = check_text(v, field, true, limits::kIdBytesMax); !ok) return ok;
    }
  }
  return {};
}

// The codes of a new batch: the shared one, or `count` fresh random ones.
Result<std::vector<std::string>> make_codes(Store& store, const std::string& program_id,
                                            const CreateCouponBatch& create) {
  std::vector<std::string> codes;
  if (!create.shared_code.empty()) {
    std::string code = normalize_code(create.shared_code);
    if (!code_ok(code)) {
      return fail(ErrorCode::kInvalidArgument, "code",
                  "must be 3 to 32 of A-Z, 0-9, _ and - (letters in any case)");
    }
    auto found = store.find_coupon(program_id, code);
    if (!found) return std::unexpected(found.error());
    if (*found) return fail(ErrorCode::kConflict, "code", "code " + code + " already exists");
    codes.push_back(std::move(code));
    return codes;
  }
  if (create.count < 1 || create.count > static_cast<int64_t>(limits::kCouponBatchCodesMax)) {
    return fail(ErrorCode::kInvalidArgument, "count",
                "must be 1 to " + std::to_string(limits::kCouponBatchCodesMax) +
                    " (or give one shared code)");
  }
  if (create.length < 6 || create.length > 16) {
    return fail(ErrorCode::kInvalidArgument, "length", "must be 6 to 16 characters");
  }
  std::string prefix = normalize_code(create.prefix);
  if (!prefix.empty() && (prefix.size() > 12 || !code_ok(prefix + "XXX"))) {
    return fail(ErrorCode::kInvalidArgument, "prefix", "must be up to 12 of A-Z, 0-9, _ and -");
  }
  std::set<std::string> made;
  for (int64_t i = 0; i < create.count; ++i) {
    for (int draw = 0;; ++draw) {
      if (draw == kDrawsPerCode) {
        return fail(ErrorCode::kFailedPrecondition, "length",
                    "could not draw unused codes; use longer codes");
      }
      auto random = random_code(static_cast<std::size_t>(create.length));
      if (!random) return std::unexpected(random.error());
      std::string code = prefix + *random;
      if (made.count(code)) continue;
      auto found = store.find_coupon(program_id, code);
      if (!found) return std::unexpected(found.error());
      if (*found) continue;
      made.insert(code);
      codes.push_back(std::move(code));
      break;
    }
  }
  return codes;
}

bool counts(const CouponRedemption& r, Instant now) {
  return r.state == "confirmed" || (r.state == "pending" && r.expires_at > now);
}

}  // namespace

std::string normalize_code(std::string_view code) {
  while (!code.empty() && (code.front() == ' ' || code.front() == '\t')) code.remove_prefix(1);
  while (!code.empty() && (code.back() == ' ' || code.back() == '\t')) code.remove_suffix(1);
  std::string out(code);
  for (char& ch : out) {
    if (ch >= 'a' && ch <= 'z') ch = static_cast<char>(ch - 'a' + 'A');
  }
  return out;
}

Result<std::string> issue_coupon(Store& store, const std::string& program_id,
                                 const std::string& batch_id, const std::string& name,
                                 const std::string& member_id, const rules::CouponOffer& offer,
                                 Instant now, const std::string& actor, CommandWrite& write) {
  CreateCouponBatch create;
  create.count = 1;
  create.length = 10;
  // Batch ids are unique by construction; a collision would overwrite a batch.
  auto existing = store.find_coupon_batch(program_id, batch_id);
  if (!existing) return std::unexpected(existing.error());
  if (*existing) return fail(ErrorCode::kConflict, "batch_id", "batch '" + batch_id + "' exists");
  auto codes = make_codes(store, program_id, create);
  if (!codes) return std::unexpected(codes.error());
  CouponBatch batch;
  batch.program_id = program_id;
  batch.id = batch_id;
  batch.name = name;
  batch.terms = offer.terms;
  batch.terms.batch_id = batch_id;
  batch.terms.starts_at = now;
  batch.terms.ends_at = now + std::chrono::days{offer.valid_days};
  batch.terms.limit_total = 1;
  batch.terms.limit_per_member = 1;
  batch.terms.enabled = true;
  batch.count = 1;
  batch.member_id = member_id;
  batch.created_at = now;
  batch.created_by = actor;
  if (auto ok = check_terms(batch.terms); !ok) return std::unexpected(ok.error());
  std::string code = codes->front();
  write.events.push_back(
      make_event(program_id, event_type::kCouponIssued, member_id,
                 json::object{{"code", code}, {"batch", coupon_batch_json(batch)}}, now));
  write.coupons.push_back(Coupon{program_id, code, batch_id, member_id, true, now});
  write.coupon_batch = std::move(batch);
  return code;
}

Result<Executed> create_coupon_batch(Store& store, const Command& c,
                                     const CreateCouponBatch& create, Instant now) {
  CouponBatch batch = create.batch;
  batch.program_id = c.program_id;
  if (!batch_id_ok(batch.id)) {
    return fail(ErrorCode::kInvalidArgument, "id", "must be 1 to 64 of a-z, 0-9, _ and -");
  }
  // Batches the catalog and the rewards make on their own.
  if (batch.id.starts_with("catalog-") || batch.id.starts_with("reward-")) {
    return fail(ErrorCode::kInvalidArgument, "id",
                "ids starting with 'catalog-' or 'reward-' are reserved for issued coupons");
  }
  if (auto ok = check_text(batch.name, "name", false, limits::kLabelBytesMax); !ok) {
    return std::unexpected(ok.error());
  }
  if (auto ok = check_terms(batch.terms); !ok) return std::unexpected(ok.error());
  if (!create.shared_code.empty() && create.count > 1) {
    return fail(ErrorCode::kInvalidArgument, "count", "a shared code is one code: leave count out");
  }
  auto existing = store.find_coupon_batch(c.program_id, batch.id);
  if (!existing) return std::unexpected(existing.error());
  if (*existing) {
    return fail(ErrorCode::kConflict, "id", "batch '" + batch.id + "' already exists");
  }
  if (!batch.member_id.empty()) {
    auto member = store.find_member(c.program_id, batch.member_id);
    if (!member) return std::unexpected(member.error());
    if (!*member) {
      return fail(ErrorCode::kNotFound, "member_id", "no member '" + batch.member_id + "'");
    }
  }
  auto codes = make_codes(store, c.program_id, create);
  if (!codes) return std::unexpected(codes.error());
  const bool shared = !create.shared_code.empty();
  batch.terms.batch_id = batch.id;
  batch.shared_code = shared ? codes->front() : "";
  batch.count = static_cast<int64_t>(codes->size());
  batch.created_at = now;
  batch.created_by = c.actor;
  Executed e;
  e.write.program_id = c.program_id;
  json::array listed;
  for (const std::string& code : *codes) {
    e.write.coupons.push_back(Coupon{c.program_id, code, batch.id, batch.member_id, !shared, now});
    listed.emplace_back(code);
  }
  json::object out = coupon_batch_json(batch);
  out["codes"] = std::move(listed);
  e.response = json::serialize(out);
  json::object detail{{"batch_id", batch.id}, {"count", batch.count}};
  e.write.audit.push_back(AuditEntry{0, c.program_id, c.actor, "coupon_batch.create", batch.id,
                                     json::serialize(detail), now});
  e.write.coupon_batch = std::move(batch);
  return e;
}

Result<void> load_coupons(Store& store, const std::string& program_id, const std::string& member_id,
                          const std::string& order_id, const std::vector<std::string>& codes,
                          Instant now, LoadedCoupons& out) {
  out.terms.clear();
  out.inputs.clear();
  out.terms.reserve(codes.size());  // inputs point into it: no reallocation
  std::vector<CouponRedemption> own;
  if (!order_id.empty() && !codes.empty()) {
    auto rows = store.order_coupon_redemptions(program_id, order_id);
    if (!rows) return std::unexpected(rows.error());
    own = std::move(*rows);
  }
  for (const std::string& entered : codes) {
    checkout::CouponInput in;
    in.code = normalize_code(entered);
    auto coupon = store.find_coupon(program_id, in.code);
    if (!coupon) return std::unexpected(coupon.error());
    if (*coupon) {
      auto batch = store.find_coupon_batch(program_id, (*coupon)->batch_id);
      if (!batch) return std::unexpected(batch.error());
      if (!*batch) {
        return fail(ErrorCode::kCorruption, "code", "coupon " + in.code + " has no batch");
      }
      auto uses = store.coupon_uses(program_id, in.code, (*batch)->id, member_id, now);
      if (!uses) return std::unexpected(uses.error());
      for (const CouponRedemption& r : own) {
        if (!counts(r, now) || r.batch_id != (*batch)->id) continue;
        if (r.code == in.code) --uses->code;
        --uses->batch;
        if (r.member_id == member_id) --uses->member;
      }
      out.terms.push_back((*batch)->terms);
      in.terms = &out.terms.back();
      in.member_id = (*coupon)->member_id;
      in.single_use = (*coupon)->single_use;
      in.used = uses->code;
      in.used_total = uses->batch;
      in.used_by_member = uses->member;
    }
    out.inputs.push_back(std::move(in));
  }
  return {};
}

Result<std::vector<CouponRedemption>> reserve_coupons(
    Store& store, const std::string& program_id, const std::string& member_id,
    const std::string& order_id, const std::vector<checkout::CouponResult>& results,
    const LoadedCoupons& loaded, Instant now, Instant expires_at) {
  std::vector<CouponRedemption> out;
  std::set<std::string> kept;
  for (std::size_t i = 0; i < results.size(); ++i) {
    const checkout::CouponResult& r = results[i];
    if (!r.valid) continue;
    kept.insert(r.code);
    out.push_back(CouponRedemption{program_id, r.code, order_id, loaded.inputs[i].terms->batch_id,
                                   member_id, "pending", r.discount + r.shipping_discount, now,
                                   expires_at});
  }
  auto earlier = store.order_coupon_redemptions(program_id, order_id);
  if (!earlier) return std::unexpected(earlier.error());
  for (CouponRedemption& r : *earlier) {
    if (r.state != "pending" || kept.count(r.code)) continue;
    r.state = "released";
    out.push_back(std::move(r));
  }
  return out;
}

Result<std::vector<CouponRedemption>> settle_order_coupons(Store& store,
                                                           const std::string& program_id,
                                                           const std::string& order_id,
                                                           bool release) {
  auto rows = store.order_coupon_redemptions(program_id, order_id);
  if (!rows) return std::unexpected(rows.error());
  std::vector<CouponRedemption> out;
  for (CouponRedemption& r : *rows) {
    if (release && r.state != "released") {
      r.state = "released";
      out.push_back(std::move(r));
    } else if (!release && r.state == "pending") {
      r.state = "confirmed";
      out.push_back(std::move(r));
    }
  }
  return out;
}

json::object coupon_batch_json(const CouponBatch& b) {
  const checkout::CouponTerms& t = b.terms;
  auto opt_time = [](const std::optional<Instant>& at) {
    return at ? json::value(format_instant(*at)) : json::value(nullptr);
  };
  auto list = [](const std::vector<std::string>& v) {
    json::array out;
    for (const std::string& s : v) out.emplace_back(s);
    return out;
  };
  return json::object{
      {"id", b.id},
      {"name", b.name},
      {"kind", kKinds[static_cast<std::size_t>(t.kind)]},
      {"amount", t.amount},
      {"percent_bp", t.percent_bp},
      {"max_discount", t.max_discount},
      {"min_spend", t.min_spend},
      {"categories", list(t.categories)},
      {"brands", list(t.brands)},
      {"skus", list(t.skus)},
      {"starts_at", opt_time(t.starts_at)},
      {"ends_at", opt_time(t.ends_at)},
      {"limit_total", t.limit_total},
      {"limit_per_member", t.limit_per_member},
      {"stackable", t.stackable},
      {"shared_code", b.shared_code.empty() ? json::value(nullptr) : json::value(b.shared_code)},
      {"count", b.count},
      {"member_id", b.member_id.empty() ? json::value(nullptr) : json::value(b.member_id)},
      {"created_at", format_instant(b.created_at)},
      {"created_by", b.created_by}};
}

json::object coupon_json(const Coupon& c) {
  return json::object{
      {"code", c.code},
      {"batch_id", c.batch_id},
      {"member_id", c.member_id.empty() ? json::value(nullptr) : json::value(c.member_id)},
      {"single_use", c.single_use},
      {"created_at", format_instant(c.created_at)}};
}

}  // namespace patron::app
