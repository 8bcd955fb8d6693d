#include "importers/orders_csv.h"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <deque>
#include <limits>
#include <memory>
#include <string_view>
#include <unordered_map>

#include "core/limits.h"
#include "core/money.h"

namespace patron::importers {

namespace {

// ---------------------------------------------------------------------------
// Streaming RFC 4180 reader over zlib (gzread reads plain files as they are).

constexpr std::size_t kBufferBytes = 1 << 20;  // records are parsed in place
constexpr unsigned kZlibBufferBytes = 256 * 1024;

struct GzCloser {
  void operator()(gzFile_s* f) const { gzclose(f); }
};
using GzHandle = std::unique_ptr<gzFile_s, GzCloser>;

class CsvReader {
 public:
  explicit CsvReader(gzFile f) : file_(f), buffer_(kBufferBytes) {}

  // The next record's fields (valid until the next call) and the physical
  // line it starts on. false at the end of the input.
  Result<bool> next(std::vector<std::string_view>& fields, int64_t& first_line) {
    for (;;) {
      std::size_t consumed = 0;
      int64_t newlines = 0;
      switch (parse(fields, consumed, newlines)) {
        case Parse::kRecord:
          first_line = line_;
          line_ += newlines;
          pos_ += consumed;
          return true;
        case Parse::kEnd:
          return false;
        case Parse::kBadQuote:
          return fail(
              ErrorCode::kInvalidArgument, "file",
              "unterminated quoted field in the record starting at line " + std::to_string(line_));
        case Parse::kNeedMore:
          if (auto filled = fill(); !filled) return std::unexpected(filled.error());
          break;
      }
    }
  }

 private:
  enum class Parse { kRecord, kEnd, kNeedMore, kBadQuote };

  // Parses one record at pos_ without consuming it.
  Parse parse(std::vector<std::string_view>& fields, std::size_t& consumed, int64_t& newlines) {
    fields.clear();
    std::size_t scratch_used = 0;
    const char* const begin = buffer_.data() + pos_;
    const char* const end = buffer_.data() + len_;
    const char* s = begin;
    if (s == end) return eof_ ? Parse::kEnd : Parse::kNeedMore;
    for (;;) {
      std::string_view field;
      if (s < end && *s == '"') {
        const char* const raw = ++s;
        std::string* unescaped = nullptr;
        for (;;) {
          const auto* q =
              static_cast<const char*>(std::memchr(s, '"', static_cast<std::size_t>(end - s)));
          if (q == nullptr) return eof_ ? Parse::kBadQuote : Parse::kNeedMore;
          if (q + 1 == end && !eof_) return Parse::kNeedMore;  // "" split across reads?
          if (q + 1 < end && q[1] == '"') {
            if (unescaped == nullptr) {
              unescaped = &scratch(scratch_used++);
              unescaped->assign(raw, static_cast<std::size_t>(q + 1 - raw));
            } else {
              unescaped->append(s, static_cast<std::size_t>(q + 1 - s));
            }
            s = q + 2;
            continue;
          }
          newlines += std::count(raw, q, '\n');
          if (unescaped != nullptr) {
            unescaped->append(s, static_cast<std::size_t>(q - s));
            field = *unescaped;
          } else {
            field = std::string_view(raw, static_cast<std::size_t>(q - raw));
          }
          s = q + 1;
          break;
        }
        // Lenient: text between the closing quote and the delimiter is kept.
        if (s < end && *s != ',' && *s != '\n' && *s != '\r') {
          const char* extra = s;
          while (s < end && *s != ',' && *s != '\n') ++s;
          if (s == end && !eof_) return Parse::kNeedMore;
          if (unescaped == nullptr) {
            unescaped = &scratch(scratch_used++);
            unescaped->assign(field);
          }
          unescaped->append(extra, static_cast<std::size_t>(s - extra));
          if (!unescaped->empty() && unescaped->back() == '\r') unescaped->pop_back();
          field = *unescaped;
        }
      } else {
        const char* start = s;
        while (s < end && *s != ',' && *s != '\n') ++s;
        if (s == end && !eof_) return Parse::kNeedMore;
        field = std::string_view(start, static_cast<std::size_t>(s - start));
        if (!field.empty() && field.back() == '\r' && (s == end || *s == '\n')) {
          field.remove_suffix(1);
        }
      }
      fields.push_back(field);
      if (s == end) break;  // eof_: the last record has no line end
      if (*s == ',') {
        ++s;
        continue;
      }
      if (*s == '\r') {  // after a quoted field
        if (s + 1 == end && !eof_) return Parse::kNeedMore;
        ++s;
        if (s < end && *s == '\n') {
          ++s;
          ++newlines;
        }
        break;
      }
      ++s;  // '\n'
      ++newlines;
      break;
    }
    consumed = static_cast<std::size_t>(s - begin);
    return Parse::kRecord;
  }

