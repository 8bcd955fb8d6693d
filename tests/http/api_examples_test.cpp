// docs/api.md runs as written. Every ```sh block after the quick start is run
// in order, in one shell, against a real server on a fresh SQLite file, and
// what it printed is compared with the response block that follows it (if
// one does). Two things differ from a reader's run, and docs/api.md says so:
// the port (a free one instead of 8080) and the clock, fixed at kNow with
// the global `--now` so that times and expiry dates in the responses are
// the ones the document shows.
//
// A response block may elide with "…" (or "..."): a member of an object
// ("…" among its members: the object may have others), an element of an
// array (the shown elements appear in this order, others may be between),
// any value, or the end of a string (the shown text is a prefix). Without
// an elision an object must have exactly the members shown and an array
// exactly the elements shown. Random values (API key, webhook ids, referral
// and coupon codes) are masked on both sides. A plain block starting
// "HTTP/1.1" is a `curl -i` reply: its status line and headers must appear,
// and its body (after a line "…") is matched as above; any other plain block
// must have each of its lines, but "…", among the printed lines.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include "support/http_client.h"
#include "support/run_patron.h"
#include "support/temp_dir.h"

namespace patron::testing {
namespace {

namespace json = boost::json;

constexpr const char* kNow = "2026-11-23T17:27:09Z";
const std::string kEllipsis = "\xE2\x80\xA6";  // U+2026

struct Block {
  std::string lang;  // after the fence: "sh", "json", "" ...
  int line = 0;      // of the opening fence, 1-based
  std::string text;
};

std::vector<Block> fenced_blocks(const std::string& markdown) {
  std::vector<Block> blocks;
  std::istringstream in(markdown);
  std::string line;
  int n = 0;
  Block* open = nullptr;
  while (std::getline(in, line)) {
    ++n;
    if (line.rfind("```", 0) == 0) {
      if (open) {
        open = nullptr;
      } else {
        blocks.push_back({line.substr(3), n, ""});
        open = &blocks.back();
      }
      continue;
    }
    if (open) open->text += line + "\n";
  }
  return blocks;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  std::string line;
  while (std::getline(in, line)) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    out.push_back(line);
  }
  return out;
}

std::string trim(std::string s) {
  auto first = s.find_first_not_of(" \t");
  if (first == std::string::npos) return "";
  return s.substr(first, s.find_last_not_of(" \t") - first + 1);
}

// Values that differ on every run by design.
std::string masked(const std::string& key, std::string s) {
  static const std::regex id("(key|whk|pat)_[0-9a-f_]+");
  s = std::regex_replace(s, id, "$1_<hex>");
  if (key == "referral_code" || key == "code" || key == "codes" || key == "coupon_code" ||
      key == "coupon_disabled") {
    static const std::regex code("[A-HJ-NP-Z2-9]{8,}$");  // app/keys.cpp's alphabet
    s = std::regex_replace(s, code, "<code>");
  }
  return s;
}

// A response as documented: JSON in which "…" stands for what is left out.
struct Pattern {
  enum Kind { kAny, kObject, kArray, kString, kLiteral } kind = kAny;
  bool open = false;                                     // object or array with an elision
  std::vector<std::pair<std::string, Pattern>> members;  // kObject
  std::vector<Pattern> elements;                         // kArray
  std::string text;                                      // kString (prefix when open)
  json::value literal;                                   // kLiteral
};

class PatternParser {
 public:
  explicit PatternParser(const std::string& text) : s_(text) {}

  // Every top-level value (a block may show several replies).
  std::vector<Pattern> all() {
    std::vector<Pattern> out;
    for (skip(); i_ < s_.size(); skip()) out.push_back(value());
    return out;
  }

