#include "importers/orders_csv.h"

#include <date/tz.h>
#include <gtest/gtest.h>
#include <zlib.h>

#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "../support/temp_dir.h"

namespace patron::importers {
namespace {

using patron::testing::TempDir;
using Kind = ImportOp::Kind;

const std::string kShared = PATRON_SHARED_DATA;
const std::string kRetailFile = kShared + "/online_retail.csv.gz";

const date::time_zone* taipei() {
  return date::locate_zone("Asia/Taipei");
}
const date::time_zone* london() {
  return date::locate_zone("Europe/London");
}

Instant utc(const std::string& iso) {
  return parse_instant(iso, nullptr, "t").value();
}

void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
}

void write_gz(const std::string& path, const std::string& text) {
  gzFile f = gzopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(gzwrite(f, text.data(), static_cast<unsigned>(text.size())),
            static_cast<int>(text.size()));
  ASSERT_EQ(gzclose(f), Z_OK);
}

// Every line of a gzip file (without the line end).
std::vector<std::string> gz_lines(const std::string& path, std::size_t max_lines = SIZE_MAX) {
  std::vector<std::string> lines;
  gzFile f = gzopen(path.c_str(), "rb");
  if (f == nullptr) return lines;
  std::string line;
  char buf[4096];
  while (lines.size() < max_lines && gzgets(f, buf, sizeof buf) != nullptr) {
    line += buf;
    if (line.back() != '\n') continue;
    line.pop_back();
    lines.push_back(line);
    line.clear();
  }
  gzclose(f);
  return lines;
}

CsvOptions canonical(int digits = 2, const date::time_zone* zone = taipei()) {
  CsvOptions o;
  o.minor_digits = digits;
  o.zone = zone;
  return o;
}

ImportFile read_ok(const std::string& path, const CsvOptions& options) {
  auto r = read_orders_csv(path, options);
  EXPECT_TRUE(r.has_value()) << (r ? "" : r.error().field + ": " + r.error().message);
  return r ? std::move(*r) : ImportFile{};
}

const ImportOp* find_order(const ImportFile& f, const std::string& id) {
  for (const auto& op : f.ops) {
    if (op.kind == Kind::kOrder && op.order.id == id) return &op;
  }
  return nullptr;
}

// The time of an order op; the epoch when there is none (the test then fails).
Instant order_time(const ImportFile& f, const std::string& id) {
  const ImportOp* op = find_order(f, id);
  EXPECT_NE(op, nullptr) << id;
  return op ? op->at : Instant{};
}

std::string errors_text(const ImportFile& f) {
  std::string s;
  for (const auto& e : f.errors) s += std::to_string(e.line) + " " + e.message + "\n";
  return s;
}

const std::string kHeader =
    "order_id,member_id,placed_at,line_id,sku,category,quantity,unit_price,status";

// Everything an op carries, as one string (ops have no operator==).
std::string describe(const ImportOp& op) {
  std::string s = std::to_string(op.at.time_since_epoch().count()) + " " +
                  std::to_string(static_cast<int>(op.kind)) + " " + op.order.id + " " +
                  op.order.member_id + " " + op.order.channel + " " +
                  std::to_string(op.order.shipping) + " " + op.return_id + " " + op.member_id +
                  " @" + std::to_string(op.first_line) + ":";
  for (const auto& l : op.order.lines) {
    s += " [" + l.line_id + " " + l.sku + " " + l.category + " " + l.brand + " " +
         std::to_string(l.quantity) + "x" + std::to_string(l.unit_price) + "-" +
         std::to_string(l.discount) + "]";
  }
  for (const auto& r : op.returns) {
    s += " <" + r.order_id + "/" + r.line_id + " " + std::to_string(r.quantity) + ">";
  }
  return s;
}

// A canonical file of `orders` one-row orders a minute apart.
std::string minute_orders(int orders) {
  std::string text = kHeader + "\n";
  for (int i = 0; i < orders; ++i) {
    char row[160];
    std::snprintf(row, sizeof row, "o%d,m%d,2026-03-08T%02d:%02d:00Z,1,S%d,,%d,1.25,\n", i, i % 7,
                  i / 60, i % 60, i % 5, 1 + i % 3);
    text += row;
  }
  return text;
}

// --- canonical ----------------------------------------------------------------

TEST(OrdersCsvCanonical, HappyPathWithQuotingCrlfAndExtras) {
  TempDir dir;
  std::string path = dir.file("orders.csv");
  write_file(path,
             kHeader +
                 ",note,brand,channel,shipping,discount\r\n"
                 "o1,m1,2026-03-08T10:00:00+08:00,1,SKU-1,\"Home, \"\"Garden\"\"\",2,2.55,paid,"
                 "\"two\r\nlines\",Acme,web,60,0.10\r\n"
                 "o1,m1,2026-03-08T10:00:00+08:00,2,SKU-2,toys,1,10,paid,,,,,\r\n"
                 "\r\n"
                 "o2,,2026-03-08T11:00:00+08:00,1,\"SKU,3\",,3,0.5,,,,,,\r\n"
                 "o1,m1,2026-03-08T10:00:00+08:00,3,SKU-3,toys,1,1.00,paid,,,,,\r\n");
  ImportFile f = read_ok(path, canonical());
  EXPECT_TRUE(f.errors.empty()) << errors_text(f);
  EXPECT_EQ(f.rows, 4);
  EXPECT_EQ(f.guest_rows, 1);
  ASSERT_EQ(f.ops.size(), 2u);

  const ImportOp& o1 = f.ops[0];
  EXPECT_EQ(o1.kind, Kind::kOrder);
  EXPECT_EQ(o1.first_line, 2);
  EXPECT_EQ(o1.at, utc("2026-03-08T02:00:00Z"));
  EXPECT_EQ(o1.order.id, "o1");
  EXPECT_EQ(o1.order.member_id, "m1");
  EXPECT_EQ(o1.order.placed_at, o1.at);
  EXPECT_EQ(o1.order.channel, "web");
  EXPECT_EQ(o1.order.shipping, 6000);
  ASSERT_EQ(o1.order.lines.size(), 3u);  // the non-contiguous third row joins o1
  const auto& l1 = o1.order.lines[0];
  EXPECT_EQ(l1.line_id, "1");
  EXPECT_EQ(l1.sku, "SKU-1");
  EXPECT_EQ(l1.category, "Home, \"Garden\"");
  EXPECT_EQ(l1.brand, "Acme");
  EXPECT_EQ(l1.quantity, 2);
  EXPECT_EQ(l1.unit_price, 255);
  EXPECT_EQ(l1.discount, 10);
  EXPECT_EQ(o1.order.lines[1].unit_price, 1000);
  EXPECT_EQ(o1.order.lines[2].line_id, "3");
  EXPECT_EQ(o1.order.subtotal(), 2 * 255 - 10 + 1000 + 100);

  const ImportOp& o2 = f.ops[1];
  EXPECT_EQ(o2.order.id, "o2");
  EXPECT_EQ(o2.order.member_id, "");  // guest
  EXPECT_EQ(o2.first_line, 6);        // the quoted line break and the blank line count
  ASSERT_EQ(o2.order.lines.size(), 1u);
  EXPECT_EQ(o2.order.lines[0].sku, "SKU,3");
  EXPECT_EQ(o2.order.lines[0].unit_price, 50);
}

TEST(OrdersCsvCanonical, OffsetsVersusZoneLocalTimesAndTimeOrder) {
  TempDir dir;
  std::string path = dir.file("orders.csv");
  write_file(path, kHeader +
                       "\n"
                       "late,m1,2026-03-08 10:00:00,1,A,,1,1,\n"          // Taipei local: 02:00Z
                       "offset,m1,2026-03-08T10:00:00+08:00,1,A,,1,1,\n"  // same instant
                       "zulu,m1,2026-03-08T01:00:00Z,1,A,,1,1,\n"
                       "day,m1,2026-03-08,1,A,,1,1,\n"  // local midnight: 2026-03-07T16:00Z
                       "minus,m1,2026-03-07T12:00-05:00,1,A,,1,1,\n");  // 17:00Z
  ImportFile f = read_ok(path, canonical());
  EXPECT_TRUE(f.errors.empty()) << errors_text(f);
  std::vector<std::string> ids;
  for (const auto& op : f.ops) ids.push_back(op.order.id);
  EXPECT_EQ(ids, (std::vector<std::string>{"day", "minus", "zulu", "late", "offset"}));
  EXPECT_EQ(order_time(f, "late"), utc("2026-03-08T02:00:00Z"));
  EXPECT_EQ(order_time(f, "offset"), utc("2026-03-08T02:00:00Z"));
  EXPECT_EQ(order_time(f, "day"), utc("2026-03-07T16:00:00Z"));
  EXPECT_EQ(order_time(f, "minus"), utc("2026-03-07T17:00:00Z"));

  // The same local time in London (GMT in March before the change).
  ImportFile g = read_ok(path, canonical(2, london()));
  EXPECT_EQ(order_time(g, "late"), utc("2026-03-08T10:00:00Z"));
  EXPECT_EQ(order_time(g, "offset"), utc("2026-03-08T02:00:00Z"));

  // Without a zone, local times are row errors; times with offsets still import.
  ImportFile h = read_ok(path, canonical(2, nullptr));
  ASSERT_EQ(h.errors.size(), 2u) << errors_text(h);
  EXPECT_EQ(h.errors[0].line, 2);
  EXPECT_NE(h.errors[0].message.find("placed_at"), std::string::npos);
  EXPECT_NE(h.errors[0].message.find("no time zone"), std::string::npos);
  EXPECT_EQ(h.errors[1].line, 5);
  EXPECT_EQ(h.ops.size(), 3u);
}

TEST(OrdersCsvCanonical, PricesConvertExactly) {
  TempDir dir;
  std::string path = dir.file("orders.csv");
  write_file(path, kHeader +
                       "\n"
                       "o,m,2026-03-08,1,A,,1,2.55,\n"
                       "o,m,2026-03-08,2,A,,1,0.1,\n"
                       "o,m,2026-03-08,3,A,,1,19.99,\n"
                       "o,m,2026-03-08,4,A,,1,3,\n"
                       "o,m,2026-03-08,5,A,,1,1234567.89,\n"
                       "o,m,2026-03-08,6,A,,1,0.290,\n"  // trailing zero beyond the digits
                       "o,m,2026-03-08,7,A,,1,0,\n");
  ImportFile f = read_ok(path, canonical(2));
  EXPECT_TRUE(f.errors.empty()) << errors_text(f);
  ASSERT_EQ(f.ops.size(), 1u);
  std::vector<int64_t> prices;
  for (const auto& l : f.ops[0].order.lines) prices.push_back(l.unit_price);
  EXPECT_EQ(prices, (std::vector<int64_t>{255, 10, 1999, 300, 123456789, 29, 0}));
}

TEST(OrdersCsvCanonical, TooManyDecimalsIsARowErrorWithItsLine) {
  TempDir dir;
  std::string path = dir.file("orders.csv");
  write_file(path, kHeader +
                       "\n"
                       "o1,m,2026-03-08,1,A,,1,100,\n"
                       "o1,m,2026-03-08,2,B,,1,2.55,\n"  // TWD has no minor digits
                       "o2,m,2026-03-08,1,C,,1,100.00,\n");
  ImportFile f = read_ok(path, canonical(0));
  ASSERT_EQ(f.errors.size(), 1u);
  EXPECT_EQ(f.errors[0].line, 3);
  EXPECT_NE(f.errors[0].message.find("unit_price"), std::string::npos) << f.errors[0].message;
  EXPECT_NE(f.errors[0].message.find("more decimals"), std::string::npos) << f.errors[0].message;
  ASSERT_EQ(f.ops.size(), 2u);
  ASSERT_EQ(f.ops[0].order.lines.size(), 1u);  // the bad row is skipped
  EXPECT_EQ(f.ops[0].order.lines[0].unit_price, 100);
  EXPECT_EQ(f.ops[1].order.lines[0].unit_price, 100);
}

TEST(OrdersCsvCanonical, RowErrorsNameLineAndColumn) {
  TempDir dir;
  std::string path = dir.file("orders.csv");
  write_file(path, kHeader +
                       "\n"
                       "o1,m,2026-03-08,9,A,,1,1,\n"       // 2: fine
                       "o1,m,2026-03-08,1,A,,two,1,\n"     // 3: quantity
                       "o1,m,2026-02-30,2,A,,1,1,\n"       // 4: placed_at
                       ",m,2026-03-08,3,A,,1,1,\n"         // 5: order_id missing
                       "o1,m,2026-03-08,4,,,1,1,\n"        // 6: sku missing
                       "o1,m,2026-03-08,5,A,,1,-1,\n"      // 7: negative price
                       "o1,m,2026-03-08,6,A,,0,1,\n"       // 8: zero quantity
                       "o1,m,2026-03-08,7,A\n"             // 9: short row
                       "o1,x,2026-03-08,8,A,,1,1,\n"       // 10: another member
                       "o1,m,2026-03-08,9,A,,1,1,\n"       // 11: duplicate line
                       "o1,m,2026-03-08,10,A,,1,abc,\n");  // 12: price
  ImportFile f = read_ok(path, canonical());
  std::vector<std::pair<int64_t, std::string>> want = {
      {3, "quantity"}, {4, "placed_at"}, {5, "order_id"},   {6, "sku"},      {7, "unit_price"},
      {8, "quantity"}, {9, "row"},       {10, "member_id"}, {11, "line_id"}, {12, "unit_price"},
  };
  ASSERT_EQ(f.errors.size(), want.size()) << errors_text(f);
  for (std::size_t i = 0; i < want.size(); ++i) {
    EXPECT_EQ(f.errors[i].line, want[i].first) << errors_text(f);
    EXPECT_TRUE(f.errors[i].message.starts_with(want[i].second + ": ")) << f.errors[i].message;
  }
  ASSERT_EQ(f.ops.size(), 1u);
  ASSERT_EQ(f.ops[0].order.lines.size(), 1u);
  EXPECT_EQ(f.ops[0].order.lines[0].line_id, "9");
  EXPECT_EQ(f.ops[0].first_line, 2);
}

TEST(OrdersCsvCanonical, MissingColumnIsAFileErrorNamingIt) {
  TempDir dir;
  std::string path = dir.file("orders.csv");
  write_file(path,
             "order_id,member_id,placed_at,line_id,sku,category,quantity,status\n"
             "o1,m,2026-03-08,1,A,,1,\n");
  auto r = read_orders_csv(path, canonical());
  ASSERT_FALSE(r.has_value());
  EXPECT_EQ(r.error().code, ErrorCode::kInvalidArgument);
  EXPECT_EQ(r.error().field, "unit_price");
  EXPECT_NE(r.error().message.find("'unit_price'"), std::string::npos) << r.error().message;

  // Optional columns may be absent.
  write_file(path,
             "order_id,member_id,placed_at,line_id,sku,quantity,unit_price\n"
             "o1,m,2026-03-08,1,A,1,1\n");
  ImportFile f = read_ok(path, canonical());
  EXPECT_EQ(f.ops.size(), 1u);
  EXPECT_TRUE(f.errors.empty()) << errors_text(f);
}

TEST(OrdersCsvCanonical, FileLevelFailures) {
  TempDir dir;
  auto missing = read_orders_csv(dir.file("nope.csv"), canonical());
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().code, ErrorCode::kNotFound);
  EXPECT_NE(missing.error().message.find("nope.csv"), std::string::npos);

