// The program file's replenishment reminders ([replenishment], docs/config.md
// "[replenishment]"): how far ahead of and after a member's expected
// repurchase the replenishment job reminds them, which gaps count as
// intervals, and which SKUs it watches. Absent: the job does nothing.
#include <toml++/toml.h>

#include <tuple>
#include <utility>

#include "config/reader.h"
#include "core/limits.h"

namespace patron::config::detail {

Result<void> parse_replenishment(const Reader& r, const toml::table& root, app::Program& p) {
  const toml::node* n = root.get("replenishment");
  if (n == nullptr) return {};
  if (!n->is_table()) return r.error(n, "replenishment", "must be a table ([replenishment])");
  const toml::table& t = *n->as_table();
  const std::string at = "replenishment";
  if (auto ok =
          r.only(t, at, {"lead_days", "late_days", "min_interval_days", "categories", "skus"});
      !ok) {
    return std::unexpected(ok.error());
  }
  rules::Replenishment out;
  for (auto [key, slot, min, max] :
       {std::tuple{"lead_days", &out.lead_days, int64_t{0}, limits::kReplenishmentLeadDaysMax},
        std::tuple{"late_days", &out.late_days, int64_t{0}, limits::kReplenishmentLateDaysMax},
        std::tuple{"min_interval_days", &out.min_interval_days, int64_t{1},
                   limits::kReplenishmentIntervalDaysMax}}) {
    auto v = r.integer(t, at, key, min, max);
    if (!v) return std::unexpected(v.error());
    if (*v) *slot = **v;
  }
  for (auto [key, slot] :
       {std::pair{"categories", &out.categories}, std::pair{"skus", &out.skus}}) {
    auto list = r.strings(t, at, key, limits::kEarnRuleListMax, limits::kIdBytesMax);
    if (!list) return std::unexpected(list.error());
    *slot = std::move(*list);
  }
  p.rules.replenishment = std::move(out);
  return {};
}

toml::table replenishment_table(const rules::Replenishment& replenishment) {
  toml::table t{{"lead_days", replenishment.lead_days},
                {"late_days", replenishment.late_days},
                {"min_interval_days", replenishment.min_interval_days}};
  if (!replenishment.categories.empty()) {
    t.insert("categories", string_array(replenishment.categories));
  }
  if (!replenishment.skus.empty()) t.insert("skus", string_array(replenishment.skus));
  return t;
}

}  // namespace patron::config::detail
