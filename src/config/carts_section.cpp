// The program file's abandoned cart reminders ([carts], docs/config.md
// "[carts]"): how long a cart stays idle before its reminder, after how long
// it is too old to remind, and the smallest cart worth a reminder.
#include <toml++/toml.h>

#include "config/reader.h"

namespace patron::config::detail {

Result<void> parse_carts(const Reader& r, const toml::table& root, app::Program& p) {
  const toml::node* n = root.get("carts");
  if (n == nullptr) return {};
  if (!n->is_table()) return r.error(n, "carts", "must be a table ([carts])");
  const toml::table& t = *n->as_table();
  if (auto ok = r.only(t, "carts", {"remind_after_hours", "ignore_after_hours", "min_total"});
      !ok) {
    return std::unexpected(ok.error());
  }
  rules::Carts c;
  c.enabled = true;
  auto remind = r.integer(t, "carts", "remind_after_hours", 1, 720);
  if (!remind) return std::unexpected(remind.error());
  c.remind_after_hours = remind->value_or(4);
  auto ignore = r.integer(t, "carts", "ignore_after_hours", 2, 2160);
  if (!ignore) return std::unexpected(ignore.error());
  c.ignore_after_hours = ignore->value_or(std::max<int64_t>(72, c.remind_after_hours + 1));
  if (c.ignore_after_hours <= c.remind_after_hours) {
    return r.error(t.get("ignore_after_hours") ? t.get("ignore_after_hours") : n,
                   "carts.ignore_after_hours", "must be more than remind_after_hours");
  }
  auto min_total = r.amount(t, "carts", "min_total", p.minor_digits, p.currency);
  if (!min_total) return std::unexpected(min_total.error());
  c.min_total = min_total->value_or(0);
  p.rules.carts = c;
  return {};
}

toml::table carts_table(const app::Program& p) {
  const rules::Carts& c = p.rules.carts;
  toml::table t{{"remind_after_hours", c.remind_after_hours},
                {"ignore_after_hours", c.ignore_after_hours}};
  insert_amount(t, "min_total", c.min_total, p.minor_digits);
  return t;
}

}  // namespace patron::config::detail