  std::string& scratch(std::size_t i) {
    if (i == scratch_.size()) scratch_.emplace_back();  // deque: no moves
    return scratch_[i];
  }

  Result<void> fill() {
    if (pos_ > 0) {
      std::memmove(buffer_.data(), buffer_.data() + pos_, len_ - pos_);
      len_ -= pos_;
      pos_ = 0;
    }
    if (len_ == buffer_.size()) buffer_.resize(buffer_.size() * 2);  // a huge record
    std::size_t room = std::min<std::size_t>(buffer_.size() - len_, 1u << 30);
    int n = gzread(file_, buffer_.data() + len_, static_cast<unsigned>(room));
    if (n < 0) {
      int code = 0;
      const char* message = gzerror(file_, &code);
      return fail(ErrorCode::kInvalidArgument, "file",
                  std::string("cannot read the file: ") +
                      (code == Z_ERRNO ? std::strerror(errno) : message));
    }
    if (n == 0) eof_ = true;
    len_ += static_cast<std::size_t>(n);
    return {};
  }

  gzFile file_;
  std::vector<char> buffer_;
  std::size_t pos_ = 0;
  std::size_t len_ = 0;
  bool eof_ = false;
  int64_t line_ = 1;
  std::deque<std::string> scratch_;
};

// ---------------------------------------------------------------------------
// Columns.

struct ColumnSpec {
  const char* name;
  bool required;
};

// Canonical columns (indices into kCanonical).
enum Canonical : int {
  kOrderId,
  kMemberId,
  kPlacedAt,
  kLineId,
  kSku,
  kCategory,
  kQuantity,
  kUnitPrice,
  kStatus,
  kBrand,
  kDiscount,
  kChannel,
  kShipping,
  kCanonicalCount
};
constexpr ColumnSpec kCanonicalColumns[kCanonicalCount] = {
    {"order_id", true},  {"member_id", true}, {"placed_at", true}, {"line_id", true},
    {"sku", true},       {"category", false}, {"quantity", true},  {"unit_price", true},
    {"status", false},   {"brand", false},    {"discount", false}, {"channel", false},
    {"shipping", false},
};

// Online Retail columns (Description and Country are not used).
enum Retail : int {
  kInvoiceNo,
  kStockCode,
  kRetailQuantity,
  kInvoiceDate,
  kRetailUnitPrice,
  kCustomerId,
  kRetailCount
};
constexpr ColumnSpec kRetailColumns[kRetailCount] = {
    {"InvoiceNo", true},   {"StockCode", true}, {"Quantity", true},
    {"InvoiceDate", true}, {"UnitPrice", true}, {"CustomerID", true},
};

constexpr int kRetailMinorDigits = 2;  // the file is in GBP

std::string_view trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return (x | 0x20) == (y | 0x20);
         });
}

bool parse_int64(std::string_view s, int64_t& out) {
  s = trim(s);
  if (!s.empty() && s.front() == '+') s.remove_prefix(1);
  if (s.empty() || s.front() == '+') return false;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc{} && p == s.data() + s.size();
}

bool has_offset(std::string_view s) {
  if (s.size() <= 10) return false;
  if (s.back() == 'Z' || s.back() == 'z') return true;
  return s.size() >= 6 && (s[s.size() - 6] == '+' || s[s.size() - 6] == '-');
}

// Column indices of one preset resolved against the header.
struct Layout {
  std::vector<std::string> names;  // header name per column (for messages)
  std::vector<int> index;          // field index per column, -1 when absent
  std::size_t header_fields = 0;
};

