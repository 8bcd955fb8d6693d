#include "config/program_file.h"

#include <toml++/toml.h>

#include <algorithm>
#include <sstream>

#include "app/programs.h"
#include "core/limits.h"
#include "ledger/policy.h"

namespace patron::config {

namespace {

// A schema walker: every read goes through it, so it knows which keys were
// used and where each node is in the file.
class Reader {
 public:
  explicit Reader(std::string_view source) : source_(source) {}

  std::unexpected<Error> error(const toml::node* node, const std::string& key,
                               std::string message) const {
    return error_at(node != nullptr ? node->source().begin : toml::source_position{}, key,
                    std::move(message));
  }
  std::unexpected<Error> error_at(toml::source_position at, const std::string& key,
                                  std::string message) const {
    std::string where(source_);
    if (at) where += ":" + std::to_string(at.line) + ":" + std::to_string(at.column);
    return fail(ErrorCode::kInvalidArgument, where + ": " + key, std::move(message));
  }

  // Fails on a key of `table` not in `known`.
  Result<void> only(const toml::table& table, const std::string& at,
                    std::initializer_list<std::string_view> known) const {
    for (const auto& [key, node] : table) {
      if (std::find(known.begin(), known.end(), key.str()) == known.end()) {
        std::string list;
        for (auto k : known) list += (list.empty() ? "" : ", ") + std::string(k);
        // Point at the key itself, not at its value.
        return error_at(key.source().begin, join(at, key.str()),
                        "is not a known key (known: " + list + ")");
      }
    }
    return {};
  }

  static std::string join(const std::string& at, std::string_view key) {
    return at.empty() ? std::string(key) : at + "." + std::string(key);
  }

  Result<std::optional<std::string>> text(const toml::table& t, const std::string& at,
                                          std::string_view key) const {
    const toml::node* n = t.get(key);
    if (n == nullptr) return std::nullopt;
    if (!n->is_string()) return error(n, join(at, key), "must be a string");
    return std::string(n->as_string()->get());
  }

  Result<std::optional<int64_t>> integer(const toml::table& t, const std::string& at,
                                         std::string_view key, int64_t min, int64_t max) const {
    const toml::node* n = t.get(key);
    if (n == nullptr) return std::nullopt;
    if (!n->is_integer()) return error(n, join(at, key), "must be a whole number");
    int64_t v = n->as_integer()->get();
    if (v < min || v > max) {
      return error(n, join(at, key),
                   "must be between " + std::to_string(min) + " and " + std::to_string(max));
    }
    return v;
  }

  Result<std::optional<ledger::ExpiryRule>> expiry(const toml::table& t, const std::string& at,
                                                   std::string_view key) const {
    auto s = text(t, at, key);
    if (!s) return std::unexpected(s.error());
    if (!*s) return std::nullopt;
    auto rule = ledger::parse_expiry_rule(**s, key);
    if (!rule) return error(t.get(key), join(at, key), rule.error().message);
    return *rule;
  }