  write_file(dir.file("empty.csv"), "");
  auto empty = read_orders_csv(dir.file("empty.csv"), canonical());
  ASSERT_FALSE(empty.has_value());
  EXPECT_NE(empty.error().message.find("no header"), std::string::npos);

  write_file(dir.file("quote.csv"), kHeader + "\no1,m,2026-03-08,1,\"A,,1,1,\n");
  auto quote = read_orders_csv(dir.file("quote.csv"), canonical());
  ASSERT_FALSE(quote.has_value());
  EXPECT_NE(quote.error().message.find("line 2"), std::string::npos) << quote.error().message;
}

TEST(OrdersCsvCanonical, ReturnsMatchByLineThenBySku) {
  TempDir dir;
  std::string path = dir.file("orders.csv");
  write_file(path,
             kHeader +
                 "\n"
                 "o1,m1,2026-03-08T10:00:00Z,1,A,,3,1.00,paid\n"
                 "o1,m1,2026-03-08T10:00:00Z,2,B,,2,2.00,paid\n"
                 "o1,m1,2026-03-08T10:00:00Z,3,B,,1,2.00,paid\n"
                 "o1,m1,2026-03-10T09:00:00Z,1,A,,-2,1.00,\n"          // 5: line 1 by id
                 "o1,m1,2026-03-10T09:00:00Z,r9,B,,2,2.00,refunded\n"  // 6: sku B, newest first
                 "o1,m1,2026-03-11T09:00:00Z,1,A,,-2,1.00,\n"          // 7: only 1 left
                 "o1,m1,2026-03-11T09:00:00Z,r9,Z,,-1,,\n"             // 8: nothing matches
                 "o9,m1,2026-03-11T09:00:00Z,1,A,,-1,,\n"              // 9: no such order
                 "o1,m1,2026-03-12T09:00:00Z,x,B,,-1,,\n"              // 10: last B unit
                 "o1,m1,2026-03-07T09:00:00Z,1,A,,-1,,\n");            // 11: before the order
  ImportFile f = read_ok(path, canonical());
  ASSERT_EQ(f.errors.size(), 3u) << errors_text(f);
  EXPECT_EQ(f.errors[0].line, 7);
  EXPECT_TRUE(f.errors[0].message.starts_with("quantity: ")) << f.errors[0].message;
  EXPECT_EQ(f.errors[1].line, 8);
  EXPECT_TRUE(f.errors[1].message.starts_with("line_id: ")) << f.errors[1].message;
  EXPECT_EQ(f.errors[2].line, 9);
  EXPECT_TRUE(f.errors[2].message.starts_with("order_id: ")) << f.errors[2].message;

  ASSERT_EQ(f.ops.size(), 4u);
  EXPECT_EQ(f.ops[0].kind, Kind::kOrder);
  EXPECT_EQ(f.ops[0].order.lines.size(), 3u);
  EXPECT_EQ(f.ops[0].order.lines[0].refunded_quantity, 0);  // the order is as placed

  // A return dated before its order is placed at the order's time, after it.
  const ImportOp& early = f.ops[1];
  EXPECT_EQ(early.kind, Kind::kReturn);
  EXPECT_EQ(early.at, utc("2026-03-08T10:00:00Z"));
  EXPECT_EQ(early.return_id, "o1/return-3");
  EXPECT_EQ(early.returns, (std::vector<Return>{{"o1", "1", 1}}));

  const ImportOp& first = f.ops[2];
  EXPECT_EQ(first.kind, Kind::kReturn);
  EXPECT_EQ(first.return_id, "o1/return-1");
  EXPECT_EQ(first.member_id, "m1");
  EXPECT_EQ(first.at, utc("2026-03-10T09:00:00Z"));
  EXPECT_EQ(first.first_line, 5);
  EXPECT_EQ(first.returns, (std::vector<Return>{{"o1", "1", 2}, {"o1", "3", 1}, {"o1", "2", 1}}));

  const ImportOp& second = f.ops[3];
  EXPECT_EQ(second.return_id, "o1/return-2");
  EXPECT_EQ(second.returns, (std::vector<Return>{{"o1", "2", 1}}));
}

