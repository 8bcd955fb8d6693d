#include "app/programs.h"

#include <date/tz.h>

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
  Programs out;
  for (Program& p : *list) {
    auto zone = resolve_zone(p.time_zone);
    if (!zone) return std::unexpected(zone.error());
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
  if (it == by_id_.end()) {
    return fail(ErrorCode::kNotFound, "program", "no program '" + id + "'");
  }
  return &it->second;
}

}  // namespace patron::app
