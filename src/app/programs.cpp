#include "app/programs.h"

#include <date/tz.h>

#include <algorithm>

namespace patron::app {

Program default_program() {
  Program p;
  p.id = kDefaultProgram;
  p.currency = "TWD";
  p.minor_digits = 0;
  p.time_zone = "Asia/Taipei";
  p.wallets = {ledger::default_credit_policy(nullptr), ledger::default_points_policy(nullptr)};
  return p;
}

Result<const date::time_zone*> resolve_zone(const std::string& name) {
  try {
    return date::locate_zone(name);
  } catch (const std::exception& e) {
    return fail(ErrorCode::kInvalidArgument, "time_zone", "unknown time zone '" + name + "'");
  }
}

Result<const ledger::WalletPolicy*> ResolvedProgram::wallet(const std::string& name) const {
  auto it = wallets.find(name);
  if (it == wallets.end()) {
    std::string known;
    for (const auto& [n, w] : wallets) known += (known.empty() ? "" : ", ") + n;
    return fail(ErrorCode::kNotFound, "wallet",
                "program " + program.id + " has no wallet '" + name + "' (wallets: " + known + ")");
  }
  return &it->second;
}

Result<Programs> Programs::load(Store& store) {
  auto list = store.programs();
  if (!list) return std::unexpected(list.error());
  if (list->empty()) {
    if (auto r = store.begin(); !r) return std::unexpected(r.error());
    if (auto r = store.put_program(default_program()); !r) {
      store.rollback();
      return std::unexpected(r.error());
    }
    if (auto r = store.commit(); !r) return std::unexpected(r.error());
    list = store.programs();
    if (!list) return std::unexpected(list.error());
  }
  return resolve(std::move(*list));
}

Programs Programs::resolve(std::vector<Program> list) {
  Programs out;
  for (Program& p : list) {
    auto zone = resolve_zone(p.time_zone);
    if (!zone) {
      out.unresolved_[p.id] = zone.error().message;
      continue;
    }
    ResolvedProgram resolved;
    resolved.zone = *zone;
    for (const WalletConfig& c : p.wallets) {
      ledger::WalletPolicy w = c;
      w.zone = *zone;
      resolved.wallets.emplace(c.name, std::move(w));
    }
    resolved.program = std::move(p);
    std::string id = resolved.program.id;
    out.by_id_.emplace(std::move(id), std::move(resolved));
  }
  return out;
}

Result<const ResolvedProgram*> Programs::find(const std::string& id) const {
  auto it = by_id_.find(id);
  if (auto broken = unresolved_.find(id); broken != unresolved_.end()) {
    return fail(ErrorCode::kFailedPrecondition, "program",
                "program '" + id + "' cannot be used by this process: " + broken->second +
                    " (restart patron after a tz database update)");
  }
  if (it == by_id_.end()) {
    return fail(ErrorCode::kNotFound, "program", "no program '" + id + "'");
  }
  return &it->second;
}

std::map<std::string, std::string> program_settings(const Program& p) {
  std::map<std::string, std::string> out;
  out["program.currency"] = p.currency;
  out["program.minor_digits"] = std::to_string(p.minor_digits);
  out["program.time_zone"] = p.time_zone;
  for (const WalletConfig& w : p.wallets) {
    std::string at = "wallets." + w.name + ".";
    out[at + "unit"] = w.unit;
    out[at + "minor_digits"] = std::to_string(w.minor_digits);
    out[at + "default_expiry"] = ledger::to_string(w.default_expiry);
    out[at + "hold_ttl_s"] = std::to_string(w.hold_ttl_s);
    out[at + "debt_policy"] = std::string(ledger::to_string(w.debt));
    out[at + "restore_policy"] = std::string(ledger::to_string(w.restore));
    out[at + "restored_lot_expiry"] = ledger::to_string(w.restored_lot_expiry);
    for (const auto& [source, rule] : w.expiry_by_source) {
      out[at + "expiry_by_source." + source] = ledger::to_string(rule);
    }
  }
  return out;
}

std::vector<SettingChange> setting_changes(const Program& before, const Program& after) {
  auto a = program_settings(before);
  auto b = program_settings(after);
  std::vector<SettingChange> out;
  for (const auto& [key, value] : a) {
    auto it = b.find(key);
    if (it == b.end()) {
      out.push_back({key, value, std::nullopt});
    } else if (it->second != value) {
      out.push_back({key, value, it->second});
    }
  }
  for (const auto& [key, value] : b) {
    if (!a.count(key)) out.push_back({key, std::nullopt, value});
  }
  std::sort(out.begin(), out.end(),
            [](const SettingChange& x, const SettingChange& y) { return x.key < y.key; });
  return out;
}

}  // namespace patron::app