TEST(OrdersCsvCanonical, GzipInputReadsLikePlain) {
  TempDir dir;
  std::string text = kHeader + "\n";
  for (int i = 0; i < 20000; ++i) {  // over 1 MiB: records straddle reads
    // append, not operator+: GCC 12 -O3 reports a false -Wrestrict on the chain
    text.append("o").append(std::to_string(i / 3)).append(",m").append(std::to_string(i / 3 % 7));
    text.append(",2026-03-08T10:00:00+08:00,").append(std::to_string(i % 3));
    text.append(",\"SKU, \"\"").append(std::to_string(i)).append("\"\"\",cat,2,1.25,paid\n");
  }
  write_file(dir.file("orders.csv"), text);
  write_gz(dir.file("orders.csv.gz"), text);
  ImportFile plain = read_ok(dir.file("orders.csv"), canonical());
  ImportFile gz = read_ok(dir.file("orders.csv.gz"), canonical());
  ASSERT_GT(text.size(), 1u << 20);
  EXPECT_EQ(gz.rows, 20000);
  EXPECT_TRUE(gz.errors.empty()) << errors_text(gz);
  ASSERT_EQ(gz.ops.size(), plain.ops.size());
  ASSERT_EQ(gz.ops.size(), 6667u);
  for (std::size_t i = 0; i < gz.ops.size(); ++i) {
    EXPECT_EQ(gz.ops[i].order, plain.ops[i].order);
    EXPECT_EQ(gz.ops[i].first_line, plain.ops[i].first_line);
  }
  EXPECT_EQ(gz.ops[1].order.lines[2].sku, "SKU, \"5\"");
  EXPECT_EQ(gz.ops[1].first_line, 5);
}