 private:
  void skip() {
    while (i_ < s_.size() && std::isspace(static_cast<unsigned char>(s_[i_]))) ++i_;
  }
  bool elision() {
    for (const std::string& e : {kEllipsis, std::string("...")}) {
      if (s_.compare(i_, e.size(), e) == 0) {
        i_ += e.size();
        return true;
      }
    }
    return false;
  }
  [[noreturn]] void error(const std::string& what) const {
    throw std::runtime_error(what + " at offset " + std::to_string(i_) + ": " + s_.substr(i_, 40));
  }
  void expect(char c) {
    skip();
    if (i_ >= s_.size() || s_[i_] != c) error(std::string("expected '") + c + "'");
    ++i_;
  }
  std::string raw_string() {  // s_[i_] is the opening quote
    std::size_t start = i_++;
    while (i_ < s_.size() && s_[i_] != '"') i_ += s_[i_] == '\\' ? 2 : 1;
    if (i_ >= s_.size()) error("unterminated string");
    ++i_;
    return s_.substr(start, i_ - start);
  }
  Pattern value() {
    skip();
    Pattern p;
    if (elision()) return p;  // kAny
    if (i_ >= s_.size()) error("expected a value");
    char c = s_[i_];
    if (c == '{') {
      ++i_;
      p.kind = Pattern::kObject;
      for (;;) {
        skip();
        if (i_ >= s_.size()) error("unterminated object");
        if (elision()) {
          p.open = true;
        } else if (s_[i_] == '}') {
          ++i_;
          return p;
        } else {
          if (s_[i_] != '"') error("expected a member name");
          std::string key = json::value_to<std::string>(json::parse(raw_string()));
          expect(':');
          p.members.emplace_back(key, value());
        }
        skip();
        if (i_ < s_.size() && s_[i_] == ',') ++i_;
      }
    }
    if (c == '[') {
      ++i_;
      p.kind = Pattern::kArray;
      for (;;) {
        skip();
        if (i_ >= s_.size()) error("unterminated array");
        if (elision()) {
          p.open = true;
        } else if (s_[i_] == ']') {
          ++i_;
          return p;
        } else {
          p.elements.push_back(value());
        }
        skip();
        if (i_ < s_.size() && s_[i_] == ',') ++i_;
      }
    }
    if (c == '"') {
      std::string raw = raw_string();
      p.kind = Pattern::kString;
      for (const std::string& e : {kEllipsis, std::string("...")}) {
        if (raw.size() >= e.size() + 2 &&
            raw.compare(raw.size() - 1 - e.size(), e.size(), e) == 0) {
          raw.erase(raw.size() - 1 - e.size(), e.size());
          p.open = true;
          break;
        }
      }
      p.text = json::value_to<std::string>(json::parse(raw));
      return p;
    }
    std::size_t start = i_;
    while (i_ < s_.size() && (std::isalnum(static_cast<unsigned char>(s_[i_])) || s_[i_] == '-' ||
                              s_[i_] == '+' || s_[i_] == '.')) {
      ++i_;
    }
    if (start == i_) error("unexpected character");
    p.kind = Pattern::kLiteral;
    p.literal = json::parse(s_.substr(start, i_ - start));
    return p;
  }

