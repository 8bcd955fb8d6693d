// docs/api.md runs as written. Every ```sh block after the quick start is run
// in order (each in a subshell that stops at its first failing command)
// against a real server on a fresh SQLite file, and what it printed is
// compared with the response block that follows it (if one does). What
// differs from a reader's run, and docs/api.md says so: the port (a free one
// instead of 8080), the clock (fixed at kNow with the global `--now`, so that
// times and expiry dates are the ones shown) and no webhook delivery.
//
// A response block may elide with "…" (or "..."): members of an object (it
// may have others), a run of array elements where the "…" stands (elements
// shown first or last without one before or after them are the first or
// last), any value, or the end of a string (a prefix). Otherwise an object
// has exactly the members shown and an array exactly the elements, in order.
// Random values (API key ids and secrets, webhook ids, referral and coupon
// codes) match any value of the same shape, but bind: a documented value
// stands for the same printed value everywhere in the document, and two
// documented values for two different ones; the quick start's admin key is
// the one shown as kDocumentedAdminKey. A list sorted by such values may come
// in any order. A plain block starting "HTTP/1.1" is a `curl -i` reply: its
// status line and headers must be among the printed ones, and its body
// (after a line "…") is matched as above; any other plain block is lines
// printed in that order, adjacent unless a line "…" is between them.
#include <gtest/gtest.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cstdlib>
#include <fstream>
#include <map>
#include <optional>
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
// The id of the quick start's admin key where the document shows it.
const std::string kDocumentedAdminKey = "857a3b45bac3037d";

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

// Values that differ on every run by design: API key ids and secrets,
// webhook ids, and codes drawn from app/keys.cpp's alphabet (referral codes,
// coupon codes, maybe after a batch's prefix). The length of a code's random
// part by the member it is in (0: not a code).
std::size_t random_length(const std::string& key) {
  if (key == "referral_code" || key == "code" || key == "codes") return 8;  // after a prefix
  if (key == "coupon_code" || key == "coupon_disabled") return 10;          // a reward's coupon
  return 0;
}

bool random_code(const std::string& key, const std::string& s) {
  static const std::string alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789";  // app/keys.cpp
  std::size_t n = random_length(key);
  if (n == 0 || s.size() < n) return false;
  return s.find_first_not_of(alphabet, s.size() - n) == std::string::npos;
}

// The handle a random value binds by (a key and its secret share the key's
// id), or nothing when `s` is not random and must be equal.
std::optional<std::string> random_handle(const std::string& key, const std::string& s) {
  static const std::regex key_id("key_([0-9a-f]{16})");
  static const std::regex secret("pat_([0-9a-f]{16})_[0-9a-f]{64}");
  static const std::regex webhook("whk_[0-9a-f]{16}");
  std::smatch m;
  if (std::regex_match(s, m, key_id) || std::regex_match(s, m, secret)) return "key " + m.str(1);
  if (std::regex_match(s, webhook)) return s;
  if (random_code(key, s)) return "code " + s;
  return std::nullopt;
}

// Binds each random value shown in the document to the one printed in its
// place, for the whole run: the same documented value must stand for the
// same printed one everywhere, and two documented values for two printed.
struct Bindings {
  std::map<std::string, std::string> doc_to_run;
  std::map<std::string, std::string> run_to_doc;

  bool bind(const std::string& doc, const std::string& run) {
    auto d = doc_to_run.find(doc);
    auto r = run_to_doc.find(run);
    if (d != doc_to_run.end() || r != run_to_doc.end()) {
      return d != doc_to_run.end() && r != run_to_doc.end() && d->second == run;
    }
    doc_to_run[doc] = run;
    run_to_doc[run] = doc;
    return true;
  }
};