TEST(OrdersCsvCanonical, LargeFileAcrossReadBuffers) {
  // Plain file over several 1 MiB reads, with quoted line breaks: line numbers
  // stay physical across buffer refills.
  TempDir dir;
  std::string text = kHeader + ",note\n";
  int64_t line = 1;
  int64_t bad_line = 0;
  for (int i = 0; i < 60000; ++i) {
    ++line;
    bool bad = i == 59000;
    if (bad) bad_line = line;
    std::string n = std::to_string(i);
    text.append("o").append(n).append(",m,2026-03-08,").append(n).append(",SKU,cat,1,");
    text.append(bad ? "x" : "1.5").append(",,\"a\nb\"\n");
    ++line;
  }
  write_file(dir.file("big.csv"), text);
  ASSERT_GT(text.size(), 2u << 20);
  ImportFile f = read_ok(dir.file("big.csv"), canonical());
  EXPECT_EQ(f.rows, 60000);
  EXPECT_EQ(f.ops.size(), 59999u);
  ASSERT_EQ(f.errors.size(), 1u);
  EXPECT_EQ(f.errors[0].line, bad_line);
  EXPECT_EQ(f.ops.back().first_line, line - 1);
}

TEST(OrdersCsvCanonical, RecordSplitAtTheReadBoundary) {
  // The reader fills a 1 MiB buffer; move a doubled quote and a CRLF across
  // that boundary one byte at a time.
  constexpr std::size_t kRead = 1 << 20;
  TempDir dir;
  const std::string head = kHeader + ",note\nf,m,2026-03-08,1,SKU,cat,1,1,,\"";
  const std::string target = "t,m,2026-03-08,1,SKU,cat,1,2,,\"a\"\"b\"\r\n";
  const std::size_t quotes = target.find("\"\"");
  for (int shift = -10; shift <= 3; ++shift) {
    std::size_t target_at =
        static_cast<std::size_t>(static_cast<int64_t>(kRead - 1 - quotes) + shift);
    std::string text = head;
    text.append(target_at - head.size() - 2, 'p');
    text.append("\"\n").append(target).append("u,m,2026-03-08,1,SKU,cat,1,3,,last");
    ASSERT_EQ(text.find(target), target_at);
    std::string path = dir.file("split.csv");
    write_file(path, text);
    ImportFile f = read_ok(path, canonical());
    EXPECT_TRUE(f.errors.empty()) << "shift " << shift << "\n" << errors_text(f);
    ASSERT_EQ(f.ops.size(), 3u) << "shift " << shift;
    EXPECT_EQ(f.ops[1].order.id, "t");
    EXPECT_EQ(f.ops[1].order.lines[0].unit_price, 200);
    EXPECT_EQ(f.ops[1].first_line, 3);
    EXPECT_EQ(f.ops[2].order.id, "u");  // the last record has no line end
    EXPECT_EQ(f.ops[2].first_line, 4);
    EXPECT_EQ(f.rows, 3);
  }
}