  const std::string& s_;
  std::size_t i_ = 0;
};

std::string shown(const json::value& v) {
  std::string s = json::serialize(v);
  return s.size() <= 160 ? s : s.substr(0, 160) + "...";
}

// Appends to `out` where and how `actual` differs from `p` (nothing: it matches).
void differences(const Pattern& p, const json::value& actual, const std::string& path,
                 const std::string& key, std::vector<std::string>& out) {
  switch (p.kind) {
    case Pattern::kAny:
      return;
    case Pattern::kLiteral:
      if (p.literal != actual) {
        out.push_back(path + ": documented " + json::serialize(p.literal) + ", got " +
                      shown(actual));
      }
      return;
    case Pattern::kString: {
      if (!actual.is_string()) {
        out.push_back(path + ": documented a string, got " + shown(actual));
        return;
      }
      std::string got = masked(key, std::string(actual.as_string()));
      std::string want = masked(key, p.text);
      if (p.open ? got.rfind(want, 0) == 0 : got == want) return;
      out.push_back(path + ": documented " + shown(json::value(p.text)) + (p.open ? "…" : "") +
                    ", got " + shown(actual));
      return;
    }
    case Pattern::kObject: {
      if (!actual.is_object()) {
        out.push_back(path + ": documented an object, got " + shown(actual));
        return;
      }
      const json::object& o = actual.as_object();
      for (const auto& [k, v] : p.members) {
        auto it = o.find(k);
        if (it == o.end()) {
          out.push_back(path + ": documented member \"" + k + "\" is missing");
        } else {
          differences(v, it->value(), path + "." + k, k, out);
        }
      }
      if (p.open) return;
      for (const auto& [k, v] : o) {
        bool documented = false;
        for (const auto& m : p.members) documented = documented || m.first == k;
        if (!documented)
          out.push_back(path + ": member \"" + std::string(k) + "\" is not documented");
      }
      return;
    }
    case Pattern::kArray: {
      if (!actual.is_array()) {
        out.push_back(path + ": documented an array, got " + shown(actual));
        return;
      }
      const json::array& a = actual.as_array();
      auto matches = [&](const Pattern& e, const json::value& v) {
        std::vector<std::string> ignored;
        differences(e, v, path, key, ignored);
        return ignored.empty();
      };
      if (!p.open) {
        if (a.size() != p.elements.size()) {
          out.push_back(path + ": documented " + std::to_string(p.elements.size()) +
                        " elements, got " + std::to_string(a.size()));
          return;
        }
        bool in_order = true;
        for (std::size_t e = 0; e < a.size(); ++e)
          in_order = in_order && matches(p.elements[e], a[e]);
        if (in_order) return;
        // Masked values may come in any order (a list sorted by a random id).
        std::vector<bool> used(a.size(), false);
        bool any_order = true;
        for (const Pattern& e : p.elements) {
          bool found = false;
          for (std::size_t j = 0; j < a.size() && !found; ++j) {
            if (!used[j] && matches(e, a[j])) used[j] = found = true;
          }
          any_order = any_order && found;
        }
        if (any_order) return;
        for (std::size_t e = 0; e < a.size(); ++e) {
          differences(p.elements[e], a[e], path + "[" + std::to_string(e) + "]", key, out);
        }
        return;
      }
      // Open: the documented elements appear in this order, others between.
      std::size_t next = 0;
      for (std::size_t e = 0; e < p.elements.size(); ++e) {
        std::size_t from = next;
        while (next < a.size() && !matches(p.elements[e], a[next])) ++next;
        if (next < a.size()) {
          ++next;
          continue;
        }
        if (from < a.size()) {
          differences(p.elements[e], a[from], path + "[" + std::to_string(from) + "]", key, out);
        } else {
          out.push_back(path + ": documented element " + std::to_string(e) + " is missing");
        }
        next = from + 1;
      }
      return;
    }
  }
}

std::vector<json::value> json_values(const std::string& text) {
  std::vector<json::value> out;
  json::stream_parser parser;
  std::size_t i = 0;
  while (i < text.size()) {
    while (i < text.size() && std::isspace(static_cast<unsigned char>(text[i]))) ++i;
    if (i >= text.size()) break;
    parser.reset();
    boost::system::error_code ec;
    std::size_t used = parser.write_some(text.data() + i, text.size() - i, ec);
    if (ec && !parser.done()) throw std::runtime_error("not JSON: " + text.substr(i, 80));
    if (!parser.done()) parser.finish();
    out.push_back(parser.release());
    i += used;
  }
  return out;
}

std::string compare_json(const std::string& documented, const std::string& printed) {
  std::vector<Pattern> want;
  try {
    want = PatternParser(documented).all();
  } catch (const std::exception& e) {
    return std::string("the documented JSON does not parse: ") + e.what();
  }
  std::vector<json::value> got;
  try {
    got = json_values(printed);
  } catch (const std::exception& e) {
    return std::string("the command did not print JSON: ") + e.what();
  }
  if (want.size() != got.size()) {
    return "documented " + std::to_string(want.size()) + " replies, got " +
           std::to_string(got.size()) + ": " + printed.substr(0, 200);
  }
  std::vector<std::string> out;
  for (std::size_t i = 0; i < want.size(); ++i) differences(want[i], got[i], "$", "", out);
  std::string all;
  for (const auto& d : out) all += (all.empty() ? "" : "\n") + d;
  return all;
}

// `curl -i`: status line and headers as shown, then the body after "…".
std::string compare_http(const std::string& documented, const std::string& printed) {
  auto cut = printed.find("\r\n\r\n");
  if (cut == std::string::npos) return "no HTTP head in: " + printed.substr(0, 200);
  std::vector<std::string> head = lines_of(printed.substr(0, cut));
  std::string body = printed.substr(cut + 4);
  std::vector<std::string> doc = lines_of(documented);
  std::size_t i = 0;
  if (doc.empty() || head.empty() || doc[0] != head[0]) {
    return "status line: documented '" + (doc.empty() ? "" : doc[0]) + "', got '" +
           (head.empty() ? "" : head[0]) + "'";
  }
  for (i = 1; i < doc.size() && doc[i] != kEllipsis && !doc[i].empty(); ++i) {
    bool found = false;
    for (const auto& h : head) found = found || masked("", h) == masked("", doc[i]);
    if (!found) return "header '" + doc[i] + "' is not in the reply";
  }
  std::string doc_body;
  for (++i; i < doc.size(); ++i) doc_body += doc[i] + "\n";
  if (trim(doc_body).empty()) return "";
  return compare_json(doc_body, body);
}

// Any other text: each documented line (but "…") is among the printed ones.
std::string compare_lines(const std::string& documented, const std::string& printed) {
  std::vector<std::string> got = lines_of(printed);
  for (auto& g : got) g = trim(g);
  for (const std::string& line : lines_of(documented)) {
    std::string want = trim(line);
    if (want.empty() || want == kEllipsis) continue;
    if (std::find(got.begin(), got.end(), want) == got.end()) {
      return "documented line '" + want + "' was not printed";
    }
  }
  return "";
}

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (auto at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size())) {
    s.replace(at, from.size(), to);
  }
  return s;
}

