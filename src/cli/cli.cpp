#include "cli/cli.h"

#include <CLI/CLI.hpp>
#include <boost/json.hpp>
#include <charconv>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "app/clock.h"
#include "app/json_codec.h"
#include "app/queries.h"
#include "app/writer.h"
#include "cli/context.h"
#include "config/program_file.h"
#include "core/money.h"
#include "store/sqlite/sqlite_store.h"

namespace patron::cli {

namespace json = boost::json;

int exit_code_for(ErrorCode code) {
  switch (code) {
    case ErrorCode::kInvalidArgument:
      return kInvalidInput;
    case ErrorCode::kNotFound:
      return kNotFound;
    case ErrorCode::kInsufficientFunds:
      return kInsufficientFunds;
    case ErrorCode::kConflict:
      return kConflict;
    case ErrorCode::kFailedPrecondition:
      return kFailedPrecondition;
    case ErrorCode::kStorage:
      return kStorage;
    case ErrorCode::kCorruption:
      return kCorruption;
  }
  return kStorage;
}

int report(const Error& e) {
  std::cerr << "patron: error: ";
  if (!e.field.empty()) std::cerr << e.field << ": ";
  std::cerr << e.message << " (" << to_string(e.code) << ")\n";
  return exit_code_for(e.code);
}

Result<json::value> read_json_file(const std::string& path, const std::string& option) {
  std::ifstream in(path);
  if (!in) return fail(ErrorCode::kInvalidArgument, option, "cannot read " + path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  std::string text = buffer.str();
  boost::system::error_code ec;
  json::stream_parser parser;
  std::size_t used = parser.write_some(text.data(), text.size(), ec);
  if (!ec) parser.finish(ec);
  if (ec) {
    std::size_t line =
        1 + static_cast<std::size_t>(std::count(
                text.begin(), text.begin() + static_cast<long>(std::min(used, text.size())), '\n'));
    return fail(ErrorCode::kInvalidArgument, option,
                path + ":" + std::to_string(line) + ": invalid JSON: " + ec.message());
  }
  return parser.release();
}

namespace {

// Reads a JSON file of lines being paid: [{"line_id","sku","category","brand",
// "channel","amount"}], amounts in minor units. Errors name the file and line.
Result<std::vector<ledger::PayLine>> read_lines_file(const std::string& path) {
  auto parsed = read_json_file(path, "--lines");
  if (!parsed) return std::unexpected(parsed.error());
  json::value v = std::move(*parsed);
  if (!v.is_array()) {
    return fail(ErrorCode::kInvalidArgument, "--lines",
                path + ":1: expected a JSON array of lines");
  }
  std::vector<ledger::PayLine> lines;
  for (std::size_t i = 0; i < v.as_array().size(); ++i) {
    const json::value& item = v.as_array()[i];
    std::string where = path + ": line item " + std::to_string(i);
    if (!item.is_object())
      return fail(ErrorCode::kInvalidArgument, "--lines", where + ": not an object");
    const auto& o = item.as_object();
    ledger::PayLine line;
    auto text_field = [&](const char* key, std::string& out) -> bool {
      const json::value* f = o.if_contains(key);
      if (f == nullptr) return true;
      if (!f->is_string()) return false;
      out = std::string(f->as_string());
      return true;
    };
    if (!text_field("line_id", line.line_id) || !text_field("sku", line.sku) ||
        !text_field("category", line.category) || !text_field("brand", line.brand) ||
        !text_field("channel", line.channel)) {
      return fail(ErrorCode::kInvalidArgument, "--lines", where + ": text fields must be strings");
    }
    const json::value* amount = o.if_contains("amount");
    if (amount == nullptr || !amount->is_int64() || amount->as_int64() < 0) {
      return fail(ErrorCode::kInvalidArgument, "--lines",
                  where + ": amount must be a non-negative integer (minor units)");
    }
    line.amount = amount->as_int64();
    if (line.line_id.empty()) line.line_id = std::to_string(i + 1);
    lines.push_back(std::move(line));
  }
  return lines;
}

// "N/D" with both parts whole numbers and nothing else.
std::optional<std::pair<int64_t, int64_t>> fraction_of(std::string_view text) {
  auto slash = text.find('/');
  if (slash == std::string_view::npos) return std::nullopt;
  auto whole = [](std::string_view part) -> std::optional<int64_t> {
    int64_t v = 0;
    auto [p, ec] = std::from_chars(part.data(), part.data() + part.size(), v);
    if (part.empty() || ec != std::errc{} || p != part.data() + part.size()) return std::nullopt;
    return v;
  };
  auto n = whole(text.substr(0, slash));
  auto d = whole(text.substr(slash + 1));
  if (!n || !d) return std::nullopt;
  return std::pair{*n, *d};
}

// "L1" (whole line) or "L1:1/3" (a third of it).
Result<ledger::RefundLine> parse_refund_line(const std::string& text) {
  ledger::RefundLine line;
  auto colon = text.find(':');
  line.line_id = text.substr(0, colon);
  if (colon != std::string::npos) {
    auto f = fraction_of(std::string_view(text).substr(colon + 1));
    if (!f) {
      return fail(ErrorCode::kInvalidArgument, "--line",
                  "expected LINE or LINE:NUMERATOR/DENOMINATOR, got '" + text + "'");
    }
    line.numerator = f->first;
    line.denominator = f->second;
  }
  return line;
}

Result<std::pair<int64_t, int64_t>> parse_fraction(const std::string& text) {
  auto f = fraction_of(text);
  if (!f) {
    return fail(ErrorCode::kInvalidArgument, "--fraction",
                "expected NUMERATOR/DENOMINATOR such as 1/3, got '" + text + "'");
  }
  return *f;
}

void print_balances(const json::object& b, const std::string& wallet) {
  std::cout << wallet << ": available " << b.at("available").as_int64() << ", pending "
            << b.at("pending").as_int64() << ", held " << b.at("held").as_int64();
  if (b.at("debt").as_int64() != 0) std::cout << ", debt " << b.at("debt").as_int64();
  std::cout << "\n";
}

// Prints a command response: JSON as is, or a short text summary.
void print_response(const Context& ctx, const app::Response& r, const std::string& summary_key) {
  json::value v = json::parse(r.json);
  if (ctx.json_output) {
    std::cout << app::pretty(v) << "\n";
    return;
  }
  const auto& o = v.as_object();
  if (r.replayed) std::cout << "(replayed: this idempotency key was already applied)\n";
  if (!summary_key.empty() && o.contains(summary_key)) {
    std::cout << summary_key << " " << json::serialize(o.at(summary_key)) << "\n";
  }
  if (o.contains("balances")) {
    print_balances(o.at("balances").as_object(), std::string(o.at("wallet").as_string()));
  }
}

// "tier 銀卡 (silver) since 2026-03-03 until 2027-03-03; qualifying 3200;
//  6800 more by 2026-12-31 to reach 金卡; 0 more by 2027-03-02 to keep 銀卡"
// Dates are local to the program's time zone: `since` and `until` are the
// days the period starts and ends on, a "by" date the last day to act on.
void print_tier(const json::object& t, int minor_digits, const date::time_zone* zone) {
  bool money = t.at("basis").as_string() == "paid_spend";
  auto amount = [&](const json::value& v) {
    return money ? format_major_units(v.as_int64(), minor_digits) : std::to_string(v.as_int64());
  };
  auto instant = [&](const json::value& v) {
    return *parse_instant(std::string(v.as_string()), zone, "tier");
  };
  auto date = [&](const json::value& v) {
    return v.is_null() ? std::string("-") : format_date(local_date(instant(v), zone));
  };
  // The last local day before an exclusive end.
  auto last_day = [&](const json::value& v) {
    return format_date(local_date(instant(v) - std::chrono::seconds{1}, zone));
  };
  std::cout << "tier " << t.at("name").as_string().c_str() << " (" << t.at("id").as_string().c_str()
            << ")";
  if (!t.at("since").is_null()) {
    std::cout << " since " << date(t.at("since")) << " until " << date(t.at("until"));
  }
  std::cout << "; qualifying " << amount(t.at("value")) << (money ? "" : " orders");
  if (!t.at("next").is_null()) {
    std::cout << "; " << amount(t.at("to_next")) << " more";
    if (!t.at("next_by").is_null()) std::cout << " by " << last_day(t.at("next_by"));
    std::cout << " to reach " << t.at("next_name").as_string().c_str();
  }
  if (!t.at("until").is_null()) {
    std::cout << "; " << amount(t.at("to_keep")) << " more by " << last_day(t.at("until"))
              << " to keep " << t.at("name").as_string().c_str();
  }
  std::cout << "\n";
}

// The rewards a command granted and skipped, one per line.
void print_rewards(const json::object& out) {
  if (auto* granted = out.if_contains("granted")) {
    for (const auto& g : granted->as_array()) {
      const auto& o = g.as_object();
      std::cout << "  reward " << o.at("reward").as_string().c_str() << ": "
                << o.at("amount").as_int64() << " to " << o.at("wallet").as_string().c_str()
                << " (lot " << o.at("lot_id").as_int64() << ")\n";
    }
  }
  if (auto* skipped = out.if_contains("skipped")) {
    for (const auto& g : skipped->as_array()) {
      const auto& o = g.as_object();
      std::cout << "  reward " << o.at("reward").as_string().c_str()
                << " not granted: " << o.at("reason").as_string().c_str() << "\n";
    }
  }
}

void print_member(const json::object& view, int minor_digits, const date::time_zone* zone) {
  const auto& m = view.at("member").as_object();
  std::cout << "member " << m.at("id").as_string().c_str() << " (program "
            << m.at("program").as_string().c_str() << ")";
  if (!m.at("birthday").is_null())
    std::cout << " birthday " << m.at("birthday").as_string().c_str();
  std::cout << "\n";
  if (const auto* tags = m.if_contains("tags"); tags && !tags->as_array().empty()) {
    std::cout << "tags";
    for (const auto& t : tags->as_array()) std::cout << " " << t.as_string().c_str();
    std::cout << "\n";
  }
  if (const auto* code = m.if_contains("referral_code"); code && !code->as_string().empty()) {
    std::cout << "referral code " << code->as_string().c_str();
    if (!m.at("referred_by").is_null()) {
      std::cout << "; referred by " << m.at("referred_by").as_string().c_str();
    }
    std::cout << "\n";
  }
  if (const auto* tier = view.if_contains("tier")) {
    print_tier(tier->as_object(), minor_digits, zone);
  }
  for (const auto& [name, w] : view.at("wallets").as_object()) {
    const auto& wallet = w.as_object();
    print_balances(wallet, std::string(name));
    for (const auto& lot_value : wallet.at("lots").as_array()) {
      const auto& lot = lot_value.as_object();
      std::cout << "  lot " << lot.at("id").as_int64() << "  "
                << lot.at("source").as_string().c_str() << "  " << lot.at("remaining").as_int64()
                << "/" << lot.at("amount").as_int64() << "  " << lot.at("state").as_string().c_str()
                << "  expires "
                << (lot.at("expires_at").is_null() ? std::string("never")
                                                   : std::string(lot.at("expires_at").as_string()))
                << "\n";
    }
    for (const auto& hold_value : wallet.at("holds").as_array()) {
      const auto& h = hold_value.as_object();
      std::cout << "  hold " << h.at("id").as_int64() << "  order "
                << h.at("order_id").as_string().c_str() << "  " << h.at("amount").as_int64()
                << "  until " << h.at("expires_at").as_string().c_str() << "\n";
    }
  }
}

}  // namespace

int run(int argc, char** argv) {
  CLI::App cli{"patron: loyalty and store-credit engine"};
  cli.require_subcommand(1);
  // Global options (--db, --json, --now, --program) may also follow the subcommand.
  cli.fallthrough();
  Context ctx;
  cli.add_option("--db", ctx.db_path, "SQLite database file (created if missing)");
  cli.add_option("--program", ctx.program_id, "program id")->capture_default_str();
  cli.add_option("--now", ctx.now_text,
                 "act as if it were this time (ISO 8601; replays and tests)");
  cli.add_flag("--json", ctx.json_output, "print JSON");

  std::function<Result<int>()> action;

  // member upsert / show
  auto* member = cli.add_subcommand("member", "members")->require_subcommand(1);
  struct {
    std::string id, birthday, email, phone, key, referred_by, name, locale, consent, no_consent,
        tags;
    bool has_birthday = false;
  } mu;
  auto* upsert = member->add_subcommand("upsert", "create or update a member");
  upsert->add_option("ID", mu.id, "the shop's customer id")->required();
  auto* birthday_opt = upsert->add_option("--birthday", mu.birthday, "YYYY-MM-DD");
  auto* email_opt = upsert->add_option("--email", mu.email);
  auto* phone_opt = upsert->add_option("--phone", mu.phone);
  auto* referred_opt =
      upsert->add_option("--referred-by", mu.referred_by, "the referrer's referral code");
  auto* name_opt = upsert->add_option("--name", mu.name, "how messages greet the member");
  auto* locale_opt =
      upsert->add_option("--locale", mu.locale, "zh-TW or en (\"\" for the program's)");
  upsert->add_option("--consent", mu.consent,
                     "channels the member agrees to get marketing on (email,sms,line,push)");
  upsert->add_option("--no-consent", mu.no_consent, "channels whose consent is withdrawn");
  auto* tags_opt = upsert->add_option(
      "--tags", mu.tags, "the member's tags, comma separated, replacing theirs (\"\" clears)");
  upsert->add_option("--key", mu.key, "idempotency key");
  upsert->callback([&] {
    action = [&]() -> Result<int> {
      app::UpsertMember body;
      if (*birthday_opt) {
        auto d = parse_date(mu.birthday, "--birthday");
        if (!d) return std::unexpected(d.error());
        body.birthday = *d;
      }
      if (*email_opt) body.email = mu.email;
      if (*phone_opt) body.phone = mu.phone;
      if (*referred_opt) body.referred_by = mu.referred_by;
      if (*name_opt) body.name = mu.name;
      if (*locale_opt) body.locale = mu.locale;
      if (*tags_opt) {
        // Every piece between commas is a tag: an empty one ("a,,b", "a,")
        // is refused by the check, as any empty tag is.
        body.tags.emplace();
        std::string_view rest = mu.tags;
        for (std::size_t comma = 0; !mu.tags.empty() && comma != std::string_view::npos;) {
          comma = rest.find(',');
          body.tags->emplace_back(rest.substr(0, comma));
          if (comma != std::string_view::npos) rest = rest.substr(comma + 1);
        }
      }
      for (auto [list, given] : {std::pair{&mu.consent, true}, std::pair{&mu.no_consent, false}}) {
        std::string_view rest = *list;
        while (!rest.empty()) {
          std::size_t comma = rest.find(',');
          std::string channel(rest.substr(0, comma));
          if (body.consent.count(channel)) {
            return fail(ErrorCode::kInvalidArgument, "--consent",
                        "names " + channel + " twice (in --consent and --no-consent)");
          }
          body.consent[channel] = given;
          rest = comma == std::string_view::npos ? "" : rest.substr(comma + 1);
        }
      }
      auto r = ctx.writer->execute(ctx.command(mu.id, "", mu.key, body));
      if (!r) return std::unexpected(r.error());
      if (ctx.json_output) {
        std::cout << app::pretty(json::parse(r->json)) << "\n";
      } else {
        auto o = json::parse(r->json).as_object();
        std::cout << (o.at("created").as_bool() ? "created" : "updated") << " member " << mu.id
                  << " (referral code " << o.at("member").at("referral_code").as_string().c_str()
                  << ")\n";
        print_rewards(o);
        if (const auto* r = o.if_contains("referral")) {
          std::cout << "  referred by " << r->at("referrer_id").as_string().c_str()
                    << ": both get their reward when the first order settles\n";
        }
      }
      return kOk;
    };
  });
  struct {
    std::string id, type, event_id, at, key;
  } me;
  auto* event = member->add_subcommand(
      "event", "something the member did (review, line_bind, ...): grants the rewards for it");
  event->add_option("ID", me.id, "member id")->required();
  event
      ->add_option("TYPE", me.type,
                   "app_install, line_bind, review, share, survey or a custom event name")
      ->required();
  event->add_option("--id", me.event_id, "the event's own id: makes it count once");
  event->add_option("--at", me.at, "when it happened (ISO 8601; default now)");
  event->add_option("--key", me.key, "idempotency key");
  event->callback([&] {
    action = [&]() -> Result<int> {
      app::MemberEvent body{me.type, me.event_id, std::nullopt};
      if (!me.at.empty()) {
        auto at = ctx.instant(me.at, "--at");
        if (!at) return std::unexpected(at.error());
        body.at = *at;
      }
      auto r = ctx.writer->execute(ctx.command(me.id, "", me.key, body));
      if (!r) return std::unexpected(r.error());
      auto o = json::parse(r->json).as_object();
      if (ctx.json_output) {
        std::cout << app::pretty(o) << "\n";
      } else {
        std::cout << "event " << me.type << " for member " << me.id << "\n";
        print_rewards(o);
        if (auto* note = o.if_contains("note")) std::cout << note->as_string().c_str() << "\n";
      }
      return kOk;
    };
  });
  std::string show_id;
  auto* show = member->add_subcommand("show", "balances, lots and holds of a member");
  show->add_option("ID", show_id)->required();
  show->callback([&] {
    ctx.read_only = true;
    action = [&]() -> Result<int> {
      auto view =
          app::member_view(*ctx.reader, ctx.writer->programs(), ctx.program_id, show_id, ctx.now());
      if (!view) return std::unexpected(view.error());
      json::value v = json::parse(*view);
      if (ctx.json_output) {
        std::cout << app::pretty(v) << "\n";
      } else {
        print_member(v.as_object(),
                     (*ctx.writer->programs().find(ctx.program_id))->program.minor_digits,
                     ctx.zone());
      }
      return kOk;
    };
  });

  // wallet grant / spend / adjust / clawback / restore / release
  auto* wallet =
      cli.add_subcommand("wallet", "grant, spend, adjust, refund")->require_subcommand(1);
  struct {
    std::string id, wallet = "credit", source, reason, expires_at, available_at, key, order,
                    lines_file, fraction;
    int64_t amount = 0;
    std::vector<std::string> line_args, scope_categories, scope_skus, scope_brands, scope_channels;
    bool pending = false;
  } w;
  auto add_common = [&](CLI::App* sub, bool amount_required) {
    sub->add_option("ID", w.id, "member id")->required();
    sub->add_option("--wallet", w.wallet, "wallet name")->capture_default_str();
    auto* a = sub->add_option("--amount", w.amount, "minor units");
    if (amount_required) a->required();
    sub->add_option("--key", w.key, "idempotency key");
  };
  auto* grant = wallet->add_subcommand("grant", "grant value as a new lot");
  add_common(grant, true);
  grant->add_option("--source", w.source, "signup, birthday, purchase, review, ...")->required();
  grant->add_option("--reason", w.reason);
  grant->add_option("--expires-at", w.expires_at, "ISO 8601; default from the wallet's policy");
  grant->add_option("--available-at", w.available_at, "pending until then (ISO 8601)");
  grant->add_flag("--pending", w.pending, "pending until released (wallet release)");
  grant->add_option("--order", w.order, "order that funded it");
  grant->add_option("--line", w.line_args, "LINE=AMOUNT: how much each order line earned");
  grant->add_option("--scope-category", w.scope_categories);
  grant->add_option("--scope-sku", w.scope_skus);
  grant->add_option("--scope-brand", w.scope_brands);
  grant->add_option("--scope-channel", w.scope_channels);
  grant->callback([&] {
    action = [&]() -> Result<int> {
      ledger::Grant g;
      g.amount = w.amount;
      g.source = w.source;
      g.reason = w.reason;
      g.order_id = w.order;
      g.pending_until_release = w.pending;
      if (!w.expires_at.empty()) {
        auto t = ctx.instant(w.expires_at, "--expires-at");
        if (!t) return std::unexpected(t.error());
        g.expires_at = *t;
      }
      if (!w.available_at.empty()) {
        auto t = ctx.instant(w.available_at, "--available-at");
        if (!t) return std::unexpected(t.error());
        g.available_at = *t;
      }
      for (const auto& arg : w.line_args) {
        auto eq = arg.find('=');
        int64_t amount = 0;
        try {
          if (eq == std::string::npos) throw std::invalid_argument("no =");
          std::size_t used = 0;
          amount = std::stoll(arg.substr(eq + 1), &used);
          if (used != arg.size() - eq - 1) throw std::invalid_argument("trailing");
        } catch (const std::exception&) {
          return fail(ErrorCode::kInvalidArgument, "--line",
                      "expected LINE=AMOUNT, got '" + arg + "'");
        }
        g.line_shares.push_back(ledger::LineShare{arg.substr(0, eq), amount, 0});
      }
      g.scope = ledger::Scope{w.scope_channels, w.scope_categories, w.scope_brands, w.scope_skus};
      auto r = ctx.writer->execute(ctx.command(w.id, w.wallet, w.key, g));
      if (!r) return std::unexpected(r.error());
      print_response(ctx, *r, "lot_id");
      return kOk;
    };
  });
  auto* spend = wallet->add_subcommand("spend", "spend value now (soonest expiry first)");
  add_common(spend, true);
  spend->add_option("--order", w.order, "order being paid");
  spend->add_option("--lines", w.lines_file, "JSON file of the lines being paid");
  spend->callback([&] {
    action = [&]() -> Result<int> {
      ledger::Spend s;
      s.amount = w.amount;
      s.order_id = w.order;
      if (!w.lines_file.empty()) {
        auto lines = read_lines_file(w.lines_file);
        if (!lines) return std::unexpected(lines.error());
        s.lines = std::move(*lines);
      }
      auto r = ctx.writer->execute(ctx.command(w.id, w.wallet, w.key, s));
      if (!r) return std::unexpected(r.error());
      print_response(ctx, *r, "redemption_id");
      return kOk;
    };
  });
  auto* adjust = wallet->add_subcommand("adjust", "admin adjustment (+ grants, - removes)");
  add_common(adjust, true);
  adjust->add_option("--reason", w.reason, "required: why")->required();
  adjust->add_option("--expires-at", w.expires_at, "for a positive adjustment");
  adjust->callback([&] {
    action = [&]() -> Result<int> {
      ledger::Adjust a;
      a.amount = w.amount;
      a.reason = w.reason;
      if (!w.expires_at.empty()) {
        auto t = ctx.instant(w.expires_at, "--expires-at");
        if (!t) return std::unexpected(t.error());
        a.expires_at = *t;
      }
      auto r = ctx.writer->execute(ctx.command(w.id, w.wallet, w.key, a));
      if (!r) return std::unexpected(r.error());
      print_response(ctx, *r, "lot_id");
      return kOk;
    };
  });
  auto* clawback = wallet->add_subcommand("clawback", "take back what refunded order lines earned");
  add_common(clawback, false);
  clawback->add_option("--order", w.order)->required();
  clawback->add_option("--line", w.line_args, "LINE or LINE:N/D (part of the line refunded)");
  clawback->add_option("--fraction", w.fraction, "N/D of every line (amount-only refunds)");
  clawback->callback([&] {
    action = [&]() -> Result<int> {
      ledger::Clawback c;
      c.order_id = w.order;
      for (const auto& arg : w.line_args) {
        auto line = parse_refund_line(arg);
        if (!line) return std::unexpected(line.error());
        c.lines.push_back(*line);
      }
      if (!w.fraction.empty()) {
        if (!c.lines.empty()) {
          return fail(ErrorCode::kInvalidArgument, "--fraction", "use either --line or --fraction");
        }
        auto f = parse_fraction(w.fraction);
        if (!f) return std::unexpected(f.error());
        c.numerator = f->first;
        c.denominator = f->second;
      }
      auto r = ctx.writer->execute(ctx.command(w.id, w.wallet, w.key, c));
      if (!r) return std::unexpected(r.error());
      print_response(ctx, *r, "due");
      return kOk;
    };
  });
  auto* restore = wallet->add_subcommand("restore", "give back value spent on a refunded order");
  add_common(restore, false);
  restore->add_option("--order", w.order)->required();
  restore->add_option("--line", w.line_args, "only value spent on these lines");
  restore->callback([&] {
    action = [&]() -> Result<int> {
      ledger::Restore r;
      r.order_id = w.order;
      if (w.amount != 0) r.amount = w.amount;
      r.line_ids = w.line_args;
      auto out = ctx.writer->execute(ctx.command(w.id, w.wallet, w.key, r));
      if (!out) return std::unexpected(out.error());
      print_response(ctx, *out, "restored");
      return kOk;
    };
  });
  auto* release_order = wallet->add_subcommand("release", "make an order's pending lots spendable");
  add_common(release_order, false);
  release_order->add_option("--order", w.order)->required();
  release_order->callback([&] {
    action = [&]() -> Result<int> {
      auto r = ctx.writer->execute(ctx.command(w.id, w.wallet, w.key, app::ReleaseOrder{w.order}));
      if (!r) return std::unexpected(r.error());
      print_response(ctx, *r, "amount");
      return kOk;
    };
  });

  // hold reserve / capture / release
  auto* hold = cli.add_subcommand("hold", "checkout holds")->require_subcommand(1);
  struct {
    std::string id, wallet = "credit", order, key, lines_file;
    int64_t amount = 0, hold_id = 0, ttl_s = 0;
  } h;
  auto* reserve = hold->add_subcommand("reserve", "reserve value for an order (TTL)");
  reserve->add_option("ID", h.id, "member id")->required();
  reserve->add_option("--wallet", h.wallet)->capture_default_str();
  reserve->add_option("--amount", h.amount, "minor units")->required();
  reserve->add_option("--order", h.order)->required();
  reserve->add_option("--ttl", h.ttl_s, "seconds; default from the wallet policy");
  reserve->add_option("--lines", h.lines_file, "JSON file of the lines being paid");
  reserve->add_option("--key", h.key, "idempotency key");
  reserve->callback([&] {
    action = [&]() -> Result<int> {
      ledger::Reserve r;
      r.amount = h.amount;
      r.order_id = h.order;
      if (h.ttl_s != 0) r.ttl_s = h.ttl_s;
      if (!h.lines_file.empty()) {
        auto lines = read_lines_file(h.lines_file);
        if (!lines) return std::unexpected(lines.error());
        r.lines = std::move(*lines);
      }
      auto out = ctx.writer->execute(ctx.command(h.id, h.wallet, h.key, r));
      if (!out) return std::unexpected(out.error());
      print_response(ctx, *out, "hold_id");
      return kOk;
    };
  });
  auto* capture = hold->add_subcommand("capture", "capture a hold (partial allowed)");
  capture->add_option("HOLD_ID", h.hold_id)->required();
  auto* capture_amount = capture->add_option("--amount", h.amount, "default: the whole hold");
  capture->add_option("--key", h.key, "idempotency key");
  capture->callback([&] {
    action = [&]() -> Result<int> {
      app::Capture c{h.hold_id, std::nullopt};
      if (*capture_amount) c.amount = h.amount;
      auto out = ctx.writer->execute(ctx.command("", "", h.key, c));
      if (!out) return std::unexpected(out.error());
      print_response(ctx, *out, "captured");
      return kOk;
    };
  });
  auto* release = hold->add_subcommand("release", "release a hold");
  release->add_option("HOLD_ID", h.hold_id)->required();
  release->add_option("--key", h.key, "idempotency key");
  release->callback([&] {
    action = [&]() -> Result<int> {
      auto out = ctx.writer->execute(ctx.command("", "", h.key, app::Release{h.hold_id}));
      if (!out) return std::unexpected(out.error());
      print_response(ctx, *out, "released");
      return kOk;
    };
  });

  // ledger
  std::string ledger_id, ledger_wallet;
  auto* ledger_cmd = cli.add_subcommand("ledger", "a member's transfers");
  ledger_cmd->add_option("ID", ledger_id)->required();
  ledger_cmd->add_option("--wallet", ledger_wallet, "only this wallet");
  ledger_cmd->callback([&] {
    ctx.read_only = true;
    action = [&]() -> Result<int> {
      auto view = app::ledger_view(*ctx.reader, ctx.writer->programs(), ctx.program_id, ledger_id,
                                   ledger_wallet);
      if (!view) return std::unexpected(view.error());
      json::value v = json::parse(*view);
      if (ctx.json_output) {
        std::cout << app::pretty(v) << "\n";
        return kOk;
      }
      for (const auto& t : v.as_object().at("transfers").as_array()) {
        const auto& o = t.as_object();
        std::cout << o.at("at").as_string().c_str() << "  " << o.at("wallet").as_string().c_str()
                  << "  " << o.at("kind").as_string().c_str() << "  " << o.at("amount").as_int64()
                  << "  " << o.at("from").as_string().c_str() << " -> "
                  << o.at("to").as_string().c_str();
        if (o.contains("lot_id")) std::cout << "  lot " << o.at("lot_id").as_int64();
        std::cout << "\n";
      }
      return kOk;
    };
  });

  // jobs run
  auto* jobs = cli.add_subcommand("jobs", "scheduled jobs")->require_subcommand(1);
  std::string job_name;
  auto* jobs_run = jobs->add_subcommand("run", "run a job now (or at --now)");
  jobs_run
      ->add_option("NAME", job_name,
                   "holds, mature, expire, tiers, birthdays, monthly, referrals, reminders, "
                   "winback, carts, replenishment, products or all")
      ->required()
      ->check(CLI::IsMember([] {
        std::vector<std::string> names(app::kJobNames.begin(), app::kJobNames.end());
        names.push_back("all");
        return names;
      }()));
  jobs_run->callback([&] {
    action = [&]() -> Result<int> {
      auto jobs = app::jobs_named(job_name);
      if (!jobs) return std::unexpected(jobs.error());
      const std::vector<std::string>& names = *jobs;
      json::array reports;
      for (const auto& name : names) {
        auto r = app::run_job(*ctx.writer, *ctx.reader, name, ctx.now());
        if (!r) return std::unexpected(r.error());
        json::object report = app::job_report_json(*r);
        report.emplace("job", r->job);
        reports.emplace_back(std::move(report));
        if (!ctx.json_output) {
          std::cout << "job " << r->job << ": " << r->members << " member wallets, matured "
                    << r->matured << ", expired " << r->expired << ", holds expired "
                    << r->holds_expired << ", tier changes " << r->tier_changes << ", rewards "
                    << r->rewards << ", reminders " << r->reminders
                    << (r->failed ? ", FAILED " + std::to_string(r->failed) : "") << "\n";
        }
        if (r->failed > 0) return kStorage;
      }
      if (ctx.json_output) std::cout << app::pretty(json::object{{"runs", reports}}) << "\n";
      return kOk;
    };
  });

  // verify
  auto* verify_cmd = cli.add_subcommand("verify", "check every ledger invariant");
  verify_cmd->callback([&] {
    ctx.read_only = true;
    action = [&]() -> Result<int> {
      auto r = app::verify(*ctx.reader, ctx.writer->programs());
      if (!r) return std::unexpected(r.error());
      if (ctx.json_output) {
        json::array problems;
        for (const auto& p : r->problems) problems.emplace_back(p);
        std::cout << app::pretty(json::object{{"ok", r->problems.empty()},
                                              {"members", r->members},
                                              {"wallets", r->wallets},
                                              {"transfers", r->transfers},
                                              {"problems", problems}})
                  << "\n";
      } else {
        std::cout << "checked " << r->members << " members, " << r->wallets << " wallets, "
                  << r->transfers << " transfers\n";
        for (const auto& p : r->problems) std::cout << "PROBLEM " << p << "\n";
        std::cout << (r->problems.empty() ? "ledger OK" : "ledger INCONSISTENT") << "\n";
      }
      return r->problems.empty() ? kOk : kVerifyFailed;
    };
  });

  // program show
  auto* program_cmd = cli.add_subcommand("program", "program configuration")->require_subcommand(1);
  auto* program_show = program_cmd->add_subcommand("show", "the program and its wallets");
  static bool show_toml = false;
  program_show->add_flag("--toml", show_toml, "print the configuration file of this version");
  program_show->callback([&] {
    ctx.read_only = true;
    action = [&]() -> Result<int> {
      auto p = ctx.writer->programs().find(ctx.program_id);
      if (!p) return std::unexpected(p.error());
      if (show_toml) {
        std::cout << config::to_toml((*p)->program);
        return kOk;
      }
      std::cout << app::pretty(app::program_json((*p)->program)) << "\n";
      return kOk;
    };
  });

  add_server_commands(cli, ctx, action);
  add_program_commands(cli, ctx, action);
  add_import_commands(cli, ctx, action);
  add_referral_commands(cli, ctx, action);
  add_analytics_commands(cli, ctx, action);
  add_checkout_commands(cli, ctx, action);
  add_coupon_commands(cli, ctx, action);
  add_reward_commands(cli, ctx, action);
  add_webhook_commands(cli, ctx, action);

  try {
    cli.parse(argc, argv);
  } catch (const CLI::CallForHelp& e) {
    return cli.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return cli.exit(e);
  } catch (const CLI::ParseError& e) {
    cli.exit(e);
    return kInvalidInput;
  }
  if (!action) return kInvalidInput;
  if (auto opened = ctx.open(); !opened) return report(opened.error());
  auto result = action();
  if (!result) return report(result.error());
  return *result;
}

}  // namespace patron::cli
