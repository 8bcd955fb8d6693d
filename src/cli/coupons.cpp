// patron coupon batch create ID --kind fixed|percent|free_shipping ...
//   (--code CODE | --count N [--length L] [--prefix P])
// patron coupon batch list | show ID [--codes]; patron coupon show CODE
// Amounts (--amount, --max-discount, --min-spend) are major units of the
// program currency, as in the orders CSV; --percent is "10%".
#include "app/coupons.h"

#include <boost/json.hpp>
#include <iostream>

#include "app/json_codec.h"
#include "cli/cli.h"
#include "cli/context.h"
#include "core/limits.h"
#include "core/money.h"

namespace patron::cli {

namespace json = boost::json;

namespace {

struct BatchOptions {
  std::string id, name, kind = "fixed", amount, percent, max_discount, min_spend;
  std::vector<std::string> categories, brands, skus;
  std::string starts, ends, code, prefix, member, key;
  int64_t limit_total = 0, limit_per_member = 0, count = 0, length = 8;
  bool not_stackable = false;
  bool codes = false;
};

Result<int64_t> money(const Context& ctx, const std::string& text, const char* option) {
  if (text.empty()) return 0;
  auto program = ctx.writer->programs().find(ctx.program_id);
  if (!program) return std::unexpected(program.error());
  return parse_major_units(text, (*program)->program.minor_digits, option);
}

// "10%" or "10" -> 1000 basis points.
Result<int64_t> percent_bp(std::string text) {
  if (text.empty()) return 0;
  if (text.back() == '%') text.pop_back();
  auto bp = parse_major_units(text, 2, "--percent");
  if (!bp) return fail(ErrorCode::kInvalidArgument, "--percent", "must be like 10% or 12.5%");
  return *bp;
}

Result<app::CreateCouponBatch> batch_of(const Context& ctx, const BatchOptions& o) {
  app::CreateCouponBatch create;
  app::CouponBatch& b = create.batch;
  b.id = o.id;
  b.name = o.name;
  b.member_id = o.member;
  checkout::CouponTerms& t = b.terms;
  if (o.kind == "fixed") {
    t.kind = checkout::CouponTerms::Kind::kFixed;
  } else if (o.kind == "percent") {
    t.kind = checkout::CouponTerms::Kind::kPercent;
  } else {
    t.kind = checkout::CouponTerms::Kind::kFreeShipping;
  }
  for (auto [text, slot, option] : {std::tuple{&o.amount, &t.amount, "--amount"},
                                    std::tuple{&o.max_discount, &t.max_discount, "--max-discount"},
                                    std::tuple{&o.min_spend, &t.min_spend, "--min-spend"}}) {
    auto v = money(ctx, *text, option);
    if (!v) return std::unexpected(v.error());
    *slot = *v;
  }
  auto bp = percent_bp(o.percent);
  if (!bp) return std::unexpected(bp.error());
  t.percent_bp = *bp;
  t.categories = o.categories;
  t.brands = o.brands;
  t.skus = o.skus;
  for (auto [text, slot, option] : {std::tuple{&o.starts, &t.starts_at, "--starts"},
                                    std::tuple{&o.ends, &t.ends_at, "--ends"}}) {
    if (text->empty()) continue;
    auto at = ctx.instant(*text, option);
    if (!at) return std::unexpected(at.error());
    *slot = *at;
  }
  t.limit_total = o.limit_total;
  t.limit_per_member = o.limit_per_member;
  t.stackable = !o.not_stackable;
  create.shared_code = o.code;
  create.count = o.code.empty() ? o.count : 1;
  create.length = o.length;
  create.prefix = o.prefix;
  return create;
}

void print_batch(const Context& ctx, const json::object& b) {
  auto program = *ctx.writer->programs().find(ctx.program_id);
  int digits = program->program.minor_digits;
  std::cout << "batch " << b.at("id").as_string().c_str() << "  "
            << b.at("kind").as_string().c_str();
  if (b.at("kind").as_string() == "fixed") {
    std::cout << " " << format_major_units(b.at("amount").as_int64(), digits);
  } else if (b.at("kind").as_string() == "percent") {
    std::cout << " " << format_shortest(b.at("percent_bp").as_int64(), 2) << "%";
    if (b.at("max_discount").as_int64() > 0) {
      std::cout << " (at most " << format_major_units(b.at("max_discount").as_int64(), digits)
                << ")";
    }
  }
  if (b.at("min_spend").as_int64() > 0) {
    std::cout << " from " << format_major_units(b.at("min_spend").as_int64(), digits);
  }
  if (!b.at("shared_code").is_null()) {
    std::cout << "  shared code " << b.at("shared_code").as_string().c_str();
  } else {
    std::cout << "  " << b.at("count").as_int64() << " unique codes";
  }
  std::cout << "\n";
}

}  // namespace

void add_coupon_commands(CLI::App& cli, Context& ctx, std::function<Result<int>()>& action) {
  auto* coupon = cli.add_subcommand("coupon", "coupon batches and codes")->require_subcommand(1);
  auto* batch = coupon->add_subcommand("batch", "coupon batches")->require_subcommand(1);
  static BatchOptions o;
  auto* create = batch->add_subcommand("create", "create a batch: one shared code or unique codes");
  create->add_option("ID", o.id, "batch id (a-z, 0-9, _ and -)")->required();
  create->add_option("--name", o.name, "for people");
  create->add_option("--kind", o.kind, "fixed, percent or free_shipping")
      ->check(CLI::IsMember({"fixed", "percent", "free_shipping"}));
  create->add_option("--amount", o.amount, "fixed: off the order, major units (100, 2.50)");
  create->add_option("--percent", o.percent, "percent: off the eligible lines (10%)");
  create->add_option("--max-discount", o.max_discount, "percent: at most this much");
  create->add_option("--min-spend", o.min_spend, "the eligible lines' value at least");
  create->add_option("--category", o.categories, "only lines of this category (repeatable)");
  create->add_option("--brand", o.brands, "only lines of this brand (repeatable)");
  create->add_option("--sku", o.skus, "only this SKU (repeatable)");
  create->add_option("--starts", o.starts, "valid from (ISO 8601)");
  create->add_option("--ends", o.ends, "valid until, exclusive (ISO 8601)");
  create->add_option("--limit-total", o.limit_total, "uses over the whole batch (0: no limit)");
  create->add_option("--limit-per-member", o.limit_per_member, "uses per member (0: no limit)");
  create->add_flag("--not-stackable", o.not_stackable, "never with another coupon");
  create->add_option("--member", o.member, "bind every code to this member");
  auto* code = create->add_option("--code", o.code, "one shared code (e.g. WELCOME100)");
  create->add_option("--count", o.count, "unique single-use codes to make")->excludes(code);
  create->add_option("--length", o.length, "random characters per unique code (6-16)");
  create->add_option("--prefix", o.prefix, "unique codes start with it");
  create->add_option("--key", o.key, "idempotency key");
  create->callback([&] {
    action = [&]() -> Result<int> {
      auto body = batch_of(ctx, o);
      if (!body) return std::unexpected(body.error());
      auto r = ctx.writer->execute(ctx.command("", "", o.key, std::move(*body)));
      if (!r) return std::unexpected(r.error());
      json::object out = json::parse(r->json).as_object();
      if (ctx.json_output) {
        std::cout << app::pretty(out) << "\n";
        return kOk;
      }
      if (r->replayed) std::cout << "(replayed: this idempotency key was already applied)\n";
      print_batch(ctx, out);
      for (const auto& c : out.at("codes").as_array()) std::cout << c.as_string().c_str() << "\n";
      return kOk;
    };
  });
  auto* list = batch->add_subcommand("list", "every batch, by id");
  list->callback([&] {
    ctx.read_only = true;
    action = [&]() -> Result<int> {
      json::array all;
      app::PageRequest page{"", limits::kPageSizeMax};
      for (;;) {
        auto rows = ctx.reader->coupon_batches_page(ctx.program_id, page);
        if (!rows) return std::unexpected(rows.error());
        for (const auto& b : *rows) all.emplace_back(app::coupon_batch_json(b));
        if (rows->size() < page.limit) break;
        page.after = rows->back().id;
      }
      if (ctx.json_output) {
        std::cout << app::pretty(json::object{{"batches", all}}) << "\n";
      } else {
        for (const auto& b : all) print_batch(ctx, b.as_object());
      }
      return kOk;
    };
  });
  auto* show = batch->add_subcommand("show", "a batch, and its codes with --codes");
  show->add_option("ID", o.id, "batch id")->required();
  show->add_flag("--codes", o.codes, "list the codes too");
  show->callback([&] {
    ctx.read_only = true;
    action = [&]() -> Result<int> {
      auto b = ctx.reader->find_coupon_batch(ctx.program_id, o.id);
      if (!b) return std::unexpected(b.error());
      if (!*b) return fail(ErrorCode::kNotFound, "batch_id", "no batch '" + o.id + "'");
      json::object out = app::coupon_batch_json(**b);
      if (o.codes) {
        json::array codes;
        app::PageRequest page{"", limits::kPageSizeMax};
        for (;;) {
          auto rows = ctx.reader->coupons_page(ctx.program_id, o.id, page);
          if (!rows) return std::unexpected(rows.error());
          for (const auto& c : *rows) codes.emplace_back(c.code);
          if (rows->size() < page.limit) break;
          page.after = rows->back().code;
        }
        out["codes"] = std::move(codes);
      }
      if (ctx.json_output) {
        std::cout << app::pretty(out) << "\n";
        return kOk;
      }
      print_batch(ctx, out);
      if (o.codes) {
        for (const auto& c : out.at("codes").as_array()) std::cout << c.as_string().c_str() << "\n";
      }
      return kOk;
    };
  });
  static std::string code_text, member;
  auto* code_show = coupon->add_subcommand("show", "one code: its batch and how often it was used");
  code_show->add_option("CODE", code_text, "the code (any case)")->required();
  code_show->add_option("--member", member, "also count this member's uses of the batch");
  code_show->callback([&] {
    ctx.read_only = true;
    action = [&]() -> Result<int> {
      std::string normalized = app::normalize_code(code_text);
      auto c = ctx.reader->find_coupon(ctx.program_id, normalized);
      if (!c) return std::unexpected(c.error());
      if (!*c) return fail(ErrorCode::kNotFound, "code", "no coupon '" + normalized + "'");
      auto uses =
          ctx.reader->coupon_uses(ctx.program_id, normalized, (*c)->batch_id, member, ctx.now());
      if (!uses) return std::unexpected(uses.error());
      json::object out = app::coupon_json(**c);
      out["uses"] = json::object{{"code", uses->code}, {"batch", uses->batch}};
      if (!member.empty()) out["uses"].as_object()["member"] = uses->member;
      if (ctx.json_output) {
        std::cout << app::pretty(out) << "\n";
      } else {
        std::cout << normalized << "  batch " << (*c)->batch_id << "  used " << uses->code
                  << (uses->code == 1 ? " time" : " times") << " (batch " << uses->batch << ")\n";
      }
      return kOk;
    };
  });
}

}  // namespace patron::cli