// Two random values of the same shape: ids of one kind, or codes of one
// length with the same prefix before the random part.
bool same_shape(const std::string& doc, const std::string& run, const std::string& key) {
  auto d = random_handle(key, doc);
  auto r = random_handle(key, run);
  if (!d || !r || d->substr(0, 4) != r->substr(0, 4)) return false;
  if (d->rfind("code ", 0) != 0) return true;
  std::size_t prefix = doc.size() - random_length(key);
  return doc.size() == run.size() && doc.compare(0, prefix, run, 0, prefix) == 0;
}

// A response as documented: JSON in which "…" stands for what is left out.
struct Pattern {
  enum Kind { kAny, kObject, kArray, kString, kLiteral } kind = kAny;
  bool open = false;                                     // an object with an elision
  std::vector<std::pair<std::string, Pattern>> members;  // kObject
  std::vector<Pattern> elements;                         // kArray
  std::vector<bool> elided_before;  // kArray: an elision before element i (i == size: after all)
  std::string text;                 // kString (a prefix when open)
  json::value literal;              // kLiteral
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
  bool at_elision() const {
    return s_.compare(i_, kEllipsis.size(), kEllipsis) == 0 || s_.compare(i_, 3, "...") == 0;
  }
  bool elision() {
    if (!at_elision()) return false;
    i_ += s_.compare(i_, kEllipsis.size(), kEllipsis) == 0 ? kEllipsis.size() : 3;
    return true;
  }
  [[noreturn]] void error(const std::string& what) const {
    throw std::runtime_error(what + " at offset " + std::to_string(i_) + ": " + s_.substr(i_, 40));
  }
  void expect(char c) {
    skip();
    if (i_ >= s_.size() || s_[i_] != c) error(std::string("expected '") + c + "'");
    ++i_;
  }
  // After a member or element: a comma, the closer, or an elision.
  void separator(char closer) {
    skip();
    if (i_ < s_.size() && s_[i_] == ',') {
      ++i_;
    } else if (i_ >= s_.size() || (s_[i_] != closer && !at_elision())) {
      error(std::string("expected ',' or '") + closer + "'");
    }
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
          separator('}');
          continue;
        }
        if (s_[i_] == '}') {
          ++i_;
          return p;
        }
        if (s_[i_] != '"') error("expected a member name");
        std::string key = json::value_to<std::string>(json::parse(raw_string()));
        expect(':');
        p.members.emplace_back(key, value());
        separator('}');
      }
    }
    if (c == '[') {
      ++i_;
      p.kind = Pattern::kArray;
      bool elided = false;
      for (;;) {
        skip();
        if (i_ >= s_.size()) error("unterminated array");
        if (elision()) {
          elided = true;
          separator(']');
          continue;
        }
        if (s_[i_] == ']') {
          ++i_;
          p.elided_before.push_back(elided);
          return p;
        }
        p.elided_before.push_back(elided);
        elided = false;
        p.elements.push_back(value());
        separator(']');
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
    while (i_ < s_.size() && !at_elision() &&
           (std::isalnum(static_cast<unsigned char>(s_[i_])) || s_[i_] == '-' || s_[i_] == '+' ||
            s_[i_] == '.')) {
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

class Matcher {
 public:
  explicit Matcher(Bindings& bindings) : bindings_(bindings) {}

  // Appends to `out` where and how `actual` differs from `p` (nothing: it
  // matches), binding the random values it meets.
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
      case Pattern::kString:
        if (!actual.is_string()) {
          out.push_back(path + ": documented a string, got " + shown(actual));
        } else if (!string_matches(p, std::string(actual.as_string()), key)) {
          out.push_back(path + ": documented " + shown(json::value(p.text)) + (p.open ? "…" : "") +
                        ", got " + shown(actual));
        }
        return;
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
          if (!documented) {
            out.push_back(path + ": member \"" + std::string(k) + "\" is not documented");
          }
        }
        return;
      }
      case Pattern::kArray:
        if (!actual.is_array()) {
          out.push_back(path + ": documented an array, got " + shown(actual));
        } else {
          array_differences(p, actual.as_array(), path, key, out);
        }
        return;
    }
  }

 private:
  bool string_matches(const Pattern& p, const std::string& got, const std::string& key) {
    if (p.open) {  // a prefix; a truncated secret binds by its key id
      static const std::regex secret_prefix("pat_([0-9a-f]{16})_[0-9a-f]*");
      std::smatch d;
      if (std::regex_match(p.text, d, secret_prefix)) {
        auto r = random_handle(key, got);
        return r && got.rfind("pat_", 0) == 0 && bindings_.bind("key " + d.str(1), *r);
      }
      return got.rfind(p.text, 0) == 0;
    }
    if (got == p.text && !random_handle(key, got)) return true;
    if (!same_shape(p.text, got, key)) return false;
    return bindings_.bind(*random_handle(key, p.text), *random_handle(key, got));
  }

  // Whether `p` matches `v`, binding only if it does.
  bool matches(const Pattern& p, const json::value& v, const std::string& key) {
    Bindings saved = bindings_;
    std::vector<std::string> out;
    differences(p, v, "", key, out);
    if (!out.empty()) bindings_ = saved;
    return out.empty();
  }

  // In order; an elision stands for any run of elements where it is shown.
  // A list sorted by random values (every element a random string, or an
  // object whose "id" is one) may come in any order.
  void array_differences(const Pattern& p, const json::array& a, const std::string& path,
                         const std::string& key, std::vector<std::string>& out) {
    Bindings saved = bindings_;
    if (in_order(p, a, 0, 0, key)) return;
    bindings_ = saved;
    bool by_random_id = !a.empty() && p.elements.size() == a.size() && !p.elided_before.back();
    for (const auto& v : a) {
      const json::value* id = &v;  // a random string, or an object with a random "id"
      if (v.is_object()) id = v.as_object().if_contains("id");
      by_random_id = by_random_id && id && id->is_string() &&
                     random_handle(v.is_object() ? "id" : key, std::string(id->as_string()));
    }
    if (by_random_id) {
      std::vector<std::size_t> order(a.size());
      for (std::size_t i = 0; i < order.size(); ++i) order[i] = i;
      do {
        bool all = true;
        for (std::size_t e = 0; e < order.size() && all; ++e) {
          all = matches(p.elements[e], a[order[e]], key);
        }
        if (all) return;
        bindings_ = saved;
      } while (a.size() <= 6 && std::next_permutation(order.begin(), order.end()));
    }
    if (p.elements.size() != a.size() &&
        std::find(p.elided_before.begin(), p.elided_before.end(), true) == p.elided_before.end()) {
      out.push_back(path + ": documented " + std::to_string(p.elements.size()) + " elements, got " +
                    std::to_string(a.size()));
      return;
    }
    // Report element by element where they line up.
    std::size_t n = std::min(p.elements.size(), a.size());
    std::vector<std::string> element_out;
    for (std::size_t e = 0; e < n; ++e) {
      differences(p.elements[e], a[e], path + "[" + std::to_string(e) + "]", key, element_out);
    }
    if (element_out.empty()) element_out.push_back(path + ": elements do not line up as shown");
    out.insert(out.end(), element_out.begin(), element_out.end());
  }

  // Elements from `e` match `a` from `i` (backtracking over elisions).
  bool in_order(const Pattern& p, const json::array& a, std::size_t e, std::size_t i,
                const std::string& key) {
    if (e == p.elements.size()) return p.elided_before[e] || i == a.size();
    std::size_t last = p.elided_before[e] ? a.size() : std::min(i + 1, a.size());
    for (std::size_t j = i; j < last; ++j) {
      Bindings saved = bindings_;
      if (matches(p.elements[e], a[j], key) && in_order(p, a, e + 1, j + 1, key)) return true;
      bindings_ = saved;
    }
    return false;
  }

  Bindings& bindings_;
};

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