Result<Layout> resolve(const std::vector<std::string_view>& header, const ColumnSpec* specs,
                       int count, const CsvOptions& options) {
  Layout layout;
  layout.header_fields = header.size();
  for (int c = 0; c < count; ++c) layout.names.emplace_back(specs[c].name);
  for (const auto& [column, name] : options.map) {
    int found = -1;
    for (int c = 0; c < count; ++c) {
      if (column == specs[c].name) found = c;
    }
    if (found < 0) {
      std::string known;
      for (int c = 0; c < count; ++c) known += (c ? ", " : "") + std::string(specs[c].name);
      return fail(ErrorCode::kInvalidArgument, "map",
                  "unknown column '" + column + "' (known: " + known + ")");
    }
    if (name.empty()) {
      return fail(ErrorCode::kInvalidArgument, "map",
                  "empty header name for column '" + column + "'");
    }
    layout.names[static_cast<std::size_t>(found)] = name;
  }
  for (int c = 0; c < count; ++c) {
    const std::string& want = layout.names[static_cast<std::size_t>(c)];
    int at = -1;
    for (std::size_t i = 0; i < header.size() && at < 0; ++i) {
      if (trim(header[i]) == want) at = static_cast<int>(i);
    }
    if (at < 0 && specs[c].required) {
      std::string message = "the header has no column '" + want + "'";
      if (want != specs[c].name) message += " (mapped from " + std::string(specs[c].name) + ")";
      return fail(ErrorCode::kInvalidArgument, want, message);
    }
    layout.index.push_back(at);
  }
  return layout;
}

// ---------------------------------------------------------------------------
// Building the ops.

class Builder {
 public:
  Builder(const CsvOptions& options, Layout layout)
      : options_(options), layout_(std::move(layout)) {}

  void row(const std::vector<std::string_view>& fields, int64_t line) {
    fields_ = &fields;
    line_ = line;
    ++out_.rows;
    if (options_.preset == Preset::kOnlineRetail) {
      retail_row();
    } else {
      canonical_row();
    }
  }

  ImportFile finish() {
    flush_pending();
    seal(out_.ops.size());
    out_.streamed = !broken_;
    std::stable_sort(out_.ops.begin(), out_.ops.end(),
                     [](const ImportOp& a, const ImportOp& b) { return a.at < b.at; });
    return std::move(out_);
  }

 private:
  static constexpr std::size_t kNone = std::numeric_limits<std::size_t>::max();

  struct LineRef {
    uint32_t op;
    uint32_t line;
  };

  // Ops more than kStreamLag ops older than the newest are final (rows of
  // an invoice may interleave with a few others': Online Retail's 542806
  // does), and so is every op at the end of the file: hands them to on_op,
  // checking that they come in time order.
  static constexpr std::size_t kStreamLag = 256;

  void seal(std::size_t bound) {
    if (pending_op_ != kNone && pending_op_ < bound) flush_pending();
    for (std::size_t i = sealed_; i < bound && !broken_; ++i) {
      if (i > 0 && out_.ops[i].at < out_.ops[i - 1].at) {
        stop();
        break;
      }
      if (options_.on_op) options_.on_op(out_.ops[i]);
    }
    sealed_ = std::max(sealed_, bound);
  }
  void stop() {
    if (broken_) return;
    broken_ = true;
    if (options_.on_stop) options_.on_stop();
  }
  void seal_old() {
    if (out_.ops.size() > sealed_ + kStreamLag) seal(out_.ops.size() - kStreamLag);
  }

  // An op is about to change: if it was handed out already, the file cannot
  // be streamed.
  void touch(std::size_t op) {
    if (op < sealed_) stop();
  }

  std::string_view get(int column) const {
    int i = layout_.index[static_cast<std::size_t>(column)];
    if (i < 0 || static_cast<std::size_t>(i) >= fields_->size()) return {};
    return (*fields_)[static_cast<std::size_t>(i)];
  }

  // Records a row error; returns false so callers can `return error(...)`.
  bool error(int column, std::string_view message) {
    std::string text =
        column < 0 ? std::string("row") : layout_.names[static_cast<std::size_t>(column)];
    text += ": ";
    text += message;
    out_.errors.push_back(RowError{line_, std::move(text)});
    return false;
  }

  bool short_row() {
    if (fields_->size() >= layout_.header_fields) return false;
    error(-1, "has " + std::to_string(fields_->size()) + " fields, the header has " +
                  std::to_string(layout_.header_fields));
    return true;
  }

