// The program file's reminders ([reminders], docs/config.md "[reminders]"):
// how many days ahead the reminders job warns of expiring value. (Tier
// warnings use [tiers] warn_days.)
#include <toml++/toml.h>

#include <algorithm>

#include "config/reader.h"

namespace patron::config::detail {

namespace {

// days = [7, 1]: 1 to 8 distinct whole numbers of 1 to 365, kept ascending.
Result<std::vector<int64_t>> day_list(const Reader& r, const toml::table& t, std::string_view key) {
  std::vector<int64_t> out;
  const toml::node* n = t.get(key);
  if (n == nullptr) return out;
  const std::string k = Reader::join("reminders", key);
  if (!n->is_array() || n->as_array()->empty() || n->as_array()->size() > 8) {
    return r.error(n, k, "must be an array of 1 to 8 day counts ([7, 1])");
  }
  for (const toml::node& item : *n->as_array()) {
    if (!item.is_integer() || item.as_integer()->get() < 1 || item.as_integer()->get() > 365) {
      return r.error(&item, k, "each must be a whole number of days from 1 to 365");
    }
    int64_t d = item.as_integer()->get();
    if (std::find(out.begin(), out.end(), d) != out.end()) {
      return r.error(&item, k, "lists " + std::to_string(d) + " twice");
    }
    out.push_back(d);
  }
  std::sort(out.begin(), out.end());
  return out;
}

}  // namespace

Result<void> parse_reminders(const Reader& r, const toml::table& root, app::Program& p) {
  const toml::node* n = root.get("reminders");
  if (n == nullptr) return {};
  if (!n->is_table()) return r.error(n, "reminders", "must be a table ([reminders])");
  const toml::table& t = *n->as_table();
  if (auto ok = r.only(t, "reminders", {"expiry_days"}); !ok) return std::unexpected(ok.error());
  auto expiry = day_list(r, t, "expiry_days");
  if (!expiry) return std::unexpected(expiry.error());
  p.rules.reminders.expiry_days = std::move(*expiry);
  return {};
}

}  // namespace patron::config::detail