TEST(ApiExamples, RunAsWrittenAndPrintWhatTheDocumentShows) {
  std::vector<Block> blocks = fenced_blocks(slurp(PATRON_DOCS "/api.md"));
  ASSERT_GT(blocks.size(), 50u);
  ASSERT_EQ(blocks[0].lang, "sh");  // the quick start
  ASSERT_NE(blocks[0].text.find("patron serve"), std::string::npos);

  TempDir dir;
  // `patron` as the examples call it: this build, on the fresh file, at kNow.
  std::filesystem::create_directory(dir.file("bin"));
  {
    std::ofstream wrapper(dir.file("bin/patron"));
    wrapper << "#!/bin/sh\nexec " << shell_quote(PATRON_BINARY) << " --db "
            << shell_quote(dir.file("patron.db")) << " --now " << kNow << " \"$@\"\n";
  }
  std::filesystem::permissions(dir.file("bin/patron"), std::filesystem::perms::owner_all);
  std::string env = "PATH=" + shell_quote(dir.file("bin")) + ":\"$PATH\" ";

  // The quick start but its last line (the server, started below).
  std::string setup;
  for (const std::string& line : lines_of(blocks[0].text)) {
    if (line.find("patron serve") == std::string::npos) setup += line + "\n";
  }
  setup += "printf '%s' \"$KEY\" >" + shell_quote(dir.file("key")) + "\n";
  { std::ofstream(dir.file("setup.sh")) << setup; }
  ASSERT_EQ(std::system((env + "bash -e " + shell_quote(dir.file("setup.sh"))).c_str()), 0);
  std::string key = slurp(dir.file("key"));
  ASSERT_EQ(key.rfind("pat_", 0), 0u) << key;

  ServerProcess server(PATRON_BINARY, dir.file("patron.db"), dir.path().string(), {"--now", kNow});
  std::string origin = "127.0.0.1:" + std::to_string(server.port());

  // Every other sh block, in order, in one shell, between markers.
  std::vector<std::size_t> run;
  std::string script = "cd " + shell_quote(PATRON_SOURCE) + "\n";
  for (std::size_t b = 1; b < blocks.size(); ++b) {
    if (blocks[b].lang != "sh") continue;
    run.push_back(b);
    script += "echo '@@@begin " + std::to_string(b) + "'\n";
    script += replace_all(blocks[b].text, "127.0.0.1:8080", origin);
    script += "echo \"@@@end $?\"\n";
  }
  { std::ofstream(dir.file("examples.sh")) << script; }
  std::string command = env + "KEY=" + shell_quote(key) + " bash " +
                        shell_quote(dir.file("examples.sh")) + " >" +
                        shell_quote(dir.file("printed")) + " 2>&1";
  ASSERT_EQ(std::system(command.c_str()), 0);
  std::string printed = slurp(dir.file("printed"));
  server.stop(SIGTERM);

  int compared = 0;
  for (std::size_t b : run) {
    std::string where = "docs/api.md:" + std::to_string(blocks[b].line);
    std::string begin = "@@@begin " + std::to_string(b) + "\n";
    auto from = printed.find(begin);
    ASSERT_NE(from, std::string::npos) << where << ": did not run";
    from += begin.size();
    auto to = printed.find("@@@end ", from);
    ASSERT_NE(to, std::string::npos) << where << ": did not finish";
    std::string out = printed.substr(from, to - from);
    int status = std::atoi(printed.c_str() + to + 7);
    EXPECT_EQ(status, 0) << where << ": exit status " << status << "; printed:\n" << out;

    if (b + 1 >= blocks.size() || blocks[b + 1].lang == "sh") continue;
    const Block& shown = blocks[b + 1];
    std::string diff;
    if (shown.lang == "json") {
      diff = compare_json(shown.text, out);
    } else if (shown.text.rfind("HTTP/", 0) == 0) {
      diff = compare_http(shown.text, out);
    } else {
      diff = compare_lines(shown.text, out);
    }
    ++compared;
    EXPECT_TRUE(diff.empty()) << where << " (reply at line " << shown.line << "): " << diff;
  }
  EXPECT_GT(compared, 40);
}

