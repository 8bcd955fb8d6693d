// patron referrals list [--state S]; patron referrals approve|reject REFEREE
// [--note TEXT]: the review queue of referrals held by a fraud check.
#include <boost/json.hpp>
#include <iostream>

#include "app/json_codec.h"
#include "cli/cli.h"
#include "cli/context.h"
#include "core/limits.h"

namespace patron::cli {

namespace json = boost::json;

namespace {

void print_referral(const json::object& r) {
  std::cout << r.at("referee_id").as_string().c_str() << "  referred by "
            << r.at("referrer_id").as_string().c_str() << "  " << r.at("state").as_string().c_str();
  const auto& reasons = r.at("reasons").as_array();
  for (std::size_t i = 0; i < reasons.size(); ++i) {
    std::cout << (i == 0 ? "  (" : ", ") << reasons[i].as_string().c_str();
  }
  if (!reasons.empty()) std::cout << ")";
  if (!r.at("order_id").is_null()) std::cout << "  order " << r.at("order_id").as_string().c_str();
  std::cout << "\n";
}

}  // namespace

void add_referral_commands(CLI::App& cli, Context& ctx, std::function<Result<int>()>& action) {
  auto* referrals =
      cli.add_subcommand("referrals", "the referral review queue")->require_subcommand(1);
  static std::string state;
  auto* list = referrals->add_subcommand("list", "referrals, oldest referee id first");
  list->add_option("--state", state, "pending, review, rewarded or rejected")
      ->check(CLI::IsMember({"pending", "review", "rewarded", "rejected"}));
  list->callback([&] {
    ctx.read_only = true;
    action = [&]() -> Result<int> {
      json::array all;
      app::PageRequest page{"", limits::kPageSizeMax};
      for (;;) {
        auto batch = ctx.reader->referrals_page(ctx.program_id, state, page);
        if (!batch) return std::unexpected(batch.error());
        for (const auto& r : *batch) all.emplace_back(app::referral_json(r));
        if (batch->size() < page.limit) break;
        page.after = batch->back().referee_id;
      }
      if (ctx.json_output) {
        std::cout << app::pretty(json::object{{"referrals", all}}) << "\n";
      } else {
        for (const auto& r : all) print_referral(r.as_object());
        std::cout << all.size() << " referrals\n";
      }
      return kOk;
    };
  });
  static std::string referee, note;
  for (bool approve : {true, false}) {
    auto* decide = referrals->add_subcommand(
        approve ? "approve" : "reject",
        approve ? "reward both sides of a referral held for review"
                : "refuse a referral held for review (nothing is granted)");
    decide->add_option("REFEREE", referee, "the referred member's id")->required();
    decide->add_option("--note", note, "why (kept with the referral and in the audit log)");
    decide->callback([&ctx, &action, approve] {
      action = [&ctx, approve]() -> Result<int> {
        auto r =
            ctx.writer->execute(ctx.command(referee, "", "", app::DecideReferral{approve, note}));
        if (!r) return std::unexpected(r.error());
        json::object o = json::parse(r->json).as_object();
        if (ctx.json_output) {
          std::cout << app::pretty(o) << "\n";
        } else {
          print_referral(o.at("referral").as_object());
          for (const auto& g : o.at("granted").as_array()) {
            std::cout << "  " << g.at("member_id").as_string().c_str() << ": "
                      << g.at("amount").as_int64() << " to " << g.at("wallet").as_string().c_str()
                      << "\n";
          }
        }
        return kOk;
      };
    });
  }
}

}  // namespace patron::cli