TEST(OrdersCsvCanonical, MapRenamesColumns) {
  TempDir dir;
  std::string path = dir.file("orders.csv");
  write_file(path,
             "Order,Customer,Date,Line,Item,Qty,Price\n"
             "A-1,c1,2026-03-08 10:00,1,S1,2,9.90\n");
  CsvOptions o = canonical();
  o.map = {{"order_id", "Order"},  {"member_id", "Customer"}, {"placed_at", "Date"},
           {"line_id", "Line"},    {"sku", "Item"},           {"quantity", "Qty"},
           {"unit_price", "Price"}};
  ImportFile f = read_ok(path, o);
  EXPECT_TRUE(f.errors.empty()) << errors_text(f);
  ASSERT_EQ(f.ops.size(), 1u);
  EXPECT_EQ(f.ops[0].order.id, "A-1");
  EXPECT_EQ(f.ops[0].order.member_id, "c1");
  EXPECT_EQ(f.ops[0].at, utc("2026-03-08T02:00:00Z"));
  EXPECT_EQ(f.ops[0].order.lines[0].unit_price, 990);

  // Row errors and missing columns use the file's header names.
  write_file(path, "Order,Customer,Date,Line,Item,Qty,Price\nA-1,c1,2026-03-08,1,S1,2,x\n");
  ImportFile g = read_ok(path, o);
  ASSERT_EQ(g.errors.size(), 1u);
  EXPECT_TRUE(g.errors[0].message.starts_with("Price: ")) << g.errors[0].message;

  o.map.back().second = "Cost";
  auto missing = read_orders_csv(path, o);
  ASSERT_FALSE(missing.has_value());
  EXPECT_EQ(missing.error().field, "Cost");
  EXPECT_NE(missing.error().message.find("mapped from unit_price"), std::string::npos);

  o.map.push_back({"colour", "Colour"});
  auto unknown = read_orders_csv(path, o);
  ASSERT_FALSE(unknown.has_value());
  EXPECT_EQ(unknown.error().field, "map");
  EXPECT_NE(unknown.error().message.find("colour"), std::string::npos);
}

// --- Online Retail preset -----------------------------------------------------------

CsvOptions retail() {
  CsvOptions o;
  o.preset = Preset::kOnlineRetail;
  o.zone = london();
  return o;
}

const std::string kRetailHeader =
    "InvoiceNo,StockCode,Description,Quantity,InvoiceDate,UnitPrice,CustomerID,Country\n";