std::string compare_json(const std::string& documented, const std::string& printed,
                         Bindings& bindings) {
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
  Matcher matcher(bindings);
  for (std::size_t i = 0; i < want.size(); ++i) matcher.differences(want[i], got[i], "$", "", out);
  std::string all;
  for (const auto& d : out) all += (all.empty() ? "" : "\n") + d;
  return all;
}

// `curl -i`: status line and headers as shown, then the body after "…".
std::string compare_http(const std::string& documented, const std::string& printed,
                         Bindings& bindings) {
  auto cut = printed.find("\r\n\r\n");
  if (cut == std::string::npos) return "no HTTP head in: " + printed.substr(0, 200);
  std::vector<std::string> head = lines_of(printed.substr(0, cut));
  std::string body = printed.substr(cut + 4);
  std::vector<std::string> doc = lines_of(documented);
  if (doc.empty() || head.empty() || doc[0] != head[0]) {
    return "status line: documented '" + (doc.empty() ? "" : doc[0]) + "', got '" +
           (head.empty() ? "" : head[0]) + "'";
  }
  std::size_t i = 1;
  for (; i < doc.size() && doc[i] != kEllipsis && !doc[i].empty(); ++i) {
    if (std::find(head.begin() + 1, head.end(), doc[i]) == head.end()) {
      return "header '" + doc[i] + "' is not in the reply";
    }
  }
  std::string doc_body;
  for (++i; i < doc.size(); ++i) doc_body += doc[i] + "\n";
  if (trim(doc_body).empty()) return "";
  return compare_json(doc_body, body, bindings);
}