  bool time(int column, Instant& at) {
    std::string_view text = trim(get(column));
    if (text.empty()) return error(column, "missing value");
    if (cached_time_valid_ && text == cached_time_text_) {
      at = cached_time_;
      return true;
    }
    if (options_.zone == nullptr && !has_offset(text)) {
      return error(column, "'" + std::string(text) + "' has no offset and no time zone is set");
    }
    auto parsed =
        parse_instant(text, options_.zone, layout_.names[static_cast<std::size_t>(column)]);
    if (!parsed) return error(column, parsed.error().message);
    cached_time_text_.assign(text);
    cached_time_ = *parsed;
    cached_time_valid_ = true;
    at = *parsed;
    return true;
  }

  bool quantity(int column, int64_t& q, bool allow_zero = false) {
    std::string_view text = get(column);
    if (trim(text).empty()) return error(column, "missing value");
    if (!parse_int64(text, q)) return error(column, "not an integer: '" + std::string(text) + "'");
    if (q == 0 && !allow_zero) return error(column, "must not be 0");
    if (q > limits::kAmountMax || q < -limits::kAmountMax) return error(column, "too large");
    return true;
  }

  bool amount(int column, int digits, int64_t& value) {
    std::string_view text = trim(get(column));
    if (text.empty()) return error(column, "missing value");
    auto parsed = parse_major_units(text, digits, layout_.names[static_cast<std::size_t>(column)]);
    if (!parsed) return error(column, parsed.error().message);
    value = *parsed;
    return true;
  }

  bool id(int column, std::string_view value, bool required) {
    if (value.empty()) return required ? error(column, "missing value") : true;
    if (value.size() > limits::kIdBytesMax) {
      return error(column, "longer than " + std::to_string(limits::kIdBytesMax) + " bytes");
    }
    return true;
  }

  std::size_t new_order(std::string_view order_id, std::string_view member, Instant at) {
    seal_old();
    ImportOp op;
    op.at = at;
    op.kind = ImportOp::Kind::kOrder;
    op.order.id.assign(order_id);
    op.order.member_id.assign(member);
    op.order.placed_at = at;
    op.first_line = line_;
    out_.ops.push_back(std::move(op));
    left_.emplace_back();
    return out_.ops.size() - 1;
  }

  std::size_t new_return(std::string return_id, std::string_view member, Instant at) {
    seal_old();
    ImportOp op;
    op.at = at;
    op.kind = ImportOp::Kind::kReturn;
    op.return_id = std::move(return_id);
    op.member_id.assign(member);
    op.first_line = line_;
    out_.ops.push_back(std::move(op));
    left_.emplace_back();
    return out_.ops.size() - 1;
  }

  void add_return(std::size_t return_op, LineRef ref, int64_t units) {
    touch(return_op);
    ImportOp& order_op = out_.ops[ref.op];
    ImportOp& op = out_.ops[return_op];
    left_[ref.op][ref.line] -= units;
    op.at = std::max(op.at, order_op.at);
    const std::string& line_id = order_op.order.lines[ref.line].line_id;
    for (auto& r : op.returns) {
      if (r.order_id == order_op.order.id && r.line_id == line_id) {
        r.quantity += units;
        return;
      }
    }
    op.returns.push_back(Return{order_op.order.id, line_id, units});
  }

  // --- canonical -----------------------------------------------------------

  void canonical_row() {
    if (short_row()) return;
    std::string_view order_id = get(kOrderId);
    std::string_view member = get(kMemberId);
    std::string_view line_id = get(kLineId);
    if (member.empty()) ++out_.guest_rows;
    if (!id(kOrderId, order_id, true) || !id(kMemberId, member, false) ||
        !id(kLineId, line_id, true)) {
      return;
    }
    Instant at{};
    int64_t q = 0;
    if (!time(kPlacedAt, at) || !quantity(kQuantity, q)) return;
    std::string_view status = trim(get(kStatus));
    bool is_return = q < 0 || iequals(status, "refunded") || iequals(status, "returned");
    auto found = orders_.find(std::string(order_id));
    std::size_t op_index = found == orders_.end() ? kNone : found->second.op;
    if (op_index != kNone && out_.ops[op_index].order.member_id != member) {
      error(kMemberId, "'" + std::string(member) + "' differs from the order's member '" +
                           out_.ops[op_index].order.member_id + "' (line " +
                           std::to_string(out_.ops[op_index].first_line) + ")");
      return;
    }
    if (is_return) {
      canonical_return(order_id, member, line_id, at, q < 0 ? -q : q, op_index);
    } else {
      canonical_purchase(order_id, member, line_id, at, q, op_index);
    }
  }

