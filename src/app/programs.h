// Program configurations resolved for execution: the time zone looked up in
// the tz database once, and one ledger::WalletPolicy per wallet.
#pragma once

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "app/model.h"
#include "app/store.h"
#include "ledger/policy.h"

namespace patron::app {

struct ResolvedProgram {
  Program program;
  const date::time_zone* zone = nullptr;
  std::map<std::string, ledger::WalletPolicy> wallets;

  Result<const ledger::WalletPolicy*> wallet(const std::string& name) const;
};

class Programs {
 public:
  // Reads every program; creates the default program in an empty database.
  static Result<Programs> load(Store& store);
  // Resolves stored programs (time zones, wallet policies). A program whose
  // time zone this process cannot resolve (a tz database older than the one
  // that accepted it) is kept aside: find() reports it, the others work.
  static Programs resolve(std::vector<Program> list);
  Result<const ResolvedProgram*> find(const std::string& id) const;
  const std::map<std::string, ResolvedProgram>& all() const { return by_id_; }

 private:
  std::map<std::string, ResolvedProgram> by_id_;
  std::map<std::string, std::string> unresolved_;  // program id -> why
};

Result<const date::time_zone*> resolve_zone(const std::string& name);

// Every setting of a program as "dotted.key" -> value text, keys named as in
// the configuration file (docs/config.md), earn rules and member days by id
// (`earning.rules.rebate.rate`, `member_days.day8.multiplier`), tier levels
// by id (`tiers.basis`, `tiers.levels.silver.entry`), rewards by id
// (`rewards.signup_gift.amount`, `rewards.signup_gift.limit.lifetime`): what
// `program apply --dry-run` compares. The version is not a setting.
std::map<std::string, std::string> program_settings(const Program& program);

struct SettingChange {
  std::string key;
  std::optional<std::string> before;  // nullopt: added
  std::optional<std::string> after;   // nullopt: removed
};
std::vector<SettingChange> setting_changes(const Program& before, const Program& after);

}  // namespace patron::app