// Any other text: the documented lines in order, each right after the one
// before unless a line "…" is between them; without a "…" first or last the
// first or last printed line too. Leading and trailing blanks do not count.
std::string compare_lines(const std::string& documented, const std::string& printed) {
  std::vector<std::string> got = lines_of(printed);
  for (auto& g : got) g = trim(g);
  while (!got.empty() && got.back().empty()) got.pop_back();
  std::size_t at = 0;  // the next printed line to look at
  bool skipping = false;
  for (const std::string& line : lines_of(documented)) {
    std::string want = trim(line);
    if (want == kEllipsis) {
      skipping = true;
      continue;
    }
    std::size_t found = at;
    if (skipping) {
      found =
          std::find(got.begin() + static_cast<std::ptrdiff_t>(at), got.end(), want) - got.begin();
    }
    if (found >= got.size() || got[found] != want) {
      return "documented line '" + want + "' was not printed" +
             (skipping ? "" : " there (after the line before it)");
    }
    at = found + 1;
    skipping = false;
  }
  if (!skipping && at != got.size()) return "printed more after the last documented line";
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

  ASSERT_EQ(std::system("command -v curl >/dev/null && command -v jq >/dev/null"), 0)
      << "the examples need curl and jq (scripts/setup.sh installs them)";

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
  ASSERT_EQ(
      std::system((env + "timeout 60 bash -e " + shell_quote(dir.file("setup.sh")) + " </dev/null")
                      .c_str()),
      0);
  std::string key = slurp(dir.file("key"));
  ASSERT_EQ(key.rfind("pat_", 0), 0u) << key;

  // No webhook delivery (the example endpoint is not reachable from here).
  // The scheduler runs as documented: at start-up nothing is due (it records
  // no run), and its next tick is 60 s away, after the examples.
  ServerProcess server(PATRON_BINARY, dir.file("patron.db"), dir.path().string(),
                       {"--now", kNow, "--no-webhooks"});
  std::string origin = "127.0.0.1:" + std::to_string(server.port());

  // Every other sh block, in order, each in a subshell that stops at the
  // first failing command, between markers.
  std::vector<std::size_t> run;
  std::string script = "cd " + shell_quote(PATRON_SOURCE) + "\n";
  for (std::size_t b = 1; b < blocks.size(); ++b) {
    if (blocks[b].lang != "sh") continue;
    run.push_back(b);
    script += "echo '@@@begin " + std::to_string(b) + "'\n";
    script += "(\nset -e -o pipefail\n";
    script += replace_all(blocks[b].text, "127.0.0.1:8080", origin);
    script += ")\necho \"@@@end $?\"\n";
  }
  { std::ofstream(dir.file("examples.sh")) << script; }
  std::string command = env + "KEY=" + shell_quote(key) + " timeout 300 bash " +
                        shell_quote(dir.file("examples.sh")) + " </dev/null >" +
                        shell_quote(dir.file("printed")) + " 2>&1";
  ASSERT_EQ(std::system(command.c_str()), 0);
  std::string printed = slurp(dir.file("printed"));
  EXPECT_EQ(server.stop(SIGTERM), 0);
  EXPECT_EQ(slurp(dir.file("serve.err")), "");

  Bindings bindings;
  // The admin key of the quick start is the one every "actor" shows.
  auto admin = random_handle("key", key);
  ASSERT_TRUE(admin && bindings.bind("key " + kDocumentedAdminKey, *admin));
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
    const Block& reply = blocks[b + 1];
    std::string diff;
    if (reply.lang == "json") {
      diff = compare_json(reply.text, out, bindings);
    } else if (reply.text.rfind("HTTP/", 0) == 0) {
      diff = compare_http(reply.text, out, bindings);
    } else {
      diff = compare_lines(reply.text, out);
    }
    ++compared;
    EXPECT_TRUE(diff.empty()) << where << " (reply at line " << reply.line << "): " << diff;
  }
  EXPECT_GT(compared, 40);
}