  void canonical_purchase(std::string_view order_id, std::string_view member,
                          std::string_view line_id, Instant at, int64_t q, std::size_t op_index) {
    std::string_view sku = get(kSku);
    if (!id(kSku, sku, true)) return;
    int64_t price = 0;
    if (!amount(kUnitPrice, options_.minor_digits, price)) return;
    if (price < 0) {
      error(kUnitPrice, "must not be negative");
      return;
    }
    auto gross = checked_mul(q, price);
    if (!gross || *gross > limits::kAmountMax) {
      error(kUnitPrice, "quantity x unit_price is too large");
      return;
    }
    int64_t discount = 0;
    if (!trim(get(kDiscount)).empty()) {
      if (!amount(kDiscount, options_.minor_digits, discount)) return;
      if (discount < 0 || discount > *gross) {
        error(kDiscount, "must be between 0 and the line's quantity x unit_price");
        return;
      }
    }
    int64_t shipping = 0;
    if (!trim(get(kShipping)).empty()) {
      if (!amount(kShipping, options_.minor_digits, shipping)) return;
      if (shipping < 0) {
        error(kShipping, "must not be negative");
        return;
      }
    }
    if (op_index != kNone) {
      for (const auto& l : out_.ops[op_index].order.lines) {
        if (l.line_id == line_id) {
          error(kLineId, "line '" + std::string(line_id) + "' appears twice in order '" +
                             std::string(order_id) + "'");
          return;
        }
      }
      touch(op_index);
    } else {
      op_index = new_order(order_id, member, at);
      orders_.emplace(std::string(order_id), OrderState{op_index, 0});
    }
    rules::Order& order = out_.ops[op_index].order;
    if (order.channel.empty()) order.channel.assign(trim(get(kChannel)));
    if (order.shipping == 0) order.shipping = shipping;
    rules::OrderLine l;
    l.line_id.assign(line_id);
    l.sku.assign(sku);
    l.category.assign(get(kCategory));
    l.brand.assign(get(kBrand));
    l.quantity = q;
    l.unit_price = price;
    l.discount = discount;
    order.lines.push_back(std::move(l));
    left_[op_index].push_back(q);
  }

  void canonical_return(std::string_view order_id, std::string_view member,
                        std::string_view line_id, Instant at, int64_t units, std::size_t op_index) {
    if (op_index == kNone) {
      error(kOrderId, "return of order '" + std::string(order_id) +
                          "', which has no purchase earlier in the file");
      return;
    }
    const auto& lines = out_.ops[op_index].order.lines;
    const auto& left = left_[op_index];
    std::vector<LineRef> refs;  // most recent first
    int64_t available = 0;
    for (std::size_t i = 0; i < lines.size(); ++i) {
      if (lines[i].line_id == line_id) {
        refs.push_back({static_cast<uint32_t>(op_index), static_cast<uint32_t>(i)});
        available = left[i];
      }
    }
    std::string_view sku = get(kSku);
    if (refs.empty() && !sku.empty()) {
      for (std::size_t i = lines.size(); i-- > 0;) {
        if (lines[i].sku == sku && left[i] > 0) {
          refs.push_back({static_cast<uint32_t>(op_index), static_cast<uint32_t>(i)});
          available += left[i];
        }
      }
      if (refs.empty()) {
        error(kLineId, "return matches no line of order '" + std::string(order_id) +
                           "': no line '" + std::string(line_id) + "' and no units left of sku '" +
                           std::string(sku) + "'");
        return;
      }
    }
    if (refs.empty()) {
      error(kLineId, "return matches no line of order '" + std::string(order_id) + "': no line '" +
                         std::string(line_id) + "'");
      return;
    }
    if (available < units) {
      error(kQuantity, "returns " + std::to_string(units) + " units but only " +
                           std::to_string(available) + " are left to return");
      return;
    }
    OrderState& state = orders_.find(std::string(order_id))->second;
    at = std::max(at, out_.ops[op_index].at);
    std::size_t return_op = kNone;
    if (!out_.ops.empty() && state.last_return_op == out_.ops.size() - 1 &&
        out_.ops.back().at == at) {
      return_op = out_.ops.size() - 1;
    } else {
      return_op = new_return(std::string(order_id) + "/return-" + std::to_string(++state.returns),
                             member, at);
      state.last_return_op = return_op;
    }
    for (LineRef ref : refs) {
      int64_t take = std::min(units, left_[ref.op][ref.line]);
      if (take > 0) add_return(return_op, ref, take);
      units -= take;
      if (units == 0) break;
    }
  }