TEST(OrdersCsvRetail, ReturnsMatchTheCustomersMostRecentPurchasesFirst) {
  TempDir dir;
  std::string path = dir.file("retail.csv");
  write_file(path,
             kRetailHeader +
                 "1001,X,\"THING, RED\",5,2011-06-01 10:00:00,1.25,17850.0,United Kingdom\n"  // 2
                 "1001,Y,OTHER,2,2011-06-01 10:00:00,2.5,17850.0,United Kingdom\n"            // 3
                 "1002,X,THING,3,2011-06-02 10:00:00,1.25,17850.0,United Kingdom\n"           // 4
                 "1003,X,THING,4,2011-06-02 11:00:00,1.25,12000.0,France\n"  // 5 other customer
                 "C2001,X,THING,-4,2011-06-03 09:00:00,1.25,17850.0,United Kingdom\n"        // 6
                 "C2001,D,Discount,-1,2011-06-03 09:00:00,5.0,17850.0,United Kingdom\n"      // 7
                 "C2002,X,THING,-6,2011-06-04 09:00:00,1.25,17850.0,United Kingdom\n"        // 8
                 "C2003,Z,NEVER BOUGHT,-2,2011-06-04 09:30:00,1.0,17850.0,United Kingdom\n"  // 9
                 "1004,X,THING,1,2011-06-05 09:00:00,1.25,,United Kingdom\n"    // 10 guest
                 "C2004,X,THING,-1,2011-06-05 10:00:00,1.25,,United Kingdom\n"  // 11 guest
                 "A3001,B,Adjust bad debt,1,2011-06-06 10:00:00,-11062.06,,United Kingdom\n"
                 "1005,X,damaged,-3,2011-06-06 11:00:00,0.0,,United Kingdom\n"          // write-off
                 "1005,X,found,3,2011-06-06 11:00:00,0.0,,United Kingdom\n"             // free
                 "1006,PADS,PADS,1,2011-06-07 11:00:00,0.001,13952.0,United Kingdom\n"  // 15
                 "1006,Y,OTHER,1,2011-06-07 11:00:00,2.5,13952.0,United Kingdom\n"
                 "1007,Y,OTHER,1,2011-06-07 12:00:00,-2.5,13952.0,United Kingdom\n"      // 17
                 "C2005,Y,OTHER,1,2011-06-07 12:00:00,2.5,13952.0,United Kingdom\n"      // 18
                 "1001,Z,LATE ROW,1,2011-06-01 10:00:00,1.0,17850.0,United Kingdom\n");  // 19
  ImportFile f = read_ok(path, retail());
  EXPECT_EQ(f.rows, 18);
  EXPECT_EQ(f.guest_rows, 5);
  EXPECT_EQ(f.skipped_rows, 3);
  ASSERT_EQ(f.errors.size(), 3u) << errors_text(f);
  EXPECT_EQ(f.errors[0].line, 15);
  EXPECT_TRUE(f.errors[0].message.starts_with("UnitPrice: more decimals")) << f.errors[0].message;
  EXPECT_EQ(f.errors[1].line, 17);
  EXPECT_TRUE(f.errors[1].message.starts_with("UnitPrice: ")) << f.errors[1].message;
  EXPECT_EQ(f.errors[2].line, 18);
  EXPECT_TRUE(f.errors[2].message.starts_with("Quantity: ")) << f.errors[2].message;

  // C2001 takes 3 units of 1002 (newest) then 1 of 1001; the discount row
  // matches nothing. C2002 takes the 4 left of 1001 and 2 more match nothing.
  // C2003 matches nothing and gives no op; the guest C row gives no op.
  EXPECT_EQ(f.unmatched_return_units, 1 + 2 + 2);
  std::vector<std::string> ids;
  for (const auto& op : f.ops) ids.push_back(op.kind == Kind::kOrder ? op.order.id : op.return_id);
  EXPECT_EQ(ids,
            (std::vector<std::string>{"1001", "1002", "1003", "C2001", "C2002", "1004", "1006"}));

  const ImportOp* o1001 = find_order(f, "1001");
  ASSERT_NE(o1001, nullptr);
  EXPECT_EQ(o1001->order.member_id, "17850");
  EXPECT_EQ(o1001->at, utc("2011-06-01T09:00:00Z"));  // BST
  ASSERT_EQ(o1001->order.lines.size(), 3u);
  EXPECT_EQ(o1001->order.lines[0].line_id, "1");
  EXPECT_EQ(o1001->order.lines[0].sku, "X");
  EXPECT_EQ(o1001->order.lines[0].category, "");
  EXPECT_EQ(o1001->order.lines[0].unit_price, 125);
  EXPECT_EQ(o1001->order.lines[1].unit_price, 250);
  EXPECT_EQ(o1001->order.lines[2].line_id, "3");  // the late row joins its invoice

  const ImportOp& c2001 = f.ops[3];
  EXPECT_EQ(c2001.kind, Kind::kReturn);
  EXPECT_EQ(c2001.member_id, "17850");
  EXPECT_EQ(c2001.at, utc("2011-06-03T08:00:00Z"));
  EXPECT_EQ(c2001.first_line, 6);
  EXPECT_EQ(c2001.returns, (std::vector<Return>{{"1002", "1", 3}, {"1001", "1", 1}}));
  EXPECT_EQ(f.ops[4].returns, (std::vector<Return>{{"1001", "1", 4}}));

  const ImportOp* guest = find_order(f, "1004");
  ASSERT_NE(guest, nullptr);
  EXPECT_EQ(guest->order.member_id, "");
  EXPECT_EQ(find_order(f, "1005"), nullptr);  // all its rows skipped
  const ImportOp* o1006 = find_order(f, "1006");
  ASSERT_NE(o1006, nullptr);
  ASSERT_EQ(o1006->order.lines.size(), 1u);
  EXPECT_EQ(o1006->order.lines[0].line_id, "2");  // ids count the row in error
}

TEST(OrdersCsvRetail, NeedsAZoneAndAcceptsRenamedColumns) {
  TempDir dir;
  std::string path = dir.file("retail.csv");
  write_file(path,
             "Invoice,StockCode,Description,Quantity,InvoiceDate,Price,Customer ID,Country\n"
             "489434,85048,LED BULB,12,2009-12-01 07:45:00,6.95,13085.0,United Kingdom\n");
  CsvOptions o = retail();
  o.zone = nullptr;
  auto no_zone = read_orders_csv(path, o);
  ASSERT_FALSE(no_zone.has_value());
  EXPECT_EQ(no_zone.error().field, "zone");

  auto unmapped = read_orders_csv(path, retail());
  ASSERT_FALSE(unmapped.has_value());
  EXPECT_EQ(unmapped.error().field, "InvoiceNo");

  o = retail();
  o.map = {{"InvoiceNo", "Invoice"}, {"UnitPrice", "Price"}, {"CustomerID", "Customer ID"}};
  ImportFile f = read_ok(path, o);
  ASSERT_EQ(f.ops.size(), 1u);
  EXPECT_EQ(f.ops[0].order.member_id, "13085");
  EXPECT_EQ(f.ops[0].order.lines[0].unit_price, 695);
  EXPECT_EQ(f.ops[0].at, utc("2009-12-01T07:45:00Z"));
}

