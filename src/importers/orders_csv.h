// Order files into order operations (design §5.2): a pure reader, no store, no
// app layer. Reads a CSV file through zlib's gzread in 1 MiB chunks (gzip, as
// for *.gz, is decompressed; a plain file passes through unchanged) and returns
// purchases and returns in time order, with row-level problems listed by
// physical file line instead of failing the file.
//
// Canonical CSV (Preset::kCanonical), RFC 4180, header row, one row per line:
//   order_id,member_id,placed_at,line_id,sku,category,quantity,unit_price,status
// plus optional brand, discount (line, major units), channel and shipping
// (order-level, taken from the order's first row that has one). Unknown
// columns are ignored; `category` and `status` may be absent. Required values:
// order_id, placed_at, line_id, quantity, and for purchases sku and unit_price.
// member_id empty = a guest order. placed_at is ISO 8601, with an offset or
// local to `zone`. unit_price/discount/shipping are converted exactly (more
// decimals than the currency has is a row error). Rows sharing an order_id
// form one order even when not contiguous; the order takes placed_at, member
// and channel from its first row (a later row naming another member is a row
// error), a repeated line_id in an order is a row error.
// A row with a negative quantity or status `refunded` (or `returned`) returns
// |quantity| units of a line of the same order read earlier in the file: the
// line with that line_id, else the lines with that sku (most recent first).
// Returning more units than are left, or a return that matches nothing, is a
// row error. Consecutive return rows of one order at one time form one return
// op with id `<order_id>/return-<n>`; its time is the row's placed_at (never
// earlier than the order's).
//
// Online Retail preset (Preset::kOnlineRetail; UCI "Online Retail", columns
// InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,
// Country; `map` may rename these, e.g. for Online Retail II's "Customer ID"):
// - order id = InvoiceNo, member id = CustomerID without the trailing ".0",
//   sku = StockCode, category empty, line_id = the row's 1-based position in
//   its invoice (counting every row of the invoice, so ids are stable when a
//   row is skipped), time = InvoiceDate local to options.zone (required; pass
//   Europe/London). Prices are GBP with 2 minor digits whatever `minor_digits`
//   says (the file fixes its currency).
// - Invoices starting with `C` are returns: each row gives back |Quantity|
//   units of that customer's earlier purchase lines (earlier in the file) of
//   the same StockCode, most recent first, among units not yet returned. Units
//   that match nothing (bought before the data starts, or fees and discounts
//   such as D, M, AMAZONFEE) add to unmatched_return_units, not errors. One
//   return op per C invoice, return_id = the invoice number; its time is the
//   invoice's (never earlier than a matched order's). A C invoice matching no
//   units gives no op.
// - Odd rows, chosen so that only data that is really broken is an error:
//   * Rows without CustomerID are guest rows (guest_rows). Guest purchases are
//     orders with an empty member_id; guest C rows give no op (guests earn
//     nothing, so there is nothing to take back) and are not unmatched units.
//   * Invoices starting with `A` ("Adjust bad debt", 3 rows) are accounting
//     entries, not sales: skipped (skipped_rows).
//   * Non-C rows with Quantity <= 0 (stock write-offs, 1,336 rows, all priced
//     0) and non-C rows priced 0 (free items and found stock, 1,179 rows) are
//     skipped (skipped_rows): they are not sales and must not absorb returns.
//     A negative price on a non-C row is a row error.
//   * UnitPrice with sub-penny decimals (4 rows of 0.001) is a row error, as
//     in the canonical format. On the full file these 4 are the only errors.
//   * A C row with a positive Quantity is a row error (none in the file).
//   An invoice all of whose rows are skipped or in error gives no op.
//   The whole file: 541,909 rows, 135,080 guest rows, 2,518 skipped, 4 errors;
//   19,959 orders (of 22,064 non-C invoices), 3,133 return ops, 23,970
//   returned units unmatched.
//
// Ops are sorted by time; ties keep file order (an op sits where its first
// row is). A file already in that order can be applied while it is read:
// `on_op` gets each op, in file order, once no later row can change it (256
// newer ops have started; an invoice's rows may interleave with a few
// others'), and the last ones at the end of the file. The calls stop at the
// first op that breaks that promise (a time earlier than the op before, or a
// row adding to an op already passed); ImportFile::streamed then says false,
// and the caller must drop what it did with them and use `ops`.
//
// File-level failures (unreadable file, no header, a required column
// missing, a bad `map` entry, no zone for the preset) are errors; everything
// else is per row, and a row with an error contributes nothing.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

#include "core/error.h"
#include "core/time.h"
#include "rules/order.h"

namespace patron::importers {

enum class Preset { kCanonical, kOnlineRetail };

struct ImportOp;

struct CsvOptions {
  Preset preset = Preset::kCanonical;
  // Column -> header in the file (`--map col=Header`). Keys are the canonical
  // column names, or with kOnlineRetail the preset's column names.
  std::vector<std::pair<std::string, std::string>> map;
  int minor_digits = 0;                   // the program currency's (canonical only)
  const date::time_zone* zone = nullptr;  // times without an offset are local to it
  // Each op as soon as it is final, while the file is read (see above). The
  // reference is valid during the call only.
  std::function<void(const ImportOp&)> on_op;
  // Called once, during the read, when the calls to on_op stop before the
  // end of the file: what was done with them must be dropped.
  std::function<void()> on_stop;
};

// Units of an earlier order line given back.
struct Return {
  std::string order_id;
  std::string line_id;
  int64_t quantity = 0;  // > 0
  friend bool operator==(const Return&, const Return&) = default;
};

struct ImportOp {
  enum class Kind { kOrder, kReturn };
  Instant at{};
  Kind kind = Kind::kOrder;
  rules::Order order;           // kOrder: the whole order, all its lines
  std::string return_id;        // kReturn: stable id
  std::string member_id;        // kReturn: whose order it was (empty = guest)
  std::vector<Return> returns;  // kReturn: never empty
  int64_t first_line = 0;       // file line of the op's first row (for messages)
};

struct RowError {
  int64_t line = 0;     // 1-based physical file line; the header is line 1
  std::string message;  // "<column header>: <what is wrong>"
};

struct ImportFile {
  std::vector<ImportOp> ops;  // in time order
  std::vector<RowError> errors;
  int64_t rows = 0;                    // data rows read (blank lines not counted)
  int64_t guest_rows = 0;              // rows without a member
  int64_t skipped_rows = 0;            // rows deliberately dropped as not sales (see above)
  int64_t unmatched_return_units = 0;  // Online Retail: returned units with no earlier purchase
  // The file was in time order and every op went to on_op as it is in `ops`
  // (computed whether or not on_op was given: a caller that gave none must
  // still apply `ops` itself).
  bool streamed = false;
};

Result<ImportFile> read_orders_csv(const std::string& path, const CsvOptions& options);

}  // namespace patron::importers