  // --- Online Retail ---------------------------------------------------------

  void retail_row() {
    if (short_row()) return;
    std::string_view invoice = get(kInvoiceNo);
    std::string_view customer = get(kCustomerId);
    if (customer.size() > 2 && customer.ends_with(".0")) customer.remove_suffix(2);
    if (customer.empty()) ++out_.guest_rows;
    if (!id(kInvoiceNo, invoice, true) || !id(kCustomerId, customer, false)) return;

    if (last_invoice_ == nullptr || invoice != last_invoice_->first) {
      flush_pending();
      last_invoice_ = &*invoices_.try_emplace(std::string(invoice)).first;
    }
    InvoiceState& state = last_invoice_->second;
    int64_t position = ++state.rows;  // line ids count every row: stable under skips

    if (invoice.front() == 'A') {  // "Adjust bad debt": accounting, not a sale
      ++out_.skipped_rows;
      return;
    }
    bool is_return = invoice.front() == 'C';
    int64_t q = 0;
    if (!quantity(kRetailQuantity, q, /*allow_zero=*/!is_return)) return;
    if (is_return && q > 0) {
      error(kRetailQuantity, "a cancellation (C invoice) needs a negative quantity");
      return;
    }
    if (!is_return && q <= 0) {  // stock write-off
      ++out_.skipped_rows;
      return;
    }
    int64_t price = 0;
    if (!is_return) {
      if (!amount(kRetailUnitPrice, kRetailMinorDigits, price)) return;
      if (price < 0) {
        error(kRetailUnitPrice, "negative price on a sale");
        return;
      }
      if (price == 0) {  // free item or found stock
        ++out_.skipped_rows;
        return;
      }
    }
    std::string_view sku = get(kStockCode);
    if (!id(kStockCode, sku, true)) return;
    Instant at{};
    if (!time(kInvoiceDate, at)) return;
    if (state.has_member && state.member != customer) {
      error(kCustomerId, "'" + std::string(customer) + "' differs from the invoice's customer '" +
                             state.member + "'");
      return;
    }
    if (!state.has_member) {
      state.member.assign(customer);
      state.has_member = true;
    }

    if (is_return) {
      if (customer.empty()) return;  // guests earned nothing: nothing to take back
      int64_t units = -q;
      const std::size_t hash = std::hash<std::string_view>{}(sku);
      auto& bought = customer_lines(customer);
      for (std::size_t i = bought.size(); i-- > 0 && units > 0;) {
        const Bought& b = bought[i];
        if (b.sku_hash != hash) continue;
        int64_t& left = left_[b.ref.op][b.ref.line];
        if (left == 0 || out_.ops[b.ref.op].order.lines[b.ref.line].sku != sku) continue;
        int64_t take = std::min(units, left);
        if (state.op == kNone) state.op = new_return(std::string(invoice), customer, at);
        add_return(state.op, b.ref, take);
        units -= take;
      }
      out_.unmatched_return_units += units;
      return;
    }

    if (state.op == kNone) state.op = new_order(invoice, customer, at);
    pending_op_ = state.op;
    std::size_t index = out_.ops[state.op].order.lines.size() + pending_.size();
    rules::OrderLine& l = pending_.emplace_back();
    l.line_id = std::to_string(position);
    l.sku.assign(sku);
    l.quantity = q;
    l.unit_price = price;
    if (!customer.empty()) {
      customer_lines(customer).push_back(
          Bought{std::hash<std::string_view>{}(sku),
                 {static_cast<uint32_t>(state.op), static_cast<uint32_t>(index)}});
    }
  }