TEST(OrdersCsvRetail, SliceOfTheRealFile) {
  TempDir dir;
  std::vector<std::string> lines = gz_lines(kRetailFile, 2001);
  ASSERT_EQ(lines.size(), 2001u) << "missing " << kRetailFile;
  std::string text;
  for (const auto& l : lines) text += l + "\n";
  std::string path = dir.file("slice.csv.gz");
  write_gz(path, text);

  ImportFile f = read_ok(path, retail());
  EXPECT_EQ(f.rows, 2000);
  EXPECT_TRUE(f.errors.empty()) << errors_text(f);
  const ImportOp* op = find_order(f, "536365");
  ASSERT_NE(op, nullptr);
  EXPECT_EQ(op->first_line, 2);
  EXPECT_EQ(op->order.member_id, "17850");
  EXPECT_EQ(op->at, utc("2010-12-01T08:26:00Z"));  // GMT in December
  std::vector<std::string> skus;
  std::vector<int64_t> quantities, prices;
  for (const auto& l : op->order.lines) {
    skus.push_back(l.sku);
    quantities.push_back(l.quantity);
    prices.push_back(l.unit_price);
  }
  EXPECT_EQ(skus, (std::vector<std::string>{"85123A", "71053", "84406B", "84029G", "84029E",
                                            "22752", "21730"}));
  EXPECT_EQ(quantities, (std::vector<int64_t>{6, 6, 8, 6, 6, 2, 6}));
  EXPECT_EQ(prices, (std::vector<int64_t>{255, 339, 275, 339, 339, 765, 425}));
  EXPECT_EQ(op->order.subtotal(), 13912);  // £139.12
  EXPECT_EQ(f.ops.front().order.id, "536365");
}