 private:
  std::string_view source_;
};

bool is_name(std::string_view s) {
  return !s.empty() && s.size() <= 32 && std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

Result<app::WalletConfig> parse_wallet(const Reader& r, const toml::table& t, const std::string& at,
                                       const std::string& name, const app::Program& program) {
  if (auto ok = r.only(t, at,
                       {"unit", "minor_digits", "default_expiry", "expiry_by_source", "hold_ttl_s",
                        "debt_policy", "restore_policy", "restored_lot_expiry"});
      !ok) {
    return std::unexpected(ok.error());
  }
  // Start from the defaults a new program's wallet of that name has.
  app::WalletConfig w = name == "points" ? ledger::default_points_policy(nullptr)
                                         : ledger::default_credit_policy(nullptr);
  w.name = name;
  if (name != "points") {
    w.unit = program.currency;
    w.minor_digits = program.minor_digits;
  }
  auto unit = r.text(t, at, "unit");
  if (!unit) return std::unexpected(unit.error());
  if (*unit) {
    if ((*unit)->empty() || (*unit)->size() > 16) {
      return r.error(t.get("unit"), at + ".unit", "must be 1 to 16 characters");
    }
    w.unit = **unit;
  }
  auto digits = r.integer(t, at, "minor_digits", 0, 4);
  if (!digits) return std::unexpected(digits.error());
  if (*digits) w.minor_digits = static_cast<int>(**digits);
  auto def = r.expiry(t, at, "default_expiry");
  if (!def) return std::unexpected(def.error());
  if (*def) w.default_expiry = **def;
  auto restored = r.expiry(t, at, "restored_lot_expiry");
  if (!restored) return std::unexpected(restored.error());
  if (*restored) w.restored_lot_expiry = **restored;
  auto ttl = r.integer(t, at, "hold_ttl_s", 1, limits::kHoldTtlSecondsMax);
  if (!ttl) return std::unexpected(ttl.error());
  if (*ttl) w.hold_ttl_s = **ttl;
  auto debt = r.text(t, at, "debt_policy");
  if (!debt) return std::unexpected(debt.error());
  if (*debt) {
    if (**debt == "negative_balance") {
      w.debt = ledger::DebtPolicy::kNegativeBalance;
    } else if (**debt == "write_off") {
      w.debt = ledger::DebtPolicy::kWriteOff;
    } else {
      return r.error(t.get("debt_policy"), at + ".debt_policy",
                     "must be \"negative_balance\" or \"write_off\"");
    }
  }
  auto restore = r.text(t, at, "restore_policy");
  if (!restore) return std::unexpected(restore.error());
  if (*restore) {
    if (**restore == "new_lot_if_expired") {
      w.restore = ledger::RestorePolicy::kNewLotIfExpired;
    } else if (**restore == "original_lot") {
      w.restore = ledger::RestorePolicy::kOriginalLot;
    } else {
      return r.error(t.get("restore_policy"), at + ".restore_policy",
                     "must be \"new_lot_if_expired\" or \"original_lot\"");
    }
  }
  if (const toml::node* n = t.get("expiry_by_source")) {
    if (!n->is_table()) return r.error(n, at + ".expiry_by_source", "must be a table");
    if (n->as_table()->size() > limits::kExpirySourcesMax) {
      return r.error(n, at + ".expiry_by_source", "has more than 64 sources");
    }
    w.expiry_by_source.clear();  // the file lists every source rule it wants
    for (const auto& [source, rule_node] : *n->as_table()) {
      std::string key = at + ".expiry_by_source." + std::string(source.str());
      if (!is_name(source.str())) {
        return r.error(&rule_node, key, "a source is 1 to 32 of a-z, 0-9 and _");
      }
      if (!rule_node.is_string()) return r.error(&rule_node, key, "must be a string");
      auto rule = ledger::parse_expiry_rule(rule_node.as_string()->get(), key);
      if (!rule) return r.error(&rule_node, key, rule.error().message);
      w.expiry_by_source[std::string(source.str())] = *rule;
    }
  }
  return w;
}

}  // namespace

Result<app::Program> parse_program(std::string_view text, std::string_view source,
                                   const std::string& program_id) {
  Reader r(source);
  toml::table root;
  try {
    root = toml::parse(text, source);
  } catch (const toml::parse_error& e) {
    std::string where(source);
    where +=
        ":" + std::to_string(e.source().begin.line) + ":" + std::to_string(e.source().begin.column);
    return fail(ErrorCode::kInvalidArgument, where,
                "not valid TOML: " + std::string(e.description()));
  }
  if (auto ok = r.only(root, "", {"program", "wallets"}); !ok) return std::unexpected(ok.error());
  app::Program p;
  p.id = program_id;
  p.wallets.clear();
  const toml::node* program_node = root.get("program");
  if (program_node == nullptr)
    return r.error(nullptr, "program", "the [program] table is required");
  if (!program_node->is_table()) return r.error(program_node, "program", "must be a table");
  const toml::table& pt = *program_node->as_table();
  if (auto ok = r.only(pt, "program", {"currency", "minor_digits", "time_zone"}); !ok) {
    return std::unexpected(ok.error());
  }
  auto currency = r.text(pt, "program", "currency");
  if (!currency) return std::unexpected(currency.error());
  if (!*currency) return r.error(program_node, "program.currency", "is required (e.g. \"TWD\")");
  if ((*currency)->size() != 3 || !std::all_of((*currency)->begin(), (*currency)->end(),
                                               [](char c) { return c >= 'A' && c <= 'Z'; })) {
    return r.error(pt.get("currency"), "program.currency",
                   "must be an ISO 4217 code of three capital letters");
  }
  p.currency = **currency;
  auto digits = r.integer(pt, "program", "minor_digits", 0, 4);
  if (!digits) return std::unexpected(digits.error());
  if (!*digits) return r.error(program_node, "program.minor_digits", "is required (TWD 0, GBP 2)");
  p.minor_digits = static_cast<int>(**digits);
  auto zone = r.text(pt, "program", "time_zone");
  if (!zone) return std::unexpected(zone.error());
  if (*zone) {
    if (!app::resolve_zone(**zone)) {
      return r.error(pt.get("time_zone"), "program.time_zone",
                     "is not a time zone of the tz database (e.g. \"Asia/Taipei\")");
    }
    p.time_zone = **zone;
  }
  const toml::node* wallets = root.get("wallets");
  if (wallets == nullptr) return r.error(nullptr, "wallets", "at least one wallet is required");
  if (!wallets->is_table() || wallets->as_table()->empty()) {
    return r.error(wallets, "wallets", "must be a table with at least one wallet");
  }
  if (wallets->as_table()->size() > limits::kWalletsMax) {
    return r.error(wallets, "wallets", "has more than 16 wallets");
  }
  for (const auto& [name, node] : *wallets->as_table()) {
    std::string at = "wallets." + std::string(name.str());
    if (!is_name(name.str()))
      return r.error(&node, at, "a wallet name is 1 to 32 of a-z, 0-9 and _");
    if (!node.is_table()) return r.error(&node, at, "must be a table");
    auto w = parse_wallet(r, *node.as_table(), at, std::string(name.str()), p);
    if (!w) return std::unexpected(w.error());
    p.wallets.push_back(std::move(*w));
  }
  return p;
}

std::string to_toml(const app::Program& p) {
  toml::table root;
  root.insert("program", toml::table{{"currency", p.currency},
                                     {"minor_digits", p.minor_digits},
                                     {"time_zone", p.time_zone}});
  toml::table wallets;
  for (const app::WalletConfig& w : p.wallets) {
    toml::table sources;
    for (const auto& [source, rule] : w.expiry_by_source) {
      sources.insert(source, ledger::to_string(rule));
    }
    wallets.insert(w.name,
                   toml::table{{"unit", w.unit},
                               {"minor_digits", w.minor_digits},
                               {"default_expiry", ledger::to_string(w.default_expiry)},
                               {"hold_ttl_s", w.hold_ttl_s},
                               {"debt_policy", std::string(ledger::to_string(w.debt))},
                               {"restore_policy", std::string(ledger::to_string(w.restore))},
                               {"restored_lot_expiry", ledger::to_string(w.restored_lot_expiry)},
                               {"expiry_by_source", std::move(sources)}});
  }
  root.insert("wallets", std::move(wallets));
  std::ostringstream out;
  out << "# patron program configuration (docs/config.md)\n" << root << "\n";
  return out.str();
}

}  // namespace patron::config