  // The current invoice's lines are gathered in pending_ and moved into the
  // order in one exact allocation when the invoice changes: no vector growth
  // garbage for half a million lines.
  void flush_pending() {
    if (pending_op_ == kNone) return;
    touch(pending_op_);
    auto& lines = out_.ops[pending_op_].order.lines;
    auto& left = left_[pending_op_];
    lines.reserve(lines.size() + pending_.size());
    left.reserve(left.size() + pending_.size());
    for (auto& l : pending_) {
      left.push_back(l.quantity);
      lines.push_back(std::move(l));
    }
    pending_.clear();
    pending_op_ = kNone;
  }

  // A customer's purchase lines in file order. C rows scan them from the end:
  // cheap (a customer's C rows times their lines is 2.5M steps on the whole
  // file) and much cheaper than a hash map entry per purchase row.
  struct Bought {
    std::size_t sku_hash;
    LineRef ref;
  };

  std::vector<Bought>& customer_lines(std::string_view customer) {
    if (last_customer_ == nullptr || last_customer_->first != customer) {
      last_customer_ = &*customers_.try_emplace(std::string(customer)).first;
    }
    return last_customer_->second;
  }

  struct OrderState {
    std::size_t op = kNone;
    int64_t returns = 0;
    std::size_t last_return_op = kNone;
  };
  struct InvoiceState {
    std::size_t op = kNone;  // the invoice's order or return op
    int64_t rows = 0;
    bool has_member = false;
    std::string member;
  };

  const CsvOptions& options_;
  Layout layout_;
  ImportFile out_;
  const std::vector<std::string_view>* fields_ = nullptr;
  int64_t line_ = 0;
  std::vector<std::vector<int64_t>> left_;  // per op: units of each line not yet returned
  std::unordered_map<std::string, OrderState> orders_;      // canonical: order id -> state
  std::unordered_map<std::string, InvoiceState> invoices_;  // Online Retail
  std::pair<const std::string, InvoiceState>* last_invoice_ = nullptr;
  std::vector<rules::OrderLine> pending_;  // Online Retail: the current invoice's new lines
  std::size_t pending_op_ = kNone;
  std::unordered_map<std::string, std::vector<Bought>> customers_;  // Online Retail
  std::pair<const std::string, std::vector<Bought>>* last_customer_ = nullptr;
  std::string cached_time_text_;
  Instant cached_time_{};
  bool cached_time_valid_ = false;
  std::size_t sealed_ = 0;  // ops [0, sealed_) are final and were handed to on_op
  bool broken_ = false;     // the file cannot be streamed (see orders_csv.h)
};

}  // namespace

Result<ImportFile> read_orders_csv(const std::string& path, const CsvOptions& options) {
  if (options.preset == Preset::kOnlineRetail && options.zone == nullptr) {
    return fail(ErrorCode::kInvalidArgument, "zone",
                "the Online Retail preset needs a time zone (Europe/London)");
  }
  if (options.minor_digits < 0 || options.minor_digits > 6) {
    return fail(ErrorCode::kInvalidArgument, "minor_digits", "must be between 0 and 6");
  }
  errno = 0;
  GzHandle file(gzopen(path.c_str(), "rb"));
  if (!file) {
    return fail(ErrorCode::kNotFound, "path",
                "cannot open '" + path + "': " + (errno ? std::strerror(errno) : "out of memory"));
  }
  gzbuffer(file.get(), kZlibBufferBytes);
  CsvReader reader(file.get());
  std::vector<std::string_view> fields;
  int64_t line = 0;

  auto got = reader.next(fields, line);
  if (!got) return std::unexpected(got.error());
  if (!*got)
    return fail(ErrorCode::kInvalidArgument, "file", "'" + path + "' is empty: no header row");
  if (!fields.empty() && fields[0].starts_with("\xEF\xBB\xBF")) fields[0].remove_prefix(3);
  auto layout = options.preset == Preset::kOnlineRetail
                    ? resolve(fields, kRetailColumns, kRetailCount, options)
                    : resolve(fields, kCanonicalColumns, kCanonicalCount, options);
  if (!layout) return std::unexpected(layout.error());

  Builder builder(options, std::move(*layout));
  for (;;) {
    got = reader.next(fields, line);
    if (!got) return std::unexpected(got.error());
    if (!*got) break;
    if (fields.size() == 1 && fields[0].empty()) continue;  // blank line
    builder.row(fields, line);
  }
  return builder.finish();
}

}  // namespace patron::importers