// The comparison itself: elisions, exact members, bound random values.
std::string compare(const std::string& documented, const std::string& printed) {
  Bindings bindings;
  return compare_json(documented, printed, bindings);
}

TEST(ApiExamples, TheComparisonFailsWhenTheReplyDiffers) {
  EXPECT_EQ(compare(R"({"a":1,"b":[1,2]})", R"({"a":1,"b":[1,2]})"), "");
  EXPECT_NE(compare(R"({"a":1})", R"({"a":2})"), "");
  EXPECT_NE(compare(R"({"a":1})", R"({"a":1,"b":2})"), "");  // undocumented member
  EXPECT_EQ(compare(R"({"a":1, …})", R"({"a":1,"b":2})"), "");
  EXPECT_NE(compare(R"({"a":1, …})", R"({"b":2})"), "");
  EXPECT_NE(compare(R"({"a":1 "b":2})", R"({"a":1,"b":2})"), "");  // not JSON a reader can use
  EXPECT_NE(compare(R"([1,2])", R"([1,2,3])"), "");
  EXPECT_NE(compare(R"([1,2])", R"([2,1])"), "");  // order counts
  EXPECT_EQ(compare(R"([1, …, 3])", R"([1,2,3])"), "");
  EXPECT_NE(compare(R"([1, …])", R"([0,1])"), "");  // the first shown is the first
  EXPECT_NE(compare(R"([…, 3])", R"([3,4])"), "");  // the last shown is the last
  EXPECT_EQ(compare(R"([…, 3, …])", R"([2,3,4])"), "");
  EXPECT_EQ(compare(R"({"a":1…})", R"({"a":1,"b":2})"), "");
  // Random values bind: the same documented id is the same printed id.
  const std::string k1 = "key_0123456789abcdef";
  const std::string k2 = "key_fedcba9876543210";
  const std::string k3 = "key_00000000000000ff";
  EXPECT_EQ(compare(R"({"id":")" + k1 + R"("})", R"({"id":")" + k2 + R"("})"), "");
  EXPECT_EQ(compare(R"({"a":")" + k1 + R"(","b":")" + k1 + R"("})",
                    R"({"a":")" + k2 + R"(","b":")" + k2 + R"("})"),
            "");
  EXPECT_NE(compare(R"({"a":")" + k1 + R"(","b":")" + k1 + R"("})",
                    R"({"a":")" + k2 + R"(","b":")" + k3 + R"("})"),
            "");
  EXPECT_NE(compare(R"({"a":")" + k1 + R"(","b":")" + k3 + R"("})",
                    R"({"a":")" + k2 + R"(","b":")" + k2 + R"("})"),
            "");
  EXPECT_NE(compare(R"({"id":"key_0123"})", R"({"id":"key_4567"})"), "");  // not an id's shape
  // A truncated secret binds by its key id.
  const std::string secret = "pat_fedcba9876543210_" + std::string(64, 'a');
  EXPECT_EQ(compare(R"({"id":")" + k1 + R"(","key":"pat_0123456789abcdef_99…"})",
                    R"({"id":")" + k2 + R"(","key":")" + secret + R"("})"),
            "");
  EXPECT_NE(compare(R"({"id":")" + k3 + R"(","key":"pat_0123456789abcdef_99…"})",
                    R"({"id":")" + k2 + R"(","key":")" + secret + R"("})"),
            "");
  // Codes: the same length and prefix, bound like ids; other strings exact.
  EXPECT_EQ(compare(R"({"referral_code":"Q7M2K9XA"})", R"({"referral_code":"ABCDEFGH"})"), "");
  EXPECT_NE(compare(R"({"referral_code":"Q7M2K9XA"})", R"({"referral_code":"ABCDEFG"})"), "");
  EXPECT_NE(compare(R"({"a":{"referral_code":"Q7M2K9XA"},"b":{"referral_code":"Q7M2K9XA"}})",
                    R"({"a":{"referral_code":"ABCDEFGH"},"b":{"referral_code":"HGFEDCBA"}})"),
            "");
  EXPECT_EQ(compare(R"({"codes":["VIP67C6XSAQ"]})", R"({"codes":["VIPRL5B8ZUB"]})"), "");
  EXPECT_NE(compare(R"({"codes":["VIZ67C6XSAQ"]})", R"({"codes":["VIPRL5B8ZUB"]})"), "");
  EXPECT_NE(compare(R"({"code":"WELCOME100"})", R"({"code":"WELCOME200"})"), "");
  // A list sorted by random ids or codes may come in any order; others may not.
  EXPECT_EQ(compare(R"([{"id":")" + k1 + R"(","r":"a"},{"id":")" + k2 + R"(","r":"b"}])",
                    R"([{"id":")" + k3 + R"(","r":"b"},{"id":")" + k1 + R"(","r":"a"}])"),
            "");
  EXPECT_EQ(compare(R"({"codes":["VIP67C6XSAQ","VIPTPB8HKVM"]})",
                    R"({"codes":["VIPA632CDTZ","VIP2232CDTZ"]})"),
            "");
  EXPECT_NE(compare(R"({"n":["b","a"]})", R"({"n":["a","b"]})"), "");
  EXPECT_NE(compare(R"({"a":1} {"b":2})", R"({"a":1})"), "");  // a reply missing
  Bindings bindings;
  EXPECT_EQ(compare_http("HTTP/1.1 200 OK\nETag: \"1\"\n…\n{\"a\":1}\n",
                         "HTTP/1.1 200 OK\r\nETag: \"1\"\r\nX: y\r\n\r\n{\"a\":1}", bindings),
            "");
  EXPECT_NE(compare_http("HTTP/1.1 201 Created\n", "HTTP/1.1 200 OK\r\n\r\n{}", bindings), "");
  EXPECT_NE(compare_lines("a\nb\n", "a\nc\n"), "");
  EXPECT_EQ(compare_lines("a\n…\nc\n", "a\nb\nc\n"), "");
  EXPECT_NE(compare_lines("a\nc\n", "a\nb\nc\n"), "");     // a line left out without "…"
  EXPECT_NE(compare_lines("c\n…\na\n", "a\nb\nc\n"), "");  // order counts
  EXPECT_EQ(compare_lines("…\nb\n…\n", "a\nb\nc\n"), "");
}

}  // namespace
}  // namespace patron::testing