// The comparison itself: elisions, exact members, masked random values.
TEST(ApiExamples, TheComparisonFailsWhenTheReplyDiffers) {
  EXPECT_EQ(compare_json(R"({"a":1,"b":[1,2]})", R"({"a":1,"b":[1,2]})"), "");
  EXPECT_NE(compare_json(R"({"a":1})", R"({"a":2})"), "");
  EXPECT_NE(compare_json(R"({"a":1})", R"({"a":1,"b":2})"), "");  // undocumented member
  EXPECT_EQ(compare_json(R"({"a":1, …})", R"({"a":1,"b":2})"), "");
  EXPECT_NE(compare_json(R"({"a":1, …})", R"({"b":2})"), "");
  EXPECT_NE(compare_json(R"([1,2])", R"([1,2,3])"), "");
  EXPECT_EQ(compare_json(R"([1, …, 3])", R"([1,2,3])"), "");
  EXPECT_EQ(compare_json(R"({"k":"pat_ab…"})", R"({"k":"pat_abcdef"})"), "");
  EXPECT_NE(compare_json(R"({"k":"pat_ab…"})", R"({"k":"pat_xbcdef"})"), "");
  EXPECT_EQ(compare_json(R"({"id":"key_0123456789abcdef"})", R"({"id":"key_fedcba9876543210"})"),
            "");
  EXPECT_EQ(compare_json(R"({"referral_code":"Q7M2K9XA"})", R"({"referral_code":"ABCDEFGH"})"), "");
  EXPECT_NE(compare_json(R"({"code":"WELCOME100"})", R"({"code":"WELCOME200"})"), "");
  EXPECT_NE(compare_json(R"({"a":1} {"b":2})", R"({"a":1})"), "");  // a reply missing
  EXPECT_EQ(compare_http("HTTP/1.1 200 OK\nETag: \"1\"\n…\n{\"a\":1}\n",
                         "HTTP/1.1 200 OK\r\nETag: \"1\"\r\nX: y\r\n\r\n{\"a\":1}"),
            "");
  EXPECT_NE(compare_http("HTTP/1.1 201 Created\n", "HTTP/1.1 200 OK\r\n\r\n{}"), "");
  EXPECT_NE(compare_lines("a\nb\n", "a\nc\n"), "");
  EXPECT_EQ(compare_lines("a\n…\nc\n", "a\nb\nc\n"), "");
}

}  // namespace
}  // namespace patron::testing
