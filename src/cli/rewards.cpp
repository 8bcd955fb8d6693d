// patron rewards list [--member ID]: the reward catalog, and what a member
// may redeem now; patron rewards redeem --member ID --item ITEM [--key K];
// patron rewards refund REDEMPTION_ID [--reason TEXT]; patron rewards
// redemptions --member ID. docs/checkout.md "Reward catalog".
#include <boost/json.hpp>
#include <iostream>

#include "app/catalog.h"
#include "app/json_codec.h"
#include "app/read_snapshot.h"
#include "cli/context.h"
#include "core/limits.h"

namespace patron::cli {

namespace json = boost::json;

namespace {

constexpr int kOk = 0;

struct RewardOptions {
  std::string member, item, key, reason;
  int64_t redemption_id = 0;
};

void print_redemption(const json::object& r) {
  std::cout << "redemption " << r.at("id").as_int64() << "  " << r.at("item_id").as_string().c_str()
            << "  " << r.at("price").as_int64() << " " << r.at("wallet").as_string().c_str() << "  "
            << r.at("state").as_string().c_str() << "  " << r.at("at").as_string().c_str();
  if (const auto* code = r.if_contains("coupon_code")) {
    std::cout << "  coupon " << code->as_string().c_str();
  }
  if (const auto* sku = r.if_contains("sku")) std::cout << "  gift " << sku->as_string().c_str();
  if (const auto* credit = r.if_contains("credit")) {
    std::cout << "  " << credit->at("amount").as_int64() << " "
              << credit->at("wallet").as_string().c_str() << " (lot "
              << credit->at("lot_id").as_int64() << ")";
  }
  std::cout << "\n";
}

}  // namespace

void add_reward_commands(CLI::App& cli, Context& ctx, std::function<Result<int>()>& action) {
  static RewardOptions o;
  auto* rewards = cli.add_subcommand("rewards", "the reward catalog: items bought with points")
                      ->require_subcommand(1);

  auto* list =
      rewards->add_subcommand("list", "the catalog; with --member, what they may redeem now");
  list->add_option("--member", o.member, "judge every item for this member");
  list->callback([&] {
    ctx.read_only = true;
    action = [&]() -> Result<int> {
      auto program = ctx.writer->programs().find(ctx.program_id);
      if (!program) return std::unexpected(program.error());
      app::ReadSnapshot snapshot(*ctx.reader);
      if (!snapshot.opened()) return std::unexpected(snapshot.opened().error());
      std::optional<app::Member> member;
      if (!o.member.empty()) {
        auto m = ctx.reader->find_member(ctx.program_id, o.member);
        if (!m) return std::unexpected(m.error());
        if (!*m) return fail(ErrorCode::kNotFound, "--member", "no member '" + o.member + "'");
        member = std::move(**m);
      }
      auto out = app::catalog_json(*ctx.reader, **program, member ? &*member : nullptr, ctx.now());
      if (!out) return std::unexpected(out.error());
      if (ctx.json_output) {
        std::cout << app::pretty(*out) << "\n";
        return kOk;
      }
      const json::array& items = out->at("items").as_array();
      if (items.empty()) std::cout << "the program has no [[catalog]] items\n";
      for (const auto& v : items) {
        const json::object& i = v.as_object();
        std::cout << i.at("id").as_string().c_str() << "  " << i.at("name").as_string().c_str()
                  << "  " << i.at("price").as_int64() << " " << i.at("wallet").as_string().c_str()
                  << "  " << i.at("kind").as_string().c_str();
        if (const auto* left = i.if_contains("stock_left"))
          std::cout << "  stock " << left->as_int64();
        if (const auto* ok = i.if_contains("available")) {
          std::cout << "  "
                    << (ok->as_bool()
                            ? std::string("available")
                            : "not available: " + std::string(i.at("reason").as_string()));
        }
        std::cout << "\n";
      }
      return kOk;
    };
  });

  auto* redeem =
      rewards->add_subcommand("redeem", "buy an item for a member with the item's wallet");
  redeem->add_option("--member", o.member, "member id")->required();
  redeem->add_option("--item", o.item, "catalog item id")->required();
  redeem->add_option("--key", o.key, "idempotency key");
  redeem->callback([&] {
    action = [&]() -> Result<int> {
      auto r = ctx.writer->execute(ctx.command(o.member, "", o.key, app::RedeemReward{o.item}));
      if (!r) return std::unexpected(r.error());
      json::object out = json::parse(r->json).as_object();
      if (ctx.json_output) {
        std::cout << app::pretty(out) << "\n";
        return kOk;
      }
      if (r->replayed) std::cout << "(replayed: this idempotency key was already applied)\n";
      print_redemption(out);
      return kOk;
    };
  });

  auto* refund = rewards->add_subcommand(
      "refund", "undo a redemption: restore its price, take back the coupon or credit");
  refund->add_option("ID", o.redemption_id, "redemption id")->required();
  refund->add_option("--reason", o.reason, "why (audit log)");
  refund->add_option("--key", o.key, "idempotency key");
  refund->callback([&] {
    action = [&]() -> Result<int> {
      auto r = ctx.writer->execute(
          ctx.command("", "", o.key, app::RefundRedemption{o.redemption_id, o.reason}));
      if (!r) return std::unexpected(r.error());
      json::object out = json::parse(r->json).as_object();
      if (ctx.json_output) {
        std::cout << app::pretty(out) << "\n";
        return kOk;
      }
      print_redemption(out);
      return kOk;
    };
  });

  auto* history =
      rewards->add_subcommand("redemptions", "a member's catalog redemptions, newest first");
  history->add_option("--member", o.member, "member id")->required();
  history->callback([&] {
    ctx.read_only = true;
    action = [&]() -> Result<int> {
      json::array all;
      app::PageRequest page{"", limits::kPageSizeMax};
      for (;;) {
        auto rows = ctx.reader->reward_redemptions_page(ctx.program_id, o.member, page);
        if (!rows) return std::unexpected(rows.error());
        for (const auto& r : *rows) all.emplace_back(app::reward_redemption_json(r));
        if (rows->size() < page.limit) break;
        page.after = std::to_string(rows->back().id);
      }
      if (ctx.json_output) {
        std::cout << app::pretty(json::object{{"redemptions", all}}) << "\n";
      } else {
        for (const auto& r : all) print_redemption(r.as_object());
      }
      return kOk;
    };
  });
}

}  // namespace patron::cli
