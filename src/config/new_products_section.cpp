// The program file's new-product notices ([new_products], docs/config.md
// "[new_products]"): how far back a member's purchases count as interest.
#include <toml++/toml.h>

#include "config/reader.h"

namespace patron::config::detail {

Result<void> parse_new_products(const Reader& r, const toml::table& root, app::Program& p) {
  const toml::node* n = root.get("new_products");
  if (n == nullptr) return {};
  if (!n->is_table()) return r.error(n, "new_products", "must be a table ([new_products])");
  const toml::table& t = *n->as_table();
  if (auto ok = r.only(t, "new_products", {"lookback_days"}); !ok) {
    return std::unexpected(ok.error());
  }
  auto lookback = r.integer(t, "new_products", "lookback_days", 1, 3650);
  if (!lookback) return std::unexpected(lookback.error());
  p.rules.new_products = rules::NewProducts{true, lookback->value_or(365)};
  return {};
}

toml::table new_products_table(const rules::NewProducts& n) {
  return toml::table{{"lookback_days", n.lookback_days}};
}

}  // namespace patron::config::detail
