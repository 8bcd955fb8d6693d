#include "app/checkout_json.h"

#include <algorithm>
#include <boost/json.hpp>
#include <charconv>

#include "core/limits.h"
#include "core/money.h"

namespace patron::app {

namespace json = boost::json;

namespace {

Result<void> only(const json::object& o, const std::string& at,
                  std::initializer_list<std::string_view> known) {
  for (const auto& [key, value] : o) {
    if (std::find(known.begin(), known.end(), std::string_view(key)) == known.end()) {
      return fail(ErrorCode::kInvalidArgument,
                  at.empty() ? std::string(key) : at + "." + std::string(key),
                  "is not a known field");
    }
  }
  return {};
}

Result<std::string> text(const json::object& o, const std::string& at, std::string_view key,
                         bool required) {
  const json::value* v = o.if_contains(key);
  std::string field = at + "." + std::string(key);
  if (v == nullptr || v->is_null()) {
    if (required) return fail(ErrorCode::kInvalidArgument, field, "is required");
    return std::string();
  }
  if (!v->is_string()) return fail(ErrorCode::kInvalidArgument, field, "must be a string");
  std::string s(v->as_string());
  if (s.size() > limits::kIdBytesMax) {
    return fail(ErrorCode::kInvalidArgument, field, "is longer than 128 bytes");
  }
  if (required && s.empty()) return fail(ErrorCode::kInvalidArgument, field, "is empty");
  return s;
}

// An amount: a minor-unit integer, or (kMajorUnits) a decimal in major units
// written as a number or a string.
Result<int64_t> amount(const json::value& v, PriceStyle style, int digits,
                       const std::string& field) {
  if (style == PriceStyle::kMinorUnits) {
    if (v.is_int64()) return v.as_int64();
    if (v.is_uint64() && v.as_uint64() <= static_cast<uint64_t>(limits::kAmountMax)) {
      return static_cast<int64_t>(v.as_uint64());
    }
    return fail(ErrorCode::kInvalidArgument, field, "must be a whole number of minor units");
  }
  std::string textual;
  if (v.is_int64()) {
    textual = std::to_string(v.as_int64());
  } else if (v.is_uint64()) {
    textual = std::to_string(v.as_uint64());
  } else if (v.is_double()) {
    // The shortest text that reads back as the same double: 2.55 -> "2.55".
    char buffer[64];
    auto [end, ec] = std::to_chars(buffer, buffer + sizeof buffer, v.as_double());
    if (ec != std::errc{}) return fail(ErrorCode::kInvalidArgument, field, "is not a number");
    textual.assign(buffer, end);
  } else if (v.is_string()) {
    textual = std::string(v.as_string());
  } else {
    return fail(ErrorCode::kInvalidArgument, field, "must be an amount (2.55 or \"2.55\")");
  }
  return parse_major_units(textual, digits, field);
}

Result<int64_t> optional_amount(const json::object& o, std::string_view key, PriceStyle style,
                                int digits, const std::string& at) {
  const json::value* v = o.if_contains(key);
  if (v == nullptr || v->is_null()) return 0;
  return amount(*v, style, digits, at + "." + std::string(key));
}

Result<rules::OrderLine> line_from_json(const json::value& v, PriceStyle style, int digits,
                                        const std::string& at) {
  if (!v.is_object()) return fail(ErrorCode::kInvalidArgument, at, "must be an object");
  const json::object& o = v.as_object();
  if (auto ok = only(
          o, at,
          {"line_id", "sku", "category", "brand", "quantity", "unit_price", "discount", "reward"});
      !ok) {
    return std::unexpected(ok.error());
  }
  rules::OrderLine line;
  auto id = text(o, at, "line_id", true);
  if (!id) return std::unexpected(id.error());
  line.line_id = std::move(*id);
  for (auto [key, slot] : {std::pair{"sku", &line.sku}, std::pair{"category", &line.category},
                           std::pair{"brand", &line.brand}}) {
    auto value = text(o, at, key, false);
    if (!value) return std::unexpected(value.error());
    *slot = std::move(*value);
  }
  const json::value* quantity = o.if_contains("quantity");
  if (quantity == nullptr || !quantity->is_int64()) {
    return fail(ErrorCode::kInvalidArgument, at + ".quantity", "is required: a whole number");
  }
  line.quantity = quantity->as_int64();
  const json::value* price = o.if_contains("unit_price");
  if (price == nullptr) return fail(ErrorCode::kInvalidArgument, at + ".unit_price", "is required");
  auto unit_price = amount(*price, style, digits, at + ".unit_price");
  if (!unit_price) return std::unexpected(unit_price.error());
  line.unit_price = *unit_price;
  auto discount = optional_amount(o, "discount", style, digits, at);
  if (!discount) return std::unexpected(discount.error());
  line.discount = *discount;
  if (const json::value* reward = o.if_contains("reward"); reward && !reward->is_null()) {
    if (!reward->is_bool()) {
      return fail(ErrorCode::kInvalidArgument, at + ".reward", "must be true or false");
    }
    line.reward = reward->as_bool();
  }
  return line;
}

}  // namespace

Result<rules::Order> cart_from_json(const json::value& v, PriceStyle style, int minor_digits,
                                    const std::string& field) {
  if (!v.is_object()) return fail(ErrorCode::kInvalidArgument, field, "must be an object");
  const json::object& o = v.as_object();
  if (auto ok = only(o, field, {"lines", "shipping", "channel"}); !ok) {
    return std::unexpected(ok.error());
  }
  rules::Order cart;
  auto channel = text(o, field, "channel", false);
  if (!channel) return std::unexpected(channel.error());
  cart.channel = std::move(*channel);
  auto shipping = optional_amount(o, "shipping", style, minor_digits, field);
  if (!shipping) return std::unexpected(shipping.error());
  cart.shipping = *shipping;
  const json::value* lines = o.if_contains("lines");
  if (lines == nullptr || !lines->is_array()) {
    return fail(ErrorCode::kInvalidArgument, field + ".lines",
                "is required: an array of cart lines");
  }
  if (lines->as_array().size() > limits::kLinesMax) {
    return fail(ErrorCode::kInvalidArgument, field + ".lines",
                "has more than " + std::to_string(limits::kLinesMax) + " lines");
  }
  for (std::size_t i = 0; i < lines->as_array().size(); ++i) {
    auto line = line_from_json(lines->as_array()[i], style, minor_digits,
                               field + ".lines[" + std::to_string(i) + "]");
    if (!line) return std::unexpected(line.error());
    cart.lines.push_back(std::move(*line));
  }
  return cart;
}

Result<void> coupons_and_use_from_json(const json::object& body, CheckoutRequest& out) {
  if (const json::value* coupons = body.if_contains("coupons"); coupons && !coupons->is_null()) {
    if (!coupons->is_array()) {
      return fail(ErrorCode::kInvalidArgument, "coupons", "must be an array of codes");
    }
    for (std::size_t i = 0; i < coupons->as_array().size(); ++i) {
      const json::value& code = coupons->as_array()[i];
      std::string field = "coupons[" + std::to_string(i) + "]";
      if (!code.is_string() || code.as_string().empty() ||
          code.as_string().size() > limits::kIdBytesMax) {
        return fail(ErrorCode::kInvalidArgument, field, "must be a code of 1 to 128 bytes");
      }
      out.coupons.emplace_back(code.as_string());
    }
  }
  if (const json::value* use = body.if_contains("use"); use && !use->is_null()) {
    if (!use->is_object()) {
      return fail(ErrorCode::kInvalidArgument, "use",
                  "must be an object of wallet amounts ({\"credit\": 100})");
    }
    for (const auto& [wallet, value] : use->as_object()) {
      std::string field = "use." + std::string(wallet);
      if (!value.is_int64()) {
        return fail(ErrorCode::kInvalidArgument, field,
                    "must be a whole number of the wallet's minor units");
      }
      out.use.emplace_back(std::string(wallet), value.as_int64());
    }
  }
  return {};
}

}  // namespace patron::app
