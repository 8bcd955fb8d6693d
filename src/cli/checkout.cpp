// patron checkout quote --member ID --cart cart.json [--coupon CODE]...
//   [--use WALLET=AMOUNT]... [--json]
// patron checkout reserve --member ID --order ORDER --cart cart.json
//   [--coupon CODE]... [--use WALLET=AMOUNT]... [--ttl SECONDS] [--key K]
// The cart file writes prices in major units, as the orders CSV does
// (docs/checkout.md); --use amounts are minor units of the wallet.
#include "app/checkout.h"

#include <boost/json.hpp>
#include <charconv>
#include <iostream>

#include "app/checkout_json.h"
#include "app/json_codec.h"
#include "cli/cli.h"
#include "cli/context.h"
#include "core/money.h"

namespace patron::cli {

namespace json = boost::json;

namespace {

struct CheckoutOptions {
  std::string member;
  std::string order;
  std::string cart_file;
  std::vector<std::string> coupons;
  std::vector<std::string> use;
  int64_t ttl_s = 0;
  std::string key;
};

// "credit=100" -> {"credit", 100}.
Result<std::pair<std::string, int64_t>> use_of(const std::string& text) {
  auto eq = text.find('=');
  int64_t amount = 0;
  if (eq == std::string::npos || eq == 0 ||
      std::from_chars(text.data() + eq + 1, text.data() + text.size(), amount).ptr !=
          text.data() + text.size()) {
    return fail(ErrorCode::kInvalidArgument, "--use",
                "'" + text + "' is not WALLET=AMOUNT (minor units, e.g. credit=100)");
  }
  return std::pair{text.substr(0, eq), amount};
}

Result<app::CheckoutRequest> request_of(const Context& ctx, const CheckoutOptions& o) {
  auto program = ctx.writer->programs().find(ctx.program_id);
  if (!program) return std::unexpected(program.error());
  auto file = read_json_file(o.cart_file, "--cart");
  if (!file) return std::unexpected(file.error());
  app::CheckoutRequest request;
  auto cart = app::cart_from_json(*file, app::PriceStyle::kMajorUnits,
                                  (*program)->program.minor_digits, "cart");
  if (!cart) {
    return fail(ErrorCode::kInvalidArgument, "--cart",
                o.cart_file + ": " + cart.error().field + ": " + cart.error().message);
  }
  request.cart = std::move(*cart);
  request.cart.id = o.order;
  request.coupons = o.coupons;
  for (const std::string& u : o.use) {
    auto pair = use_of(u);
    if (!pair) return std::unexpected(pair.error());
    request.use.push_back(std::move(*pair));
  }
  return request;
}

// The quote as a few lines of text; amounts in major units.
void print_quote(const Context& ctx, const json::object& q) {
  auto program = *ctx.writer->programs().find(ctx.program_id);
  int digits = program->program.minor_digits;
  auto money = [&](const char* key) { return format_major_units(q.at(key).as_int64(), digits); };
  std::cout << "order value " << money("order_value") << " " << q.at("currency").as_string().c_str()
            << " (subtotal " << money("subtotal");
  if (q.at("coupon_discount").as_int64() > 0)
    std::cout << ", coupons -" << money("coupon_discount");
  std::cout << "), shipping " << money("shipping") << "\n";
  for (const auto& c : q.at("coupons").as_array()) {
    const auto& o = c.as_object();
    std::cout << "coupon " << o.at("code").as_string().c_str() << ": ";
    if (o.at("valid").as_bool()) {
      const int64_t lines = o.at("discount").as_int64();
      const int64_t shipping = o.at("shipping_discount").as_int64();
      if (lines > 0 || shipping == 0) std::cout << "-" << format_major_units(lines, digits);
      if (shipping > 0) {
        std::cout << (lines > 0 ? ", " : "") << "free shipping (-"
                  << format_major_units(shipping, digits) << ")";
      }
    } else {
      std::cout << "not applied (" << o.at("reason").as_string().c_str() << ")";
    }
    std::cout << "\n";
  }
  for (const auto& [name, value] : q.at("wallets").as_object()) {
    const auto& w = value.as_object();
    int wallet_digits = program->wallets.at(std::string(name)).minor_digits;
    auto units = [&](const char* key) {
      return format_major_units(w.at(key).as_int64(), wallet_digits);
    };
    std::cout << name << ": balance " << units("balance") << ", max usable " << units("max_usable");
    const auto& caps = w.at("capped_by").as_array();
    for (std::size_t i = 0; i < caps.size(); ++i) {
      std::cout << (i == 0 ? " (capped by " : ", ") << caps[i].as_string().c_str();
    }
    if (!caps.empty()) std::cout << ")";
    std::cout << ", use " << units("use") << " = "
              << format_major_units(w.at("use_value").as_int64(), digits) << "\n";
  }
  std::cout << "to pay " << money("total") << "\n";
  for (const auto& [name, value] : q.at("earn").as_object()) {
    std::cout << "earns "
              << format_major_units(value.at("amount").as_int64(),
                                    program->wallets.at(std::string(name)).minor_digits)
              << " " << name << " (pending until "
              << value.at("pending_days_after_fulfilment").as_int64()
              << " days after fulfilment, or completion)\n";
  }
  if (const json::value* tier = q.if_contains("tier")) {
    const auto& t = tier->as_object();
    std::cout << "tier " << t.at("current_name").as_string().c_str();
    if (t.at("upgrade").as_bool()) {
      std::cout << " -> " << t.at("after").at("name").as_string().c_str();
    }
    std::cout << "\n";
  }
}

}  // namespace

void add_checkout_commands(CLI::App& cli, Context& ctx, std::function<Result<int>()>& action) {
  auto* checkout =
      cli.add_subcommand("checkout", "quote a cart, reserve value for it")->require_subcommand(1);
  static CheckoutOptions o;
  auto common = [&](CLI::App* sub) {
    sub->add_option("--member", o.member, "the member (shop customer id)")->required();
    sub->add_option("--cart", o.cart_file,
                    "JSON cart: {\"lines\":[{\"line_id\",\"sku\",\"category\",\"brand\","
                    "\"quantity\",\"unit_price\"}],\"shipping\"}, prices in major units")
        ->required();
    sub->add_option("--coupon", o.coupons, "a coupon code (repeatable)");
    sub->add_option("--use", o.use, "WALLET=AMOUNT to use, minor units (repeatable)");
  };
  auto* quote =
      checkout->add_subcommand("quote", "what each wallet and coupon can pay (no writes)");
  common(quote);
  quote->add_option("--order", o.order, "the order id the cart will become (optional)");
  quote->callback([&] {
    ctx.read_only = true;
    action = [&]() -> Result<int> {
      auto request = request_of(ctx, o);
      if (!request) return std::unexpected(request.error());
      auto out = app::quote_view(*ctx.reader, ctx.writer->programs(), ctx.program_id, o.member,
                                 *request, ctx.now());
      if (!out) return std::unexpected(out.error());
      json::object q = json::parse(*out).as_object();
      if (ctx.json_output) {
        std::cout << app::pretty(q) << "\n";
      } else {
        print_quote(ctx, q);
      }
      return kOk;
    };
  });
  auto* reserve = checkout->add_subcommand(
      "reserve", "hold what the quote allows for an order (replaces the order's open holds)");
  common(reserve);
  reserve->add_option("--order", o.order, "the order id")->required();
  reserve->add_option("--ttl", o.ttl_s, "hold lifetime in seconds (default: the wallet's)");
  reserve->add_option("--key", o.key, "idempotency key");
  reserve->callback([&] {
    action = [&]() -> Result<int> {
      auto request = request_of(ctx, o);
      if (!request) return std::unexpected(request.error());
      app::CheckoutReserve body{std::move(*request), std::nullopt};
      if (o.ttl_s != 0) body.ttl_s = o.ttl_s;
      auto r = ctx.writer->execute(ctx.command(o.member, "", o.key, std::move(body)));
      if (!r) return std::unexpected(r.error());
      json::object out = json::parse(r->json).as_object();
      if (ctx.json_output) {
        std::cout << app::pretty(out) << "\n";
        return kOk;
      }
      if (r->replayed) std::cout << "(replayed: this idempotency key was already applied)\n";
      print_quote(ctx, out.at("quote").as_object());
      for (const auto& h : out.at("holds").as_array()) {
        std::cout << "hold " << h.at("hold_id").as_int64() << " on "
                  << h.at("wallet").as_string().c_str() << ": " << h.at("amount").as_int64()
                  << " until " << h.at("expires_at").as_string().c_str() << "\n";
      }
      return kOk;
    };
  });
}

}  // namespace patron::cli