// The whole file, checked against counts computed here the simple way: the
// first two fields and the last five never contain quotes or commas.
TEST(OrdersCsvRetail, TheWholeFile) {
  std::vector<std::string> lines = gz_lines(kRetailFile);
  ASSERT_EQ(lines.size(), 541'910u) << "missing " << kRetailFile;
  std::set<std::string> sale_invoices;  // non-C invoices with at least one imported line
  std::vector<int64_t> sub_penny_lines;
  int64_t guests = 0, skipped = 0, member_c_units = 0;
  for (std::size_t i = 1; i < lines.size(); ++i) {
    const std::string& l = lines[i];
    std::vector<std::string> tail;  // Country, CustomerID, UnitPrice, InvoiceDate, Quantity
    std::size_t end = l.size();
    for (int k = 0; k < 5; ++k) {
      std::size_t comma = l.rfind(',', end - 1);
      tail.push_back(l.substr(comma + 1, end - comma - 1));
      end = comma;
    }
    std::string invoice = l.substr(0, l.find(','));
    const std::string& customer = tail[1];
    const std::string& price = tail[2];
    long quantity = std::atol(tail[4].c_str());
    double value = std::atof(price.c_str());
    std::size_t dot = price.find('.');
    bool sub_penny = dot != std::string::npos && price.size() - dot - 1 > 2 &&
                     price.find_first_not_of('0', dot + 3) != std::string::npos;
    if (customer.empty()) ++guests;
    if (invoice[0] == 'A') {
      ++skipped;
    } else if (invoice[0] == 'C') {
      if (!customer.empty()) member_c_units -= quantity;
    } else if (quantity <= 0 || value == 0) {
      ++skipped;
    } else if (sub_penny) {
      sub_penny_lines.push_back(static_cast<int64_t>(i) + 1);
    } else {
      sale_invoices.insert(invoice);
    }
  }

  CsvOptions options = retail();
  std::vector<std::string> handed;  // every op on_op got, as it was then
  options.on_op = [&](const ImportOp& op) { handed.push_back(describe(op)); };
  ImportFile f = read_ok(kRetailFile, options);
  // The file is in time order, with one invoice (542806) whose rows
  // interleave with another's: it streams, and every op was final when
  // it was handed over.
  EXPECT_TRUE(f.streamed);
  ASSERT_EQ(handed.size(), f.ops.size());
  for (std::size_t i = 0; i < f.ops.size(); ++i) ASSERT_EQ(handed[i], describe(f.ops[i])) << i;
  EXPECT_EQ(f.rows, 541'909);
  EXPECT_EQ(f.guest_rows, guests);
  EXPECT_EQ(f.skipped_rows, skipped);
  // The only row errors: the four sub-penny prices (0.001).
  std::vector<int64_t> error_lines;
  for (const auto& e : f.errors) error_lines.push_back(e.line);
  EXPECT_EQ(error_lines, sub_penny_lines) << errors_text(f);
  EXPECT_EQ(f.errors.size(), 4u);

  std::map<std::string, const ImportOp*> orders;
  int64_t returned = 0;
  for (std::size_t i = 0; i < f.ops.size(); ++i) {
    const ImportOp& op = f.ops[i];
    if (i > 0) {
      EXPECT_LE(f.ops[i - 1].at, op.at);
    }
    if (op.kind == Kind::kOrder) {
      orders[op.order.id] = &op;
    } else {
      for (const auto& r : op.returns) returned += r.quantity;
    }
  }
  EXPECT_EQ(orders.size(), sale_invoices.size());
  EXPECT_EQ(orders.size(), 19'959u);
  EXPECT_EQ(returned + f.unmatched_return_units, member_c_units);

  // Every return names an earlier order line of the same member and never
  // returns more units than the line had.
  std::map<std::pair<std::string, std::string>, int64_t> left;
  int64_t bad = 0;
  for (const auto& op : f.ops) {
    if (op.kind == Kind::kOrder) {
      for (const auto& l : op.order.lines) left[{op.order.id, l.line_id}] = l.quantity;
      continue;
    }
    for (const auto& r : op.returns) {
      auto it = left.find({r.order_id, r.line_id});
      if (it == left.end() || orders.at(r.order_id)->order.member_id != op.member_id ||
          it->second < r.quantity) {
        ++bad;
        continue;
      }
      it->second -= r.quantity;
    }
  }
  EXPECT_EQ(bad, 0);
}

// --- streaming (ops handed to on_op while the file is read) -------------------

TEST(OrdersCsvStreaming, OpsOfAFileInTimeOrderAreHandedOverFinalAndInOrder) {
  TempDir dir;
  std::string path = dir.file("orders.csv");
  // 600 orders; o3 gets a second row after o4..o9 (interleaved, inside the
  // lag), and a return of o598 as the last row.
  std::string text = minute_orders(600);
  std::size_t at = text.find("o10,");
  text.insert(at, "o3,m3,2026-03-08T00:03:00Z,2,EXTRA,,1,9,\n");
  text += "o598,m3,2026-03-08T10:00:00Z,1,S3,,-1,1.25,\n";
  write_file(path, text);
  CsvOptions options = canonical();
  std::vector<std::string> handed;
  options.on_op = [&](const ImportOp& op) { handed.push_back(describe(op)); };
  ImportFile f = read_ok(path, options);
  EXPECT_TRUE(f.errors.empty()) << errors_text(f);
  EXPECT_TRUE(f.streamed);
  ASSERT_EQ(f.ops.size(), 601u);
  ASSERT_EQ(handed.size(), f.ops.size());
  for (std::size_t i = 0; i < f.ops.size(); ++i) EXPECT_EQ(handed[i], describe(f.ops[i])) << i;
  EXPECT_EQ(f.ops[3].order.lines.size(), 2u) << "o3 was handed over with its late row";
  EXPECT_EQ(f.ops.back().kind, Kind::kReturn);
}

TEST(OrdersCsvStreaming, AnOpEarlierThanTheOneBeforeStopsTheStream) {
  TempDir dir;
  std::string path = dir.file("orders.csv");
  // 800 orders a minute apart; after o300 one from 00:30:30 (between o30
  // and o31), so the stream stops half way through the file.
  std::string text = minute_orders(800);
  text.insert(text.find("o301,"), "late,m1,2026-03-08T00:30:30Z,1,S1,,1,1,\n");
  write_file(path, text);
  CsvOptions options = canonical();
  std::vector<std::string> handed;
  int stops = 0;
  std::size_t handed_at_stop = 0;
  options.on_op = [&](const ImportOp& op) {
    EXPECT_EQ(stops, 0) << "no op after the stop";
    handed.push_back(op.order.id);
  };
  options.on_stop = [&] {
    ++stops;
    handed_at_stop = handed.size();
  };
  ImportFile f = read_ok(path, options);
  EXPECT_FALSE(f.streamed);
  EXPECT_EQ(stops, 1);
  EXPECT_EQ(handed_at_stop, 301u) << "o0..o300, then the late op stops the stream";
  EXPECT_EQ(handed.size(), 301u);
  ASSERT_EQ(f.ops.size(), 801u);
  EXPECT_EQ(f.ops[31].order.id, "late") << "ops are still sorted by time";
  for (std::size_t i = 1; i < f.ops.size(); ++i) EXPECT_LE(f.ops[i - 1].at, f.ops[i].at);
}

TEST(OrdersCsvStreaming, ARowAddingToAnOpAlreadyHandedOverStopsTheStream) {
  TempDir dir;
  std::string path = dir.file("orders.csv");
  std::string text = minute_orders(400);
  text += "o2,m2,2026-03-08T00:02:00Z,2,LATE,,1,1,\n";  // 398 orders later
  write_file(path, text);
  CsvOptions options = canonical();
  std::size_t handed = 0;
  options.on_op = [&](const ImportOp&) { ++handed; };
  ImportFile f = read_ok(path, options);
  EXPECT_FALSE(f.streamed);
  EXPECT_LT(handed, f.ops.size());
  ASSERT_EQ(f.ops.size(), 400u);
  ASSERT_EQ(f.ops[2].order.lines.size(), 2u) << "the row still joins its order";
  EXPECT_EQ(f.ops[2].order.lines[1].sku, "LATE");

  // The same in Online Retail: an invoice that comes back 300 invoices on.
  std::string retail_path = dir.file("retail.csv");
  std::string rows = kRetailHeader;
  for (int i = 0; i < 300; ++i) {
    char row[160];
    std::snprintf(row, sizeof row, "%d,S%d,X,1,2011-01-04 %02d:%02d:00,1.5,%d.0,UK\n", 540000 + i,
                  i % 4, 8 + i / 60, i % 60, 12000 + i % 9);
    rows += row;
  }
  rows += "540001,LATE,X,1,2011-01-04 13:00:00,1.5,12001.0,UK\n";
  write_file(retail_path, rows);
  CsvOptions r = retail();
  handed = 0;
  r.on_op = [&](const ImportOp&) { ++handed; };
  ImportFile g = read_ok(retail_path, r);
  EXPECT_FALSE(g.streamed);
  ASSERT_EQ(g.ops.size(), 300u);
  EXPECT_EQ(g.ops[1].order.lines.size(), 2u);
}

}  // namespace
}  // namespace patron::importers
